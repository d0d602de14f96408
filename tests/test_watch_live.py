"""cchc watch with the real watcher and harvest on a temporary inbox: files copied in
slowly (for longer than the watcher's debounce), renamed into place, replaced (by a newer
version, by another unit's workbook), copied twice, removed; the inbox deleted, renamed
away and back, replaced; the output folder deleted; runs never overlap (changes during a
run make one next run; another process holding the output folder's lock is waited for);
Ctrl+C between runs and in the middle of one. The pure parts: tests/test_watch.py."""
from __future__ import annotations

import os
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest

from cchc.watch_commands import watch_inbox
from harvest.console import snapshot
from harvest.run import harvest
from oslayer import dirlock
from samples.fill import valid_values, write_values
from tests.conftest import TEST_KEY

ROOT = Path(__file__).parents[1]
DEADLINE = datetime(2020, 3, 23).date()


@pytest.fixture(scope="module")
def returns(tmp_path_factory, generated, catalogue):
    """Filled PL1 workbooks (bytes) of a few units, and a second, different version of one."""
    templates, _ = generated
    work = tmp_path_factory.mktemp("returns")
    made = {}
    form = catalogue.form("PL1")
    for unit in ("p-ngoc-ha", "p-quang-trung", "p-tran-phu", "x-phuong-do"):
        values = valid_values(form, unit, random.Random(unit))
        write_values(templates / unit / f"PL1_{unit}.xlsx", form, values, work / f"{unit}.xlsx",
                     saved_at=datetime(2020, 3, 18, 9))
        made[unit] = (work / f"{unit}.xlsx").read_bytes()
    values = valid_values(form, "p-ngoc-ha", random.Random("again"))
    write_values(templates / "p-ngoc-ha" / "PL1_p-ngoc-ha.xlsx", form, values, work / "again.xlsx",
                 saved_at=datetime(2020, 3, 19, 9))
    made["again"] = (work / "again.xlsx").read_bytes()
    return made


