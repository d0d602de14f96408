"""Harvest an inbox folder into the output folder: the file layer over the pure core.

Outputs are built in a temporary folder beside the destination and swapped in only when
complete, so a failed or interrupted run leaves the previous outputs intact.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from xlsx_forms.model import Catalogue
from xlsx_forms.parallel import ordered_map
from xlsx_forms.registry import Registry

from .consolidate import CityValue, consolidate
from .cellstore import CellStore, Spill, register
from .exports import write_issues_csv, write_ledger_csv, write_status_csv, write_values_csv
from .inbox import InboxFile, scan
from .issues import Issue, issue
from .process import FileResult, process
from .reconcile import Reconciliation, reconcile
from .summary import write_summary

SUMMARY_NAME = "tong-hop-cchc.xlsx"
PARALLEL_FROM = 64   # files; below this, starting workers costs more than it saves


@dataclass
class Harvest:
    """Everything a harvest found and wrote."""

    results: list[FileResult]
    reconciliation: Reconciliation
    city: dict[str, dict[tuple[str, str], CityValue]]
    issues: list[Issue]
    out_dir: Path

    @property
    def summary_path(self) -> Path:
        """Where the summary workbook is."""
        return self.out_dir / SUMMARY_NAME


def _read_stable(path: Path, attempts: int = 2) -> bytes | None:
    """The file's bytes, or None if it kept changing while being read (still being
    copied or saved): size and modification time must be the same before and after."""
    for _ in range(attempts):
        before = path.stat()
        data = path.read_bytes()
        after = path.stat()
        unchanged = (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)
        if unchanged and len(data) == after.st_size:
            return data
    return None


def read_one(f: InboxFile, catalogue: Catalogue, registry: Registry, key: bytes) -> FileResult:
    """Process one inbox file; an unreadable, changing or linked file becomes an issue."""
    def refused(reason: str, detail: str) -> FileResult:
        res = FileResult(rel=f.rel, size=f.size, sha256="", mtime=f.mtime, reason=reason)
        res.issues.append(issue("F-UNREADABLE", file=f.rel, detail=detail))
        return res
    if f.path.is_symlink():
        return refused("liên kết tượng trưng, không đọc", "đây là liên kết tượng trưng, cchc không theo liên kết")
    try:
        data = _read_stable(f.path)
    except OSError as exc:
        return refused("không đọc được tệp", exc.strerror or type(exc).__name__)
    if data is None:
        return refused("tệp thay đổi trong khi đọc", "tệp đang thay đổi trong khi đọc (đang chép hoặc đang lưu?); "
                       "chạy lại khi tệp đã chép xong")
    try:
        return process(f.rel, data, f.mtime, catalogue, registry, key)
    except Exception as exc:  # noqa: BLE001 - last resort: one odd file never stops the harvest
        return refused("lỗi khi xử lý tệp", f"cchc gặp lỗi khi xử lý tệp ({type(exc).__name__}); "
                       "hãy gửi tệp này cho người phát triển")


def process_files(files: list[InboxFile], catalogue: Catalogue, registry: Registry, key: bytes
                  ) -> Iterator[FileResult]:
    """Every file's result, in the order of ``files``, on every core when it pays."""
    register(catalogue.forms.values())
    return ordered_map(read_one, files, (catalogue, registry, key), min_jobs=PARALLEL_FROM, chunksize=32)


def harvest(inbox: Path, out_dir: Path, catalogue: Catalogue, registry: Registry, key: bytes,
            deadline: date, progress: Callable[[FileResult], None] | None = None,
            now: datetime | None = None, files: list[InboxFile] | None = None) -> Harvest:
    """Read every file of ``inbox`` (``files``, if the caller scanned it already) and write
    the outputs into ``out_dir``."""
    results = []
    spill = Spill()   # the files' values wait on disk, not in memory, until the outputs
    for r in process_files(scan(inbox) if files is None else files, catalogue, registry, key):
        if isinstance(r.values, CellStore):
            r.values.spill_to(spill)
        # Unpickled from a worker, these are fresh copies: keep one of each.
        r.unit, r.form, r.sheet = sys.intern(r.unit), sys.intern(r.form), sys.intern(r.sheet)
        results.append(r)
        if progress:
            progress(r)
    rec = reconcile(results, registry, deadline)
    city = consolidate(catalogue, registry, rec.used)
    counted = {r.rel for r in results if rec.outcomes.get(r.rel, ("rejected",))[0] in ("used", "rejected")}
    issues = [i for r in results if r.rel in counted for i in r.issues] + rec.issues
    issues.sort(key=Issue.sort_key)
    when = now or datetime.now(timezone.utc).replace(microsecond=0)
    write_outputs(out_dir, {
        SUMMARY_NAME: lambda p: write_summary(p, catalogue, registry, rec, city, issues, len(results),
                                              str(inbox), when),
        "values.csv": lambda p: write_values_csv(p, catalogue, registry, rec),
        "issues.csv": lambda p: write_issues_csv(p, issues),
        "ledger.csv": lambda p: write_ledger_csv(p, results, rec),
        "status.csv": lambda p: write_status_csv(p, registry, rec),
    })
    return Harvest(results, rec, city, issues, out_dir)


def _write_all(folder: Path, outputs: dict[str, Callable[[Path], None]]) -> None:
    """Run the writers; the first (the summary workbook, the longest) in a forked process
    while this one writes the others, where fork exists: the two cores work together."""
    names = list(outputs)
    child = None
    if len(names) > 1 and hasattr(os, "fork"):
        import multiprocessing
        child = multiprocessing.get_context("fork").Process(target=outputs[names[0]], args=(folder / names[0],))
        child.start()
        names = names[1:]
    try:
        for name in names:
            outputs[name](folder / name)
    finally:
        if child is not None:
            child.join()
    if child is not None and child.exitcode != 0:
        raise RuntimeError(f"writing {list(outputs)[0]} failed (exit code {child.exitcode})")


def recover(out_dir: Path) -> None:
    """Undo what a killed run left: put back outputs that were moved aside but never
    replaced, and remove half-written folders."""
    out_dir = out_dir.resolve()
    if not out_dir.parent.exists():
        return
    for aside in sorted(out_dir.parent.glob(f".{out_dir.name}.old-*")):
        previous = aside / "previous"
        if previous.exists() and not out_dir.exists():
            os.replace(previous, out_dir)
        shutil.rmtree(aside, ignore_errors=True)
    for staging in out_dir.parent.glob(f".{out_dir.name}.new-*"):
        shutil.rmtree(staging, ignore_errors=True)


def write_outputs(out_dir: Path, outputs: dict[str, Callable[[Path], None]]) -> None:
    """Write all outputs into a fresh folder, then swap it for ``out_dir``. If anything
    fails, the previous ``out_dir`` stays (or is put back) as it was; if the process is
    killed, ``recover`` restores it on the next run."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    recover(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    aside = None
    try:
        _write_all(staging, outputs)
        os.chmod(staging, 0o755)
        if out_dir.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            os.replace(out_dir, aside / "previous")
        os.replace(staging, out_dir)
    except BaseException:
        if aside is not None and not out_dir.exists():
            os.replace(aside / "previous", out_dir)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        # Only drop the old copy once something stands in its place.
        if aside is not None and out_dir.exists():
            shutil.rmtree(aside, ignore_errors=True)
