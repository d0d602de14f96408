"""Everything about one returned file, from its bytes: pure and picklable, so files can be
processed in parallel and the result never depends on the order they are seen in."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime

from xlsx_forms.layout import a1, form_layout, sheet_name
from xlsx_forms.model import Catalogue
from xlsx_forms.registry import Registry

from . import cellvalues
from .cells import ErrorValue
from .cellstore import CellStore, CellValue
from .checks import rule_issues
from .identify import identify
from .inbox import sha256
from .issues import Issue, issue
from .reader import read_book

@dataclass(slots=True)
class FileResult:
    """What one file contributed: identity, values, problems, and the ledger facts."""

    rel: str
    size: int
    sha256: str
    mtime: float
    form: str = ""
    unit: str = ""
    saved_at: datetime | None = None
    accepted: bool = False
    reason: str = ""
    sheet: str = ""
    values: CellStore | dict = field(default_factory=dict)
    notes: dict[str, CellValue] | None = None    # None for the many files without notes
    preparer: tuple[str, str, str] = ("", "", "")   # name, phone, e-mail of the preparer
    issues: list[Issue] = field(default_factory=list)


def form_sheets(catalogue: Catalogue) -> frozenset[str]:
    """Names of the form sheets: the only ones read besides the identity sheet."""
    return frozenset(sheet_name(f) for f in catalogue.forms.values())


def process(rel: str, data: bytes, mtime: float, catalogue: Catalogue, registry: Registry,
            key: bytes) -> FileResult:
    """Read, identify and check one file."""
    result = FileResult(rel=rel, size=len(data), sha256=sha256(data), mtime=mtime)
    book = read_book(data, sheets=form_sheets(catalogue))
    if book.failure:
        code = "F-ENCRYPTED" if book.encrypted else "F-UNREADABLE"
        result.issues.append(issue(code, file=rel, detail=book.failure))
        result.reason = book.failure
        return result
    if book.has_macros:
        result.issues.append(issue("F-MACRO", file=rel))
    ident = identify(book, rel, catalogue, registry, key)
    result.issues += ident.issues
    result.form = ident.form.id if ident.form else ""
    result.unit = sys.intern(ident.unit_code)   # one copy per unit, not per file
    result.saved_at = book.saved_at
    if not ident.accepted:
        result.reason = ident.reason
        return result
    result.accepted = True
    _harvest_values(result, book, data, ident, catalogue)
    return result


def _harvest_values(result: FileResult, book, data: bytes, ident, catalogue: Catalogue) -> None:
    form = ident.form
    layout = form_layout(form)
    result.values = store = CellStore(form)
    grid, formulas = book.grids[layout.sheet_name], book.formulas.get(layout.sheet_name, set())
    result.sheet = layout.sheet_name
    where = {"unit": result.unit, "form": form.id, "file": result.rel, "sheet": layout.sheet_name}
    editable = {r.id for r in form.editable_rows(result.unit)}
    periods = {p.id: p.label for p in form.periods}
    def at(cell) -> tuple[object, str]:
        """(value, address) of a layout cell, where it really is in this file."""
        row = ident.row(cell.row)
        return grid.value(row, cell.col), (cell.a1 if row == cell.row else a1(row, cell.col))

    percent_cells = book.percent.get(layout.sheet_name, set())
    for cell in layout.inputs:
        raw, address = at(cell)
        row = form.row(cell.row_id)
        if cell.row_id not in editable:
            if raw is not None:
                owner = form.responsible_units.get(row.responsible, "")
                result.issues.append(issue("V-NOT-RESPONSIBLE", cell=address, raw=raw, row=row.stt.rstrip("."),
                                           owner=owner, **where))
            continue
        if address in formulas and not isinstance(raw, ErrorValue):   # an error value says it all
            if raw is None:
                result.issues.append(issue("V-FORMULA-NO-VALUE", cell=address, **where))
                store.put((cell.row_id, cell.period_id), None, None, address)
                continue
            result.issues.append(issue("V-FORMULA", cell=address, value=cellvalues.show(raw), **where))
        if type(raw) is float and cell.kind == "count" and raw >= 0 and raw.is_integer():
            value, problems = int(raw), ()   # the common case, without the general parser
        else:
            value, problems = cellvalues.parse(raw, catalogue.kinds[cell.kind],
                                               percent_format=address in percent_cells)
        for p in problems:
            result.issues.append(issue(p.code, cell=address, **p.fields, **where))
        if raw is None and row.required:
            result.issues.append(issue("V-REQUIRED", cell=address, label=_short(row.label),
                                       period=periods[cell.period_id], **where))
        if raw is not None:
            store.put((cell.row_id, cell.period_id), value, raw, address)
    notes = {}
    for note in layout.notes:
        raw, address = at(note)
        if raw is not None:
            notes[note.key] = CellValue(str(raw), raw, address)
    result.notes = notes or None
    # The layout orders the signature inputs name, phone, e-mail, as the record does.
    result.preparer = tuple("" if v is None else str(v).strip() for v in (at(p)[0] for p in layout.preparer))
    result.issues += rule_issues(form, store.usable(), unit=result.unit, file=result.rel,
                                 unusable=store.unusable(), address=lambda key: store[key].cell)


def _short(label: str, limit: int = 60) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"
