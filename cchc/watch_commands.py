"""``cchc watch``: keep the harvest's outputs current while files come into the inbox.

A thin layer: ``watchfiles`` reports the changes, ``harvest.watch.watch_loop`` decides
what to do with them, ``harvest.run.harvest`` does the work (and holds the output
folder's lock while it writes, so a ``cchc harvest`` run at the same time waits).
"""
from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import click

from harvest.console import form_names, hhmm, snapshot
from harvest.run import INBOX_WHAT
from harvest.run import harvest as run_harvest
from harvest.watch import SETTLE, WatchReport, inbox_state, supervised, unreadable, wait_settled, watch_loop
from xlsx_forms import outdir

from . import config
from .mail_commands import waiting
from .remembered import Remembered

SHARED = ("inbox", "plan_path", "units", "key_file", "out", "deadline", "templates")   # harvest's own options
TICK_MS = 200   # the watcher wakes this often when nothing happens (Ctrl+C is noticed at once)


def _batches(inbox: Path, settle: float, stop_event: threading.Event | None):
    """The watcher, started (so no change made from now on is missed), and its batches
    of changes (each a set of (change, path)), with ``harvest.watch.Away`` / ``Back``
    when the inbox goes and comes back (a new watcher is then started on it)."""
    import watchfiles  # imported here: only this command needs it
    debounce = int(1000 * min(1.6, max(settle, 0.05)))

    def start():
        changes = watchfiles.watch(inbox, watch_filter=None, debounce=debounce, step=50, rust_timeout=TICK_MS,
                                   yield_on_timeout=True, stop_event=stop_event, raise_interrupt=True)
        next(changes)   # returns once the watcher runs: the harvest that follows sees everything before it
        return changes

    def pause() -> bool:   # one tick while the inbox is away; False: stop
        if stop_event is None:
            time.sleep(TICK_MS / 1000)
            return True
        return not stop_event.wait(TICK_MS / 1000)
    root = {os.path.normcase(os.path.abspath(inbox))}

    def lost(batch) -> bool:   # the watched folder itself deleted: this watcher sees nothing more
        return any(change == watchfiles.Change.deleted and os.path.normcase(p) in root for change, p in batch)
    return supervised(start, lambda: inbox_state(inbox), pause, lost), watchfiles.Change.deleted


def watch_inbox(inbox: Path, out: Path, run: Callable[[], object], names: dict[str, str],
                say: Callable[[str], None] = click.echo, settle: float = SETTLE,
                stop_event: threading.Event | None = None, explain: Callable[[Exception], str] = str,
                forms: dict[str, str] | None = None):
    """Watch ``inbox``, harvesting into ``out`` with ``run`` (a Snapshot-returning harvest)
    after each settled batch of changes, until Ctrl+C or ``stop_event``; say a closing
    line. While files the last run read cannot be read (``harvest.watch.unreadable``),
    nothing runs. ``forms``: form id → its name. Returns the loop's WatchReport."""
    try:
        batches, deleted = _batches(inbox, settle, stop_event)
    except KeyboardInterrupt:
        report = WatchReport(interrupted=True)
    else:
        def settled(batch) -> None:
            wait_settled({Path(p) for change, p in batch if change != deleted}, settle)
        say(f"Đang theo dõi {outdir.shown(inbox)}; kết quả ghi vào {outdir.shown(out)} (Ctrl+C để dừng).")
        report = watch_loop(batches, run, say, names, settle=settled, explain=explain,
                            blocked=lambda before: unreadable(inbox, before), forms=forms)
    if report.last_at is None:
        say("Đã dừng theo dõi trước khi tổng hợp xong; kết quả tổng hợp trước (nếu có) giữ nguyên.")
    else:
        say(f"Đã dừng theo dõi sau {report.runs} lần tổng hợp; kết quả trong {outdir.shown(out)} là của lần "
            f"tổng hợp lúc {hhmm(report.last_at)}.")
    return report


def _stopping(_signum, _frame) -> None:
    """A stop signal while the watch stops: nothing more to do."""


