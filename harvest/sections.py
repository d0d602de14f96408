"""A returned report's text, section by section of the Đề cương; its coverage; the
reports' reconciliation, status and ``sections.csv``.

Sections are found by their printed headings (number and text, compared as
``outline.normalized`` does), in order: a heading deleted or edited leaves its text with
the section before it and is reported (N-HEADING). A line that is a guidance line of its
section is the template's, not the unit's; a line that starts with one keeps only what the
unit typed after it. The document ends at the outline's closing note or at "Nơi nhận".
Reports are reconciled by the workbooks' machinery (``reconcile``): latest believable
saved time wins, identical copies count once, a received but unusable one is *Có lỗi*.
"""
from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from oslayer.fileio import write_csv
from xlsx_forms.inert import sanitize
from xlsx_forms.model import dmy
from xlsx_forms.outline import Outline, normalized
from xlsx_forms.registry import Registry

from .cellstore import CellValue
from .exports import formula_safe
from .issues import Code, Issue, issue
from .process import FileResult
from .reconcile import Reconciliation, reconcile

SECTIONS_HEADER = ("unit_code", "unit_name", "section_id", "heading", "text", "file")
SECTION_TEXT_LIMIT = 30_000   # characters of one section: a spreadsheet cell holds 32,767
_CLOSING = "nơi nhận"
_QUOTE = 60


@dataclass
class Split:
    """A document's lines divided by the outline's headings."""

    preamble: list[str] = field(default_factory=list)          # before the first heading
    lines: dict[str, list[str]] = field(default_factory=dict)  # section id → its lines
    missing: list[str] = field(default_factory=list)           # headings not found


def split(lines: list[str], outline: Outline) -> Split:
    """Divide ``lines`` by the outline's headings, found in order."""
    keys = [normalized(s.printed) for s in outline.sections]
    note = normalized(outline.note) if outline.note else None
    out, current, at = Split(), None, 0
    for line in lines:
        key = normalized(line)
        if not key:
            continue
        if key == note or key.startswith(_CLOSING):
            break
        found = next((j for j in range(at, len(keys)) if keys[j] == key), None)
        if found is not None:
            out.missing += [s.id for s in outline.sections[at:found]]
            current, at = outline.sections[found].id, found + 1
            out.lines[current] = []
        elif current is None:
            out.preamble.append(line)
        else:
            out.lines[current].append(line)
    out.missing += [s.id for s in outline.sections[at:]]
    return out


def other_unit(preamble: list[str], registry: Registry, unit_code: str) -> str:
    """The name of another registered unit that the document's header names instead of
    ``unit_code``'s (a report copied from another unit's template), or ""."""
    head = normalized(" ".join(preamble))
    if normalized(registry.unit(unit_code).name) in head:
        return ""
    return next((u.name for u in registry.units if u.code != unit_code and normalized(u.name) in head), "")


def _own_text(line: str, guidance: list[str]) -> str:
    """What the unit wrote in ``line``: nothing if it is a guidance line, the rest if it
    starts with one (typed on at the end of the guidance)."""
    collapsed = unicodedata.normalize("NFC", " ".join(line.split()))
    key = collapsed.casefold()
    for g in guidance:
        if key.startswith(g):
            return collapsed[len(g):].strip()
    return line


def read_sections(parts: Split, outline: Outline, rel: str, unit: str) -> tuple[dict[str, CellValue], list[Issue]]:
    """(section id → the unit's text, issues): text made inert and bounded; a section the
    unit must write (a leaf) left empty or holding only the guidance is a warning."""
    values, issues = {}, []
    where = {"unit": unit, "form": outline.id, "file": rel}
    if parts.missing:
        shown = "; ".join(_label(outline, sid) for sid in parts.missing[:12])
        more = f" và {len(parts.missing) - 12} đề mục khác" if len(parts.missing) > 12 else ""
        issues.append(issue(Code.N_HEADING, count=len(parts.missing), headings=shown + more, **where))
    for s in outline.sections:
        if s.id not in parts.lines:
            continue
        guidance = [normalized(g) for g in s.guidance]
        had_guidance = any(normalized(line) in guidance for line in parts.lines[s.id])
        own = [t for t in (_own_text(line, guidance) for line in parts.lines[s.id]) if t]
        clean = sanitize("\n".join(own), single_line=False, limit=SECTION_TEXT_LIMIT)
        if clean.removed:
            issues.append(issue(Code.V_TEXT_HIDDEN, what=f"Mục {s.id}", count=clean.removed, **where))
        if clean.truncated:
            issues.append(issue(Code.V_TEXT_LONG, what=f"Mục {s.id}", length=clean.length, limit=SECTION_TEXT_LIMIT,
                                **where))
        if clean.text.strip():
            values[s.id] = CellValue(clean.text, clean.text, s.id)
        elif s.id in outline.leaves:
            code = Code.N_GUIDANCE if had_guidance else Code.N_EMPTY
            issues.append(issue(code, section=_label(outline, s.id), **where))
    return values, issues


def _label(outline: Outline, section_id: str) -> str:
    s = outline.section(section_id)
    heading = s.heading if len(s.heading) <= _QUOTE else s.heading[:_QUOTE - 1].rstrip() + "…"
    return f"{s.id} «{s.number} {heading}»"


def reconcile_reports(results: list[FileResult], registry: Registry, deadline: date, now: datetime,
                      outline: Outline) -> Reconciliation:
    """The reports' reconciliation: every unit is asked for one report (the outline's id as
    its only form), resubmissions and duplicates as for workbooks; a unit without one gets
    N-MISSING (a warning: the appendices are what the totals need)."""
    view = dataclasses.replace(registry, units=tuple(dataclasses.replace(u, forms=(outline.id,))
                                                     for u in registry.units))
    rec = reconcile(results, view, deadline, now)
    rec.issues = [issue(Code.N_MISSING, unit=i.unit_code, form=outline.id, deadline=dmy(deadline))
                  if i.code == Code.R_MISSING else i for i in rec.issues]
    return rec


def report_statuses(reports: Reconciliation | None) -> dict[str, str]:
    """Unit code → the status of its narrative report (Đã nộp, Nộp muộn, Chưa nộp, Có lỗi)."""
    return {s.unit: s.status for s in reports.statuses} if reports is not None else {}


def write_sections_csv(path: Path, registry: Registry, reports: Reconciliation | None,
                       outline: Outline | None) -> None:
    """sections.csv: one line per section of every report used, in registry and outline
    order (empty text where the unit wrote nothing); CSV-injection safe."""
    def rows():
        if reports is None or outline is None:
            return
        for unit in registry.units:
            r = reports.used.get((unit.code, outline.id))
            if r is None:
                continue
            for s in outline.sections:
                got = r.values.get(s.id)
                yield (unit.code, formula_safe(unit.name), s.id, formula_safe(s.printed),
                       formula_safe(got.value if got else ""), formula_safe(r.rel))
    write_csv(path, SECTIONS_HEADER, rows())