class Watcher:
    """watch_inbox in a thread with the real watcher and harvest (timed as the command
    times it); lines go to a queue. ``gate``: a run after the first, its harvest done,
    waits for it to be set before it returns."""

    def __init__(self, inbox: Path, out: Path, catalogue, registry, settle: float = 0.3,
                 gate: threading.Event | None = None) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.stop = threading.Event()
        self.started, self.runs, self.overlaps, self.seen = 0, 0, 0, []
        self.running = threading.Lock()
        self.in_run = threading.Event()

        def run():
            if not self.running.acquire(blocking=False):
                self.overlaps += 1
            self.started += 1
            try:
                when = datetime.now(timezone.utc).replace(microsecond=0)
                snap = snapshot(harvest(inbox, out, catalogue, registry, TEST_KEY, DEADLINE, now=when), when)
                self.seen.append(set(snap.files))
                if gate is not None and self.started > 1:
                    self.in_run.set()
                    gate.wait(60)
                return snap
            finally:
                self.runs += 1
                if self.running.locked():
                    self.running.release()
        names = {u.code: u.name for u in registry.units}
        self.thread = threading.Thread(target=lambda: setattr(self, "report", watch_inbox(
            inbox, out, run, names, say=self.lines.put, settle=settle, stop_event=self.stop)))
        self.thread.start()

    def expect(self, *parts: str, timeout: float = 30, seen: list | None = None) -> str:
        """The next line containing every one of ``parts`` (earlier lines are skipped, and
        kept in ``seen``)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                break
            if all(p in line for p in parts):
                return line
            if seen is not None:
                seen.append(line)
        raise AssertionError(f"no line with {parts} within {timeout} s; skipped: {seen}")

    def quiet(self, seconds: float) -> list[str]:
        """The lines said within ``seconds``."""
        time.sleep(seconds)
        return [self.lines.get_nowait() for _ in range(self.lines.qsize())]

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _put(path: Path, data: bytes, tmp: Path) -> None:
    """Written beside, then moved into place in one step (as a mail client saves)."""
    part = tmp / f"{path.name}.part"
    part.write_bytes(data)
    os.replace(part, path)


def test_watching_a_real_inbox(tmp_path, returns, catalogue, registry):
    inbox, out = tmp_path / "inbox", tmp_path / "summary"
    (inbox / "thư 18-3").mkdir(parents=True)
    (inbox / "thư 18-3" / "ngọc hà.xlsx").write_bytes(returns["p-ngoc-ha"])
    w = Watcher(inbox, out, catalogue, registry, settle=1.0)   # the watcher's debounce: 1 s
    try:
        assert "đã tổng hợp 1 tệp: 1/15 đơn vị" in w.expect("đã tổng hợp")
        # Copied in slowly: 8 chunks over 2.4 s, longer than the debounce; only the wait for
        # the file to settle keeps the harvest from reading it half-written.
        data, chunk = returns["p-quang-trung"], len(returns["p-quang-trung"]) // 8 + 1
        with open(inbox / "quang trung.xlsx", "wb") as fh:
            for start in range(0, len(data), chunk):
                fh.write(data[start:start + chunk])
                fh.flush()
                time.sleep(0.3)
        line = w.expect("«quang trung.xlsx»")
        assert ("nhận PL1 của UBND phường Quang Trung («quang trung.xlsx») — đã nộp, 0 lỗi; "
                "còn thiếu phụ lục: 13 đơn vị") in line
        # Written under another name outside, renamed into place.
        _put(inbox / "tran-phu.xlsx", returns["p-tran-phu"], tmp_path)
        assert ("nhận PL1 của UBND phường Trần Phú («tran-phu.xlsx») — đã nộp, 0 lỗi; "
                "còn thiếu phụ lục: 12 đơn vị") in w.expect("«tran-phu.xlsx»")
        # Replaced by a newer version under the same name.
        _put(inbox / "thư 18-3" / "ngọc hà.xlsx", returns["again"], tmp_path)
        assert "nhận bản mới của PL1 của UBND phường Ngọc Hà («thư 18-3/ngọc hà.xlsx»" in w.expect("bản mới")
        # Excel opens a returned file in the inbox: its lock file comes and goes unannounced.
        (inbox / "~$quang trung.xlsx").write_bytes(b"\x08Nguyen Van A" + bytes(150))
        time.sleep(0.05)
        (inbox / "~$quang trung.xlsx").unlink()
        # Removed.
        (inbox / "tran-phu.xlsx").unlink()
        skipped: list[str] = []
        assert "bỏ PL1 của UBND phường Trần Phú («tran-phu.xlsx» không còn trong thư mục nhận) — PL1 nay: chưa nộp; " \
               "còn thiếu phụ lục: 13 đơn vị" in w.expect("bỏ PL1", seen=skipped)
        assert not [line for line in skipped if "~$" in line], skipped
        # Overwritten with another unit's workbook: one unit gains PL1, the other loses it.
        other = registry.unit("x-phuong-do").name
        _put(inbox / "quang trung.xlsx", returns["x-phuong-do"], tmp_path)
        gained = w.expect("«quang trung.xlsx», thay tệp cùng tên")
        lost = w.expect("bỏ PL1 của UBND phường Quang Trung")
        assert f"nhận PL1 của {other} («quang trung.xlsx», thay tệp cùng tên) — đã nộp, 0 lỗi" in gained
        assert "bản mới" not in gained
        assert (f"bỏ PL1 của UBND phường Quang Trung («quang trung.xlsx» nay là PL1 của {other}) — "
                "PL1 nay: chưa nộp; còn thiếu phụ lục: 13 đơn vị") in lost
        # A second copy of the counted file, under a name that sorts first (the ledger now
        # names it as used): it adds nothing, and is said to.
        shutil.copyfile(inbox / "thư 18-3" / "ngọc hà.xlsx", inbox / "PL1 lần 2.xlsx")
        assert ("nhận PL1 của UBND phường Ngọc Hà («PL1 lần 2.xlsx») — trùng lặp: giống hệt «thư 18-3/ngọc hà.xlsx» "
                "đã nhận, không thay đổi gì; còn thiếu phụ lục: 13 đơn vị") in w.expect("«PL1 lần 2.xlsx»")
    finally:
        w.close()
    assert w.overlaps == 0 and w.report.runs == w.runs and not w.report.interrupted
    assert set(_listing(inbox)) == {"thư 18-3/ngọc hà.xlsx", "quang trung.xlsx", "PL1 lần 2.xlsx"}
    assert (out / "status.csv").exists()


def test_changes_during_a_run_make_one_next_run(tmp_path, returns, catalogue, registry):
    """Never two runs at once: while a run goes on (held here), files that arrive start no
    other run; once it ends, one run takes them all."""
    inbox, out = tmp_path / "inbox", tmp_path / "summary"
    inbox.mkdir()
    gate = threading.Event()
    w = Watcher(inbox, out, catalogue, registry, settle=0.2, gate=gate)
    try:
        w.expect("đã tổng hợp 0 tệp")
        (inbox / "a.xlsx").write_bytes(returns["p-ngoc-ha"])
        assert w.in_run.wait(30)            # the second run has read the inbox, and is held
        for name in ("b.xlsx", "c.xlsx", "d.xlsx"):
            (inbox / name).write_bytes(returns["p-tran-phu"] if name == "b.xlsx" else returns["x-phuong-do"])
            time.sleep(0.2)
        assert w.quiet(1.5) == [] and w.started == 2   # nothing else ran meanwhile
        gate.set()
        w.expect("«a.xlsx»")
        w.expect("«d.xlsx»")
        assert w.quiet(1.5) == []
    finally:
        gate.set()
        w.close()
    assert w.started == 3 and w.overlaps == 0
    assert w.seen[1] == {"a.xlsx"} and w.seen[2] == {"a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx"}


def test_the_inbox_deleted_renamed_away_or_replaced_is_followed(tmp_path, returns, catalogue, registry):
    inbox, out = tmp_path / "inbox", tmp_path / "summary"
    inbox.mkdir()
    (inbox / "ngoc-ha.xlsx").write_bytes(returns["p-ngoc-ha"])
    w = Watcher(inbox, out, catalogue, registry, settle=0.2)
    try:
        w.expect("đã tổng hợp 1 tệp")
        ledger = (out / "ledger.csv").read_bytes()
        # Deleted: said once; the outputs stay as they were while it is away.
        shutil.rmtree(inbox)
        assert w.expect("thư mục nhận").endswith(
            "thư mục nhận không còn; chờ thư mục được tạo lại — kết quả tổng hợp trước vẫn giữ nguyên")
        assert w.quiet(1.0) == [] and (out / "ledger.csv").read_bytes() == ledger
        # Made again, a file copied in: harvested again, the news said.
        inbox.mkdir()
        (inbox / "tran-phu.xlsx").write_bytes(returns["p-tran-phu"])
        w.expect("thư mục nhận đã có lại: tổng hợp lại")
        w.expect("«tran-phu.xlsx»", "đã nộp")
        # Renamed away and back (a clerk's slip): followed, and watched again afterwards.
        os.rename(inbox, tmp_path / "inbox-x")
        w.expect("thư mục nhận không còn")
        os.rename(tmp_path / "inbox-x", inbox)
        w.expect("thư mục nhận đã có lại")
        (inbox / "quang-trung.xlsx").write_bytes(returns["p-quang-trung"])
        w.expect("«quang-trung.xlsx»", "đã nộp")
        # Replaced at once by another folder of the same name: the new one is watched.
        shutil.rmtree(inbox)
        inbox.mkdir()
        (inbox / "phuong-do.xlsx").write_bytes(returns["x-phuong-do"])
        w.expect("«phuong-do.xlsx»", "đã nộp")
    finally:
        w.close()
    assert set(_listing(inbox)) == {"phuong-do.xlsx"}   # nothing of ours in the inbox


def test_the_output_folder_deleted_is_made_again_by_the_next_run(tmp_path, returns, catalogue, registry):
    inbox, out = tmp_path / "inbox", tmp_path / "kết quả" / "summary"
    inbox.mkdir()
    w = Watcher(inbox, out, catalogue, registry, settle=0.2)
    try:
        w.expect("đã tổng hợp 0 tệp")
        shutil.rmtree(out.parent)
        (inbox / "ngoc-ha.xlsx").write_bytes(returns["p-ngoc-ha"])
        w.expect("«ngoc-ha.xlsx»", "đã nộp")
    finally:
        w.close()
    assert "ngoc-ha.xlsx" in (out / "ledger.csv").read_text(encoding="utf-8-sig")
    assert set(_listing(inbox)) == {"ngoc-ha.xlsx"}


# The command, in a process of its own ------------------------------------------------------

@contextmanager
def _as_from_a_terminal():
    """Ctrl+C reaches the command as it does when started from a terminal, even when these
    tests run where SIGINT is ignored (a background job of a script, nohup): a process
    started with SIGINT ignored keeps ignoring it (Python installs its handler only over
    the default), so the command could not be stopped and its Ctrl+C tests would hang."""
    saved = signal.getsignal(signal.SIGINT)
    if saved == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)   # reset to the default by exec
    try:
        yield
    finally:
        if saved == signal.SIG_IGN:
            signal.signal(signal.SIGINT, saved)


def _cli(*args, cwd=ROOT, env=None, driver=None):
    # faulthandler: a process that does not end when told is aborted, and its stacks show why.
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1", **(env or {})}
    start = [sys.executable, "-c", driver] if driver else [sys.executable, "-m", "cchc"]
    with _as_from_a_terminal():
        return subprocess.Popen([*start, "watch", *map(str, args)], cwd=cwd, env=env, start_new_session=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")


def _watching(tmp_path, key_file_path, returns=None, *, env=None, driver=None):
    """(inbox, out, process, its Output): ``cchc watch`` started on a new inbox holding
    Ngọc Hà's return when ``returns`` are given, settling after 0.2 s."""
    inbox, out = tmp_path / "inbox", tmp_path / "summary"
    inbox.mkdir()
    if returns is not None:
        (inbox / "ngoc-ha.xlsx").write_bytes(returns["p-ngoc-ha"])
    proc = _cli(inbox, "--out", out, "--key-file", key_file_path, "--templates", tmp_path / "none", "--settle", "0.2",
                env=env, driver=driver)
    return inbox, out, proc, Output(proc)


