"""Tidy CSV exports: values.csv, issues.csv, ledger.csv (UTF-8 with BOM for Excel)."""
from __future__ import annotations

from xlsx_forms.fileio import csv_bytes
from xlsx_forms.layout import form_layout
from xlsx_forms.model import Catalogue
from xlsx_forms.registry import Registry

from .issues import Issue
from .process import FileResult
from .reconcile import Reconciliation

VALUES_HEADER = ("unit_code", "unit_name", "form", "row_id", "label", "period", "value", "file", "sheet", "cell")
ISSUES_HEADER = ("severity", "code", "unit_code", "form", "file", "sheet", "cell", "message")
LEDGER_HEADER = ("path", "size", "sha256", "unit_code", "form", "outcome", "reason")
NOTE_PERIOD = "ghi_chu"
# OWASP CSV injection: a spreadsheet would run text starting with these as a formula.
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def inert(value) -> object:
    """Text made safe for spreadsheets (a leading quote); numbers unchanged."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def number_text(value) -> object:
    """A number as CSV text: 12 not 12.0; anything else made inert."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return inert(value) if isinstance(value, str) else value


def values_rows(catalogue: Catalogue, registry: Registry, rec: Reconciliation):
    """One row per filled input cell and note of every used file, in form layout order
    (plain values: a number, or the text as typed when it could not be read)."""
    order = {u.code: i for i, u in enumerate(registry.units)}
    for (unit, form_id), r in sorted(rec.used.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        form = catalogue.form(form_id)
        name = registry.unit(unit).name
        titles = {t.id: t.title for t in form.tables}
        for cell in form_layout(form).inputs:
            got = r.values.get((cell.row_id, cell.period_id))
            if got is not None:
                value = got.value if got.value is not None else got.raw
                yield (unit, name, form_id, cell.row_id, form.row(cell.row_id).label, cell.period_id,
                       value, r.rel, r.sheet, got.cell)
        for note in form_layout(form).notes:
            got = r.notes.get(note.key)
            if got is not None:
                table = note.key.split("@")[0].rsplit(".", 1)[-1]
                label = form.row(note.key).label if "@" not in note.key else titles.get(table, "")
                yield (unit, name, form_id, note.key, label, NOTE_PERIOD, got.value, r.rel, r.sheet, got.cell)


def values_csv(catalogue: Catalogue, registry: Registry, rec: Reconciliation) -> bytes:
    """values.csv."""
    return csv_bytes(VALUES_HEADER, [tuple(number_text(v) for v in row)
                                     for row in values_rows(catalogue, registry, rec)])


def issues_csv(issues: list[Issue]) -> bytes:
    """issues.csv."""
    return csv_bytes(ISSUES_HEADER, [tuple(inert(getattr(i, f)) for f in ISSUES_HEADER) for i in issues])


def ledger_csv(results: list[FileResult], rec: Reconciliation) -> bytes:
    """ledger.csv: every file seen, with what became of it."""
    rows = []
    for r in sorted(results, key=lambda r: r.rel):
        outcome, reason = rec.outcomes.get(r.rel, ("rejected", r.reason))
        rows.append((inert(r.rel), r.size, r.sha256, r.unit, r.form, outcome, inert(reason)))
    return csv_bytes(LEDGER_HEADER, rows)
