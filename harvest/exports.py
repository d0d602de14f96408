"""Tidy CSV exports: values.csv, issues.csv, ledger.csv (UTF-8 with BOM for Excel).

Text from returned files reaches here already inert (``xlsx_forms.inert``, applied once in
``harvest.process``); what is added here is the guard against spreadsheet formulas.
"""
from __future__ import annotations

from pathlib import Path

from oslayer.fileio import write_csv
from xlsx_forms.inert import FORMULA_TRIGGERS
from xlsx_forms.layout import form_layout
from xlsx_forms.model import Catalogue
from xlsx_forms.registry import Registry

from .cellstore import OK
from .cellvalues import looks_like_number, plausible, show
from .issues import Issue
from .process import FileResult
from .reconcile import Reconciliation

# values.csv: one line per filled cell. ``status``: ``ok`` (the value counts), or the code
# that keeps it out of every total (its own error, e.g. V-NEGATIVE, the error rule it
# breaks, e.g. PL2-R01, or V-RULE-LINKED: checks.exclude_linked); ``flags``: other codes
# on the value (warnings, further rules), joined by ";" (cellstore.FLAG_SEP), empty when none.
VALUES_HEADER = ("unit_code", "unit_name", "form", "row_id", "label", "period", "value", "status", "flags",
                 "file", "sheet", "cell")
ISSUES_HEADER = ("severity", "code", "unit_code", "form", "file", "sheet", "cell", "message")
LEDGER_HEADER = ("path", "size", "sha256", "unit_code", "form", "outcome", "reason")
STATUS_HEADER = ("unit_code", "unit_name", "form", "status", "file", "saved_at", "errors", "warnings",
                 "preparer", "phone", "email", "reason", "report")
NOTE_PERIOD = "ghi_chu"
_PLAIN = (OK, "")
_INF, _EXACT = float("inf"), 2.0 ** 53
# How a text that float() reads as a number can start ("1e308", " nan", "-inf", "+5", ".5", "٣").
_NUMERIC_START = frozenset("0123456789+-.iInN \t\n\r\x0b\x0c") | {chr(c) for c in range(0x660, 0x66A)}


def formula_safe(value) -> object:
    """Text made safe for spreadsheets (a leading quote); numbers unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unguarded(value: str) -> str:
    """A text read back from cchc's own CSV, without the quote ``formula_safe`` put before
    it (for a document, not a spreadsheet: "- Đã ban hành…" is a bullet, not a formula)."""
    if value.startswith("'") and value[1:2] and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def number_text(value, bound: float | None = None) -> object:
    """A number as CSV text: 12 not 12.0; anything else made formula-safe. A number, or a
    text any reader would take for one ("NaN", "inf", "1e308"), that is not finite or is
    beyond ``bound`` (its kind's max) is written as text with a leading quote, so that
    no spreadsheet or data tool ever adds it up."""
    kind = type(value)
    if kind is not str and isinstance(value, str):
        # An error value or a damaged cell's stored text: never a number to any reader.
        value = str(value)
        return "'" + value if looks_like_number(value) is not None else formula_safe(value)
    if kind is int or kind is float:
        # The common case first: a bounded number (NaN fails every comparison).
        if -_INF < value < _INF and (bound is None or -bound <= value <= bound):
            return int(value) if kind is float and value.is_integer() and -_EXACT < value < _EXACT else value
        return "'" + show(value)
    if kind is str:
        number = looks_like_number(value) if value[:1] in _NUMERIC_START else None
        return "'" + value if number is not None and not plausible(number, bound) else formula_safe(value)
    return value


def values_rows(catalogue: Catalogue, registry: Registry, rec: Reconciliation, *, safe: bool = False):
    """One row per filled input cell and note of every used file, in form layout order,
    in ``VALUES_HEADER``'s columns (plain values: a number, or the text as typed when it
    could not be read). ``safe``: every column as ``write_values_csv`` writes it (texts
    formula-safe, each value bounded by its row's kind, notes only finite)."""
    order = {u.code: i for i, u in enumerate(registry.units)}
    guard = number_text if safe else _same
    described = {}
    for (unit, form_id), r in sorted(rec.used.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        form = catalogue.form(form_id)
        layout = form_layout(form)
        if form_id not in described:   # (row id, label, period) and bound per input position
            described[form_id] = [
                (tuple(guard(t) for t in (c.row_id, form.row(c.row_id).label, c.period_id)),
                 catalogue.kinds[form.row(c.row_id).kind].max) for c in layout.inputs]
        cols = described[form_id]
        # What is the same on every line of this file is made safe once.
        head = tuple(guard(t) for t in (unit, registry.unit(unit).name, form_id))
        place = (guard(r.rel), guard(r.sheet))
        marks = r.values.marks()   # the few values that are not plainly ok
        for i, value, cell in r.values.filled():
            status, flags = (guard(m) for m in marks[i]) if marks and i in marks else _PLAIN
            described_i, bound = cols[i]
            yield (*head, *described_i, number_text(value, bound) if safe else value, status, flags, *place,
                   guard(cell))
        titles = {t.id: t.title for t in form.tables}
        for note in layout.notes:
            got = (r.notes or {}).get(note.key)
            if got is not None:
                table = note.key.split("@")[0].rsplit(".", 1)[-1]
                label = form.row(note.key).label if "@" not in note.key else titles.get(table, "")
                yield (*head, guard(note.key), guard(label), NOTE_PERIOD, guard(got.value), guard(got.status),
                       guard(got.flags), *place, guard(got.cell))


def _same(value):
    return value


def write_values_csv(path: Path, catalogue: Catalogue, registry: Registry, rec: Reconciliation) -> None:
    """values.csv, streamed. Each value is bounded by its row's kind (notes: only finite)."""
    write_csv(path, VALUES_HEADER, values_rows(catalogue, registry, rec, safe=True))


def write_issues_csv(path: Path, issues: list[Issue]) -> None:
    """issues.csv."""
    write_csv(path, ISSUES_HEADER, (tuple(formula_safe(getattr(i, f)) for f in ISSUES_HEADER) for i in issues))


def write_ledger_csv(path: Path, results: list[FileResult], rec: Reconciliation) -> None:
    """ledger.csv: every file seen, with what became of it."""
    def rows():
        for r in sorted(results, key=lambda r: r.rel):
            outcome, reason = rec.outcome_of(r)
            yield formula_safe(r.rel), r.size, r.sha256, r.unit, r.form, outcome, formula_safe(reason)
    write_csv(path, LEDGER_HEADER, rows())


def write_status_csv(path: Path, registry: Registry, rec: Reconciliation,
                     reports: dict[str, str] | None = None) -> None:
    """status.csv: unit × form with its submission status (what reminders are made from);
    ``report``: the status of the unit's narrative report (harvest.sections), on each of
    its lines."""
    names = {u.code: u.name for u in registry.units}
    reports = reports or {}
    write_csv(path, STATUS_HEADER, (
        (s.unit, formula_safe(names.get(s.unit, "")), s.form, s.status, formula_safe(s.file),
         s.saved_at.isoformat() if s.saved_at else "", s.errors, s.warnings,
         formula_safe(s.preparer), formula_safe(s.phone), formula_safe(s.email), formula_safe(s.reason),
         reports.get(s.unit, ""))
        for s in rec.statuses))