class Output:
    """A process's output lines, read in a thread."""

    def __init__(self, proc) -> None:
        self.proc, self.lines, self.seen = proc, queue.Queue(), []
        self.reader = threading.Thread(target=lambda: [self.lines.put(line) for line in proc.stdout], daemon=True)
        self.reader.start()

    def until(self, text: str, timeout: float = 30) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                self.seen.append(self.lines.get(timeout=0.2))
            except queue.Empty:
                continue
            if text in self.seen[-1]:
                return self.seen[-1]
        raise AssertionError(f"no «{text}» within {timeout} s: {''.join(self.seen)}")

    def rest(self) -> str:
        self.reader.join(timeout=10)   # the output is read to its end
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())
        return "".join(self.seen)

    def send(self, how: str = "ctrl-c") -> None:
        """Ctrl+C in a terminal: SIGINT to the whole process group; or ``kill``: SIGTERM
        to the command's process alone."""
        if how == "kill":
            os.kill(self.proc.pid, signal.SIGTERM)
        else:
            os.killpg(self.proc.pid, signal.SIGINT)

    def interrupt(self, how: str = "ctrl-c") -> None:
        """``send`` a stop, then wait for the command to end (aborted, with its stacks
        printed, if it has not after 30 s)."""
        self.send(how)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGABRT)   # faulthandler prints every thread's stack
            self.proc.wait(timeout=30)
            raise AssertionError(f"still running 30 s after Ctrl+C:\n{self.rest()}") from None


