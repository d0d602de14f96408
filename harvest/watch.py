"""Keep a harvest current while files come into the inbox (``cchc watch``).

The loop is driven by an iterator of change batches (from ``watchfiles`` in the command,
from a list in tests) so that it can be tested without real timing. Runs are never
concurrent: each batch is handled (settled, harvested, reported) before the next one is
taken, and the changes that arrive meanwhile wait in the watcher and make the next batch.
Other processes writing the same output folder are kept apart by the harvest's own lock.

A watcher goes blind when the folder it watches is deleted, renamed away or replaced
(the system watches the folder, not its name), so ``supervised`` checks the inbox after
every batch and every quiet tick: when it is gone or cannot be read it says so (``Away``)
and waits; when it is back it starts a new watcher and says so (``Back``), and the loop
harvests again.
"""
from __future__ import annotations

import errno
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from oslayer.oserrors import describe
from xlsx_forms.errors import CchcError

from . import inbox as kinds
from .console import Snapshot, change_lines, hhmm, tally_line
from .reconcile import LOCAL

SETTLE = 2.0          # seconds a changed file must keep its size and time before it is read
SETTLE_LIMIT = 600.0  # a file still growing after this is read as it is (the next change re-reads it)


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:   # gone, or not readable: nothing to wait for
        return None
    return st.st_size, st.st_mtime_ns


def wait_settled(paths: Iterable[Path], settle: float = SETTLE, limit: float = SETTLE_LIMIT,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
    """Return once every one of ``paths`` has kept its size and modification time for
    ``settle`` seconds (a file still being copied grows; a copy that sets the time at the
    end changes it once more), or after ``limit`` seconds in all."""
    paths = list(paths)
    if not paths or settle <= 0:
        return
    start = steady = clock()
    seen = [_stat(p) for p in paths]
    step = min(0.25, settle / 4)
    while clock() - steady < settle and clock() - start < limit:
        sleep(step)
        now = [_stat(p) for p in paths]
        if now != seen:
            seen, steady = now, clock()


@dataclass(frozen=True)
class Away:
    """The inbox cannot be watched: ``why`` in Vietnamese ('thư mục nhận không còn; chờ …')."""

    why: str


@dataclass(frozen=True)
class Back:
    """The inbox can be watched again (a new watcher runs): harvest it again."""


GONE = "thư mục nhận không còn; chờ thư mục được tạo lại"
UNREADABLE = "không đọc được thư mục nhận ({why}); chờ đến khi đọc được"


def inbox_state(inbox: Path) -> tuple[int, int] | Away:
    """Which folder ``inbox`` names now (device and inode: another folder made under the same
    name is another folder to the system's watcher), or ``Away`` when it is missing or cannot
    be listed."""
    try:
        st = os.stat(inbox)
        if not os.path.isdir(inbox):
            return Away(GONE)
        with os.scandir(inbox) as entries:   # listing is what the harvest needs
            next(entries, None)
    except FileNotFoundError:
        return Away(GONE)
    except OSError as exc:
        return Away(UNREADABLE.format(why=describe(exc)))
    return st.st_dev, st.st_ino


def supervised(start: Callable[[], Iterator[set]], state: Callable[[], object], pause: Callable[[], bool],
               lost: Callable[[set], bool] = lambda _batch: False) -> Iterator[object]:
    """Batches of changes from the watcher ``start()`` returns (already running: started
    here, at once, so nothing done from now on is missed), interleaved with ``Away`` when
    ``state()`` (``inbox_state``) says the inbox is gone, unreadable or another folder, and
    ``Back`` once a new watcher runs on it again. The watcher yields an empty batch when
    quiet, so the inbox is checked every tick; ``pause()`` waits one tick while the inbox is
    away and returns False to stop; ``lost(batch)``: the batch says the watched folder itself
    was deleted (a folder made again at once may get the same inode: the watcher is then
    started again, and ``Back`` said, even though ``state()`` saw no difference). Ends when
    the watcher ends (its stop event)."""
    seen = state()
    changes = start()

    def follow() -> Iterator[object]:
        nonlocal seen, changes
        while True:
            try:
                for batch in changes:
                    now = state()
                    if now != seen or (batch and lost(batch)):
                        break   # blind from here on: the folder it watches is not the inbox any more
                    if batch:
                        yield batch
                else:
                    return   # stopped
            finally:
                getattr(changes, "close", lambda: None)()   # stops the system's watcher
            said = None
            while True:
                if isinstance(now, Away):
                    if now != said:
                        said = now
                        yield now
                    if not pause():
                        return
                    now = state()
                    continue
                seen = now
                try:
                    changes = start()
                except OSError as exc:   # e.g. the folder went again while the watcher started
                    now = Away(UNREADABLE.format(why=describe(exc)))
                    continue
                break
            yield Back()
    return follow()


_BLOCKING = {errno.EACCES, errno.EPERM, errno.EIO}


def _cannot(exc: OSError) -> bool:
    """A permission or input/output error: the entry is there but cannot be read now."""
    return isinstance(exc, PermissionError) or exc.errno in _BLOCKING


def _opened(path: str, folder: bool) -> OSError | None:
    """The error listing ``folder`` or opening the file ``path`` gives now (None: it can)."""
    try:
        if folder:
            with os.scandir(path) as entries:
                next(entries, None)
        else:
            os.close(os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0)))
    except OSError as exc:
        return exc
    return None


