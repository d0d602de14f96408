"""Keep a harvest current while files come into the inbox (``cchc watch``).

The loop is driven by an iterator of change batches (from ``watchfiles`` in the command,
from a list in tests) so that it can be tested without real timing. Runs are never
concurrent: each batch is handled (settled, harvested, reported) before the next one is
taken, and the changes that arrive meanwhile wait in the watcher and make the next batch.
Other processes writing the same output folder are kept apart by the harvest's own lock.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from xlsx_forms.errors import CchcError

from .console import Snapshot, change_lines, tally_line

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


@dataclass
class WatchReport:
    """What a watch did: the harvests run, the last result, whether it was interrupted."""

    runs: int = 0
    last: Snapshot | None = None
    last_at: datetime | None = None
    interrupted: bool = False


def watch_loop(batches: Iterable[object], run: Callable[[], Snapshot], say: Callable[[str], None],
               names: dict[str, str], settle: Callable[[object], None] = lambda _batch: None,
               clock: Callable[[], datetime] = lambda: datetime.now().astimezone(),
               explain: Callable[[Exception], str] = str) -> WatchReport:
    """Harvest once, then again after each batch of changes (once ``settle(batch)`` has
    waited for the files being copied), and ``say`` one line per file that arrived,
    changed, was renamed or removed (``harvest.console.change_lines``).

    ``run`` harvests and returns the result's Snapshot; a CchcError or OSError of the
    first run propagates (nothing to watch with a wrong key or a wrong --out); of a
    later run, it is said in one line (``explain``: the error in Vietnamese) and the
    previous outputs stay. Ctrl+C
    (KeyboardInterrupt, from the watcher or during a run) ends the loop normally: the
    report says so, and the outputs are those of the last complete run."""
    report = WatchReport()
    units = len(names)
    try:
        report.last, report.last_at = run(), clock()
        report.runs = 1
        say(tally_line(report.last, units, report.last_at))
        for batch in batches:
            settle(batch)
            try:
                snap = run()
            except (CchcError, OSError) as exc:
                text = explain(exc).rstrip(".")
                say(f"{clock().strftime('%H:%M')} Lỗi: {text}. Kết quả tổng hợp trước vẫn giữ nguyên.")
                continue
            at = clock()
            report.runs += 1
            for line in change_lines(report.last, snap, names, at):
                say(line)
            report.last, report.last_at = snap, at
    except KeyboardInterrupt:
        report.interrupted = True
    return report