@pytest.fixture()
def key_file_path(tmp_path):
    path = tmp_path / "hmac.key"
    path.write_text(TEST_KEY.hex())
    return path


def _summary_time(out: Path) -> str:
    from openpyxl import load_workbook
    ws = load_workbook(out / "tong-hop-cchc.xlsx", read_only=True)["Tổng quan"]
    cell = next(ws.iter_rows(min_row=3, max_row=3, max_col=1, values_only=True))[0]
    return re.search(r"lập lúc (\d\d:\d\d)", cell).group(1)


posix_only = pytest.mark.skipif(os.name == "nt", reason="SIGINT to a process group and TZ are POSIX's")


@contextmanager
def _then_ctrl_c(proc, output, how: str = "ctrl-c"):
    """The body drives the watch, then Ctrl+C (or ``kill``: Output.interrupt): the list
    yielded receives the whole output once the command has ended by itself (exit 0, no
    traceback). A body that fails kills it."""
    ended: list[str] = []
    try:
        yield ended
        output.interrupt(how)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = output.rest()
    assert proc.returncode == 0, text
    assert "Traceback" not in text
    ended.append(text)


@posix_only
@pytest.mark.parametrize("how", ["ctrl-c", "kill"])
def test_ctrl_c_stops_the_command_cleanly_and_its_clock_is_the_summarys(tmp_path, returns, key_file_path, how):
    # The machine set to another zone (UTC−5): the lines still say Vietnam time, as the summary.
    inbox, out, proc, output = _watching(tmp_path, key_file_path, returns, env={"TZ": "XST+05"})
    with _then_ctrl_c(proc, output, how) as ended:
        first = output.until("đã tổng hợp 1 tệp")
        assert first[:5] == _summary_time(out), first
        (inbox / "quang-trung.xlsx").write_bytes(returns["p-quang-trung"])
        news = output.until("«quang-trung.xlsx»")
        assert news[:5] == _summary_time(out), news
    [text] = ended
    assert f"Đã dừng theo dõi sau 2 lần tổng hợp; kết quả trong {out} là của lần tổng hợp lúc {news[:5]}." in text
    assert sorted(p.name for p in inbox.iterdir()) == ["ngoc-ha.xlsx", "quang-trung.xlsx"]