def unreadable(inbox: Path, before: Snapshot) -> list[tuple[str, str]]:
    """Entries of ``inbox`` the harvest ``before`` read files from (a folder holding them,
    or one of them) that cannot be listed or read now because of a permission or I/O
    error, each with why in Vietnamese ('không có quyền đọc'). Harvesting now would count
    those files as never sent: the watch waits instead. An entry that was unreadable
    already (nothing read from it before) is not one of them: the harvest lists it as not
    read, as ever."""
    read = [rel for rel, state in before.files.items() if state.sha256]
    if not read:
        return []
    try:
        entries = kinds.scan(inbox)
    except OSError:
        return []   # the inbox itself: ``inbox_state`` says so, the harvest fails and keeps the outputs
    found = []
    for f in entries:
        if f.kind in (kinds.FOLDER, kinds.GONE):
            held = any(rel.startswith(f.rel) for rel in read) if f.kind == kinds.FOLDER else f.rel in read
        elif f.kind == kinds.FILE:
            held = f.rel in before.files and bool(before.files[f.rel].sha256)
        else:
            continue
        if not held:
            continue
        exc = _opened(f.path, f.kind == kinds.FOLDER)
        if exc is not None and _cannot(exc):
            found.append((f.rel, describe(exc)))
    return found


@dataclass
class WatchReport:
    """What a watch did: the harvests run, the last result, whether it was interrupted."""

    runs: int = 0
    last: Snapshot | None = None
    last_at: datetime | None = None
    interrupted: bool = False


def watch_loop(batches: Iterable[object], run: Callable[[], Snapshot], say: Callable[[str], None],
               names: dict[str, str], settle: Callable[[object], None] = lambda _batch: None,
               clock: Callable[[], datetime] = lambda: datetime.now(LOCAL),
               explain: Callable[[Exception], str] = str,
               blocked: Callable[[Snapshot], list[tuple[str, str]]] = lambda _before: [],
               forms: dict[str, str] | None = None) -> WatchReport:
    """Harvest once, then again after each batch of changes (once ``settle(batch)`` has
    waited for the files being copied), and ``say`` one line per change
    (``harvest.console.change_lines``). An ``Away`` item is said in one line and nothing
    runs until ``Back``, which is said and harvested like a batch.

    ``run`` harvests and returns the result's Snapshot (its ``at``, the harvest's time, is
    the time of its lines; ``clock`` when it has none); a CchcError or OSError of the
    first run propagates (nothing to watch with a wrong key or a wrong --out); of a
    later run, it is said in one line (``explain``: the error in Vietnamese) and the
    previous outputs stay. Ctrl+C (KeyboardInterrupt, from the watcher or during a run)
    ends the loop normally: the report says so, and the outputs are those of the last
    complete run.

    ``blocked(last)`` (``unreadable``): before a run, the entries the last run read files
    from that cannot be read now; while there are any, nothing runs (the outputs would
    count their files as never sent): one line says so, and the next batch checks again.
    ``forms``: form id → the name a person reads (``harvest.console.form_names``)."""
    report = WatchReport()
    waiting: list[tuple[str, str]] = []
    units = len(names)
    try:
        first = run()
        report.last, report.last_at, report.runs = first, first.at or clock(), 1
        say(tally_line(report.last, units, report.last_at, forms))
        for batch in batches:
            if isinstance(batch, Away):
                say(f"{hhmm(clock())} {batch.why} — kết quả tổng hợp trước vẫn giữ nguyên")
                continue
            if isinstance(batch, Back):
                say(f"{hhmm(clock())} thư mục nhận đã có lại: tổng hợp lại")
            else:
                settle(batch)
            stuck = blocked(report.last)
            if stuck:
                if stuck != waiting:
                    what = ", ".join(f"«{rel}» ({why})" for rel, why in stuck)
                    say(f"{hhmm(clock())} không đọc được {what}; giữ nguyên kết quả trước, chờ đến khi đọc được")
                waiting = stuck
                continue
            waiting = []
            try:
                snap = run()
            except (CchcError, OSError) as exc:
                text = explain(exc).rstrip(".")
                say(f"{hhmm(clock())} Lỗi: {text}. Kết quả tổng hợp trước vẫn giữ nguyên.")
                continue
            at = snap.at or clock()
            report.runs += 1
            for line in change_lines(report.last, snap, names, at, forms):
                say(line)
            if isinstance(batch, Back):   # the state of the outputs, changed or not
                say(tally_line(snap, units, at, forms))
            report.last, report.last_at = snap, at
    except KeyboardInterrupt:
        report.interrupted = True
    return report
