"""Harvest an inbox folder into the output folder: the file layer over the pure core.

Outputs are built in a temporary folder beside the destination and swapped in only when
complete, so a failed or interrupted run leaves the previous outputs intact.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from oslayer.parallel import ordered_map
from xlsx_forms.model import Catalogue
from xlsx_forms.outdir import check
from xlsx_forms.outline import Outline
from xlsx_forms.registry import Registry

from . import evidence, plausibility, sections
from .cellstore import CellStore, Spill, register
from .city_appendices import CITY_APPENDICES, write_city_appendices
from .citycsv import CITY_NAME, write_city_csv
from .consolidate import CityValue, consolidate
from .exports import write_issues_csv, write_ledger_csv, write_status_csv, write_values_csv
from .inbox import InboxFile, scan, shown_path
from .intake import read_one
from .issues import Issue
from .keycheck import check_key
from .outputs import LOCK_WAIT, write_outputs
from .process import NO_PREPARER, FileResult
from .reconcile import Outcome, Reconciliation, reconcile
from .summary import write_summary

SUMMARY_NAME = "tong-hop-cchc.xlsx"
INBOX_WHAT = "thư mục nhận"   # how messages call the inbox
PARALLEL_FROM = 64   # files; below this, starting workers costs more than it saves


@dataclass
class Harvest:
    """Everything a harvest found and wrote."""

    results: list[FileResult]
    reconciliation: Reconciliation
    city: dict[str, dict[tuple[str, str], CityValue]]
    issues: list[Issue]
    out_dir: Path
    reports: Reconciliation | None = None   # the narrative reports (None: the plan asks for none)

    @property
    def summary_path(self) -> Path:
        """Where the summary workbook is."""
        return self.out_dir / SUMMARY_NAME


def process_files(files: list[InboxFile], catalogue: Catalogue, registry: Registry, key: bytes,
                  outline: Outline | None = None) -> Iterator[FileResult]:
    """Every file's result, in the order of ``files``, on every core when it pays."""
    register(catalogue.forms.values())
    return ordered_map(read_one, files, (catalogue, registry, key, outline), min_jobs=PARALLEL_FROM,
                       chunksize=32)


def harvest(inbox: Path, out_dir: Path, catalogue: Catalogue, registry: Registry, key: bytes,
            deadline: date, progress: Callable[[FileResult], None] | None = None,
            now: datetime | None = None, files: list[InboxFile] | None = None,
            lock_wait: float = LOCK_WAIT, on_wait: Callable[[str], None] | None = None,
            expected_key: tuple[str, str] = ("", ""), outline: Outline | None = None) -> Harvest:
    """Read every file of ``inbox`` (``files``, if the caller scanned it already) and write
    the outputs into ``out_dir`` (waiting up to ``lock_wait`` seconds for another run
    writing it; ``on_wait`` is told once). Raises CchcError when ``out_dir`` may not be
    written (the inbox, inside it or around it; a folder cchc did not make) or cannot be,
    and, writing nothing, when most signed files fail with ``key`` (harvest.keycheck;
    ``expected_key``: fingerprint of the key that signed the templates and where it was
    recorded, when known). ``outline``: the Đề cương of the narrative reports, read from
    the documents of the inbox (harvest.narrative) into the status and sections.csv."""
    check(out_dir, "harvest", {INBOX_WHAT: inbox})   # before any work: nothing touched if refused
    results = []
    spill = Spill()   # the files' values wait on disk, not in memory, until the outputs
    reading = process_files(scan(inbox) if files is None else files, catalogue, registry, key, outline)
    files = None   # only the reader holds the entries, until it has read the last one
    for r in reading:
        if isinstance(r.values, CellStore):
            r.values.spill_to(spill)
        # Unpickled from a worker, these are fresh copies: keep one of each.
        r.unit, r.form, r.sheet = sys.intern(r.unit), sys.intern(r.form), sys.intern(r.sheet)
        if r.preparer == NO_PREPARER:
            r.preparer = NO_PREPARER
        results.append(r)
        if progress:
            progress(r)
    check_key(results, key, shown_path(inbox), *expected_key)   # before any output is touched
    when = now or datetime.now(timezone.utc).replace(microsecond=0)
    narrative = [r for r in results if outline is not None and r.form == outline.id]
    rec = reconcile([r for r in results if outline is None or r.form != outline.id], registry, deadline, when)
    # Plausibility first: its matrices of every unit's numbers are the largest passing
    # allocation, freed before the reports and the city totals need memory of their own.
    plausible = plausibility.run(catalogue, registry, rec.used)
    reports = sections.reconcile_reports(narrative, registry, deadline, when, outline) if outline else None
    if reports is not None:
        rec.outcomes.update(reports.outcomes)
    city = consolidate(catalogue, registry, rec.used)
    counted = {r.rel for r in results if rec.outcome_of(r)[0] in (Outcome.USED, Outcome.REJECTED)}
    issues = [i for r in results if r.rel in counted for i in r.issues] + rec.issues
    issues += reports.issues if reports else []
    issues += plausible + evidence.run(catalogue, city, rec.used)
    issues.sort(key=Issue.sort_key)
    report_status = sections.report_statuses(reports)
    write_outputs(out_dir, {
        SUMMARY_NAME: lambda p: write_summary(p, catalogue, registry, rec, city, issues, len(results),
                                              shown_path(inbox), when, report_status),
        "values.csv": lambda p: write_values_csv(p, catalogue, registry, rec),
        "issues.csv": lambda p: write_issues_csv(p, issues),
        "ledger.csv": lambda p: write_ledger_csv(p, results, rec),
        "status.csv": lambda p: write_status_csv(p, registry, rec, report_status),
        "sections.csv": lambda p: sections.write_sections_csv(p, registry, reports, outline),
        CITY_NAME: lambda p: write_city_csv(p, catalogue, city),
        CITY_APPENDICES: lambda p: write_city_appendices(p, catalogue, registry, rec, city, key, deadline, when),
    }, reads={INBOX_WHAT: inbox}, wait=lock_wait, on_wait=on_wait)
    return Harvest(results, rec, city, issues, out_dir, reports)