# The ledger's writer made slow after the first run: the test knows when a run is writing.
SLOW_DRIVER = """
import sys, time, runpy
import harvest.run as run
writer, calls = run.write_ledger_csv, []
def slow(*args):
    calls.append(1)
    if len(calls) > 1:
        time.sleep(60)
    return writer(*args)
run.write_ledger_csv = slow
sys.argv = ["cchc", *sys.argv[1:]]
runpy.run_module("cchc", run_name="__main__")
"""


@posix_only
@pytest.mark.parametrize("how", ["ctrl-c", "kill"])
def test_ctrl_c_in_the_middle_of_a_run_leaves_the_previous_outputs(tmp_path, returns, key_file_path, how):
    inbox, out, proc, output = _watching(tmp_path, key_file_path, returns, driver=SLOW_DRIVER)
    with _then_ctrl_c(proc, output, how) as ended:
        output.until("đã tổng hợp 1 tệp")
        before = _listing(out)
        (inbox / "quang-trung.xlsx").write_bytes(returns["p-quang-trung"])
        end = time.monotonic() + 30
        while not list(tmp_path.glob(".summary.new-*")) and time.monotonic() < end:
            time.sleep(0.01)
        assert list(tmp_path.glob(".summary.new-*")), "the second run never began writing"
        time.sleep(0.5)   # the outputs are being written
    [text] = ended
    assert "Đã dừng theo dõi sau 1 lần tổng hợp" in text
    assert _listing(out) == before                       # the last complete outputs, intact
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []   # no staging, no lock left
    assert sorted(p.name for p in inbox.iterdir()) == ["ngoc-ha.xlsx", "quang-trung.xlsx"]