@contextmanager
def _stop_signals() -> Iterator[None]:
    """Ctrl+C (SIGINT) and ``kill`` (SIGTERM: a service manager, or a script that started
    the watch in the background, where Ctrl+C cannot reach it) stop the watch: a closing
    line, exit code 0, the outputs of the last complete run. The first one stops it; any
    that come after it (Ctrl+C pressed twice) are ignored until the process ends, so that
    the stop is never cut short halfway (a run's workers ended, its staging folder
    removed). A signal the watch was started with ignored (nohup, a background job) stays
    ignored. Without a stop, the handlers are put back as they were when the block ends."""
    stops = [sig for sig in (signal.SIGINT, signal.SIGTERM)
             if signal.getsignal(sig) in (signal.SIG_DFL, signal.default_int_handler)]
    if threading.current_thread() is not threading.main_thread():
        stops = []   # (signals reach the main thread only)
    saved = {sig: signal.getsignal(sig) for sig in stops}
    stopped = []

    def stop(_signum, _frame):
        stopped.append(True)
        for sig in stops:
            # Not SIG_IGN: a signal already on its way would then be reported by Python as
            # «OSError: Signal 15 ignored due to race condition», in English, on stderr.
            signal.signal(sig, _stopping)
        raise KeyboardInterrupt
    for sig in stops:
        signal.signal(sig, stop)
    try:
        yield
    finally:
        if not stopped:
            for sig, handler in saved.items():
                signal.signal(sig, handler)
        else:
            # Python's exit puts its handlers back to the defaults: a late signal would then
            # kill the process (exit status -2 or -15) after the closing line. Ignored now
            # (signal.signal first runs any signal pending: ``_stopping``, nothing).
            for sig in stops:
                signal.signal(sig, signal.SIG_IGN)


def _watch(inbox, plan_path, units, key_file, out, deadline, templates, settle) -> None:
    """The command's work: the settings as harvest reads them, then ``watch_inbox``."""
    from .cli import os_error_message
    remembered = Remembered.load(templates)
    use = remembered.for_harvest(click.echo, plan_path, units, key_file, deadline)
    registry = use.registry
    wait = config.lock_wait()
    outdir.check(out, "harvest", {INBOX_WHAT: inbox})   # before reading anything

    def run():
        when = datetime.now(timezone.utc).replace(microsecond=0)   # as harvest's own: the summary's «lập lúc»
        return snapshot(run_harvest(inbox, out, use.bundle.catalogue, registry, use.key, use.due, now=when,
                                    lock_wait=wait, on_wait=waiting(out), expected_key=remembered.expected_key(),
                                    outline=use.bundle.outline), when)

    def explain(exc: Exception) -> str:
        return os_error_message(exc) if isinstance(exc, OSError) else str(exc)
    watch_inbox(inbox, out, run, {u.code: u.name for u in registry.units}, settle=settle, explain=explain,
                forms=form_names(use.bundle.outline))


def register(cli) -> None:
    """Add ``cchc watch`` to ``cli``, with the harvest command's own argument and options."""
    harvest_command = cli.commands["harvest"]
    shared = [p for p in harvest_command.params if p.name in SHARED]

    def watch(inbox, plan_path, units, key_file, out, deadline, templates, settle) -> None:
        with _stop_signals():
            _watch(inbox, plan_path, units, key_file, out, deadline, templates, settle)

    settle_option = click.Option(
        ["--settle"], type=config.Seconds(0, 60), default=SETTLE, show_default=True, metavar="GIÂY",
        help="Chờ tệp đang chép xong: chỉ đọc lại khi kích thước và thời điểm sửa của tệp không đổi "
             "trong chừng ấy giây.")
    cli.add_command(cli.command_class(
        name="watch", callback=watch, params=[*shared, settle_option],
        context_settings=harvest_command.context_settings,
        short_help="Theo dõi THƯ_MỤC_NHẬN, tổng hợp lại mỗi khi có tệp đến, đổi hoặc bị xóa.",
        help="""Theo dõi THƯ_MỤC_NHẬN và giữ kết quả tổng hợp luôn mới.

        Tổng hợp một lần như cchc harvest (cùng các tùy chọn), rồi mỗi khi có tệp được chép
        vào, sửa, đổi tên hoặc xóa khỏi thư mục (kể cả thư mục con) thì chờ tệp chép xong
        (--settle) và tổng hợp lại vào thư mục --out. Mỗi thay đổi in một dòng, ví dụ «14:02 nhận PL3
        của Văn phòng HĐND-UBND thành phố («PL3.xlsx») — đã nộp, 0 lỗi; còn thiếu phụ lục: 3 đơn vị».
        Mỗi lúc chỉ một lần tổng hợp; lệnh cchc harvest ghi cùng thư mục sẽ chờ. Không bao
        giờ ghi vào THƯ_MỤC_NHẬN. Nếu THƯ_MỤC_NHẬN bị xóa, đổi tên hoặc không đọc được, lệnh
        báo một dòng, giữ nguyên kết quả trước và chờ; khi thư mục có lại thì theo dõi và
        tổng hợp lại. Nhấn Ctrl+C để dừng (mã thoát 0); kết quả trong --out là
        của lần tổng hợp cuối cùng đã xong. Mã thoát 2 khi tham số hoặc cấu hình sai, hoặc lần tổng hợp
        đầu tiên không được (lỗi ở các lần sau chỉ in ra, kết quả trước giữ nguyên).
        """))