@posix_only
def test_a_run_waits_for_another_process_writing_the_output_folder(tmp_path, returns, key_file_path):
    inbox, out, proc, output = _watching(tmp_path, key_file_path)
    with _then_ctrl_c(proc, output):
        output.until("đã tổng hợp 0 tệp")
        before = _listing(out)
        with dirlock.hold(out, 0):   # another cchc run writing the same folder
            (inbox / "ngoc-ha.xlsx").write_bytes(returns["p-ngoc-ha"])
            assert "Đang chờ: một lần chạy cchc khác" in output.until("Đang chờ")
            time.sleep(1.0)
            assert _listing(out) == before and not [line for line in output.seen if "«ngoc-ha.xlsx»" in line]
        output.until("«ngoc-ha.xlsx»")


def test_refuses_an_output_folder_inside_the_inbox(tmp_path, key_file_path):
    from click.testing import CliRunner

    from cchc.cli import cli
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    result = CliRunner().invoke(cli, ["watch", str(inbox), "--out", str(inbox / "kq"), "--key-file",
                                      str(key_file_path), "--templates", str(tmp_path / "none")])
    assert result.exit_code == 2 and "Lỗi:" in result.output
    assert list(inbox.iterdir()) == []


# Each file read slowly, in the worker processes, from the second run on: a run that
# takes seconds, reading in workers (an inbox over harvest.run.PARALLEL_FROM files).
SLOW_READ_DRIVER = """
import sys, time, runpy
import harvest.run as run
harvest, reader, runs = run.harvest, run.read_one, []
def counted(*args, **kwargs):
    runs.append(1)
    return harvest(*args, **kwargs)
def slow(*args):
    if len(runs) > 1:
        time.sleep(0.1)
    return reader(*args)
run.harvest, run.read_one = counted, slow
import cchc.watch_commands
cchc.watch_commands.run_harvest = counted
sys.argv = ["cchc", *sys.argv[1:]]
runpy.run_module("cchc", run_name="__main__")
"""


def _group(pgid: int) -> list[int]:
    """The processes of group ``pgid`` (Linux: /proc), the group's leader among them."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[2] == str(pgid) and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


@posix_only
@pytest.mark.parametrize("signals", [("ctrl-c", "ctrl-c"), ("kill", "kill"), ("ctrl-c", "kill"), ("kill", "ctrl-c"),
                                     ("ctrl-c",) * 5, ("kill",) * 5, ("kill", "ctrl-c") * 3],
                         ids=["ctrl-c×2", "kill×2", "ctrl-c+kill", "kill+ctrl-c", "ctrl-c×5", "kill×5", "mixed×6"])
def test_a_second_stop_while_workers_read_changes_nothing(tmp_path, returns, key_file_path, signals):
    # Ctrl+C pressed twice (or a kill after it, or a burst of both) while a run reads in
    # worker processes: the watch stops once, at once, as cleanly as after one signal; no
    # worker is left behind, nothing is said after the closing line.
    from harvest.run import PARALLEL_FROM
    inbox, out, proc, output = _watching(tmp_path, key_file_path, driver=SLOW_READ_DRIVER)
    try:
        for i in range(PARALLEL_FROM + 6):
            (inbox / f"ban-{i:03d}.xlsx").write_bytes(returns["p-ngoc-ha"])
        output.until("đã tổng hợp", timeout=60)
        before = _listing(out)
        (inbox / "quang-trung.xlsx").write_bytes(returns["p-quang-trung"])
        end = time.monotonic() + 30   # the second run's workers reading
        while Path("/proc").is_dir() and len(_group(proc.pid)) < 3 and time.monotonic() < end:
            time.sleep(0.05)
        assert not Path("/proc").is_dir() or len(_group(proc.pid)) >= 3, "no worker ever read"
        time.sleep(0.5)
        for how in signals:
            output.send(how)
            time.sleep(0.02)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            output.interrupt()   # (aborts it, with its stacks)
        text = output.rest()
        assert proc.returncode == 0, text
        assert text.rstrip().splitlines()[-1].startswith("Đã dừng theo dõi sau 1 lần tổng hợp"), text
        assert "Traceback" not in text and "Exception ignored" not in text, text
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                os.killpg(proc.pid, 0)   # a process of the command's group still there
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("a worker outlived the command")
        assert _listing(out) == before
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)   # a failed check leaves no process behind
        except ProcessLookupError:
            pass
