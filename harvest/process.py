"""Everything about one returned file, from its bytes: pure and picklable, so files can be
processed in parallel and the result never depends on the order they are seen in."""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sheetio.cells import ErrorValue, a1
from sheetio.reader import read_book
from xlsx_forms.inert import inert, sanitize
from xlsx_forms.layout import form_layout, sheet_name
from xlsx_forms.model import Catalogue, hm_dmy
from xlsx_forms.registry import Registry

from . import cellvalues
from .cellstore import FLAG_SEP, CellStore, CellValue
from .checks import check_rules, exclude_linked
from .identify import MARKS, identify
from .inbox import sha256
from .issues import ERROR, Code, Issue, issue

# Text typed into a number or rating cell is kept (inert) to show what was typed, up to
# this many characters: enough for any mistake, never a flood in values.csv.
CELL_TEXT_LIMIT = 255
# A saved time outside these years is not a time any office suite wrote: no workbook
# format existed before 1980, and the arithmetic on later times must never overflow.
SAVED_YEARS = (1980, 2200)


NO_PREPARER = ("", "", "")   # one tuple for the many files without a preparer


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
    preparer: tuple[str, str, str] = NO_PREPARER   # name, phone, e-mail of the preparer
    issues: list[Issue] = field(default_factory=list)
    signature_ok: bool | None = None   # the identity's HMAC verified; None: no identity to check


def form_sheets(catalogue: Catalogue) -> frozenset[str]:
    """Names of the form sheets: the only ones read besides the identity sheet."""
    return frozenset(sheet_name(f) for f in catalogue.forms.values())


def process(rel: str, data: bytes, mtime: float, catalogue: Catalogue, registry: Registry,
            key: bytes) -> FileResult:
    """Read, identify and check one file."""
    result = FileResult(rel=rel, size=len(data), sha256=sha256(data), mtime=mtime)
    book = read_book(data, sheets=form_sheets(catalogue), **MARKS)
    if book.failure:
        code = Code.F_ENCRYPTED if book.encrypted else Code.F_UNREADABLE
        result.issues.append(issue(code, file=rel, detail=book.failure))
        result.reason = book.failure
        return result
    if book.has_macros:
        result.issues.append(issue(Code.F_MACRO, file=rel))
    ident = identify(book, rel, catalogue, registry, key)
    result.issues += ident.issues
    result.form = ident.form.id if ident.form else ""
    result.unit = sys.intern(ident.unit_code)   # one copy per unit, not per file
    result.saved_at = checked_saved_time(book.saved_at, result)
    result.signature_ok = ident.signature_ok
    if not ident.accepted:
        result.reason = ident.reason
        return result
    result.accepted = True
    _harvest_values(result, book, ident, catalogue)
    return result


def checked_saved_time(value, result: FileResult) -> datetime | None:
    """The workbook's saved time in UTC (a time without zone is taken as UTC), or None
    with an F-SAVED-TIME warning when it is not a plausible time at all (year 9999,
    year 1, …): such a file is ordered by its arrival, as one without a saved time."""
    if value is None:
        return None
    why = ""
    if not isinstance(value, datetime):
        why = "không phải ngày giờ"
    elif not SAVED_YEARS[0] <= value.year < SAVED_YEARS[1]:
        why = f"năm {value.year} nằm ngoài khoảng {SAVED_YEARS[0]}–{SAVED_YEARS[1] - 1}"
    else:
        try:
            offset = value.utcoffset()
        except (ValueError, TypeError, OverflowError):
            offset, why = None, "múi giờ không hợp lệ"
        if not why:
            # Within those years, shifting by any offset (less than a day) cannot overflow.
            return (value.replace(tzinfo=None) - (offset or timedelta())).replace(tzinfo=timezone.utc)
    shown = hm_dmy(value) if isinstance(value, datetime) else value   # as every date is written
    result.issues.append(issue(Code.F_SAVED_TIME, file=result.rel, raw=shown, why=why))
    return None


def _text(result: FileResult, raw, where: dict, cell: str, what: str, *, single_line: bool,
          limit: int | None) -> str:
    """A text from the file made inert (xlsx_forms.inert) and bounded, with a warning
    when characters were removed or the text was cut."""
    clean = sanitize(raw if isinstance(raw, str) else cellvalues.show(raw), single_line=single_line, limit=limit)
    if clean.removed:
        result.issues.append(issue(Code.V_TEXT_HIDDEN, cell=cell, what=what, count=clean.removed, **where))
    if clean.truncated:
        result.issues.append(issue(Code.V_TEXT_LONG, cell=cell, what=what, length=clean.length, limit=limit,
                                   **where))
    return clean.text


def _unreadable(result: FileResult, raw, where: dict, cell: str) -> bool:
    """Whether ``raw`` is an error value or damaged content; its issue is then added."""
    problem = cellvalues.unreadable(raw)
    if problem:
        result.issues.append(issue(problem.code, cell=cell, **problem.fields, **where))
    return problem is not None


def _kept_raw(raw, bound: float | None):
    """What is kept of a raw value to show it later: a number only when finite and within
    its kind's bound (every number that leaves a file is), text bounded in length;
    anything else (NaN, 1e308, dates, error values, any object) as its text."""
    if isinstance(raw, str):
        return raw if len(raw) <= CELL_TEXT_LIMIT else sanitize(raw, single_line=True, limit=CELL_TEXT_LIMIT).text
    if raw is None or type(raw) in (int, float) and cellvalues.plausible(raw, bound):
        return raw
    return cellvalues.show(raw)


def _harvest_values(result: FileResult, book, ident, catalogue: Catalogue) -> None:
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
    gaps = incomplete_cells(book.properties)
    # Whole-number kinds (counts, flags): a plain integer float within the kind's bounds
    # is the common case, taken without the general parser.
    whole = {kid: (k.min, k.max) for kid, k in catalogue.kinds.items() if k.behaviour.whole and k.max is not None}
    for cell in layout.inputs:
        raw, address = at(cell)
        raised = len(result.issues)   # this cell's issues are those added from here on
        # (Only plain text: an error value or a damaged cell is the reader's own account.)
        if type(raw) is str and not (raw.isascii() and raw.isprintable()):
            # Checked on the text without its invisible characters; its issues quote it inert.
            raw = _text(result, raw, where, address, "Ô nhập liệu", single_line=True, limit=None)
        row = form.row(cell.row_id)
        if cell.row_id not in editable:
            if raw is not None:
                owner = form.responsible_units.get(row.responsible, "")
                result.issues.append(issue(Code.V_NOT_RESPONSIBLE, cell=address, raw=raw, row=row.stt.rstrip("."),
                                           owner=owner, **where))
            continue
        if address in formulas and not isinstance(raw, ErrorValue):   # an error value says it all
            if raw is None:
                result.issues.append(issue(Code.V_FORMULA_NO_VALUE, cell=address, **where))
                store.put((cell.row_id, cell.period_id), None, None, address,
                          *_marks(result.issues, raised))
                continue
            result.issues.append(issue(Code.V_FORMULA, cell=address, value=cellvalues.show(raw), **where))
        bounds = whole.get(cell.kind)
        if type(raw) is float and bounds and bounds[0] <= raw <= bounds[1] and raw.is_integer():
            value, problems = int(raw), ()   # the common case, without the general parser
        else:
            value, problems = cellvalues.parse(raw, catalogue.kinds[cell.kind],
                                               percent_format=address in percent_cells)
        for p in problems:
            result.issues.append(issue(p.code, cell=address, **p.fields, **where))
        lacks = gaps and (gaps.get(cell.a1) or gaps.get(EVERY_CELL))
        if lacks and raw is not None:   # a lower level's figure that says it lacks units
            result.issues.append(issue(Code.V_INCOMPLETE, cell=address, note=lacks, **where))
        status, flags = _marks(result.issues, raised) if len(result.issues) > raised else ("", "")
        if value is None and not status:
            raw = None   # nothing usable and nothing wrong: only spaces, a blank cell
        if raw is None and row.required:
            result.issues.append(issue(Code.V_REQUIRED, cell=address, label=_short(row.label),
                                       period=periods[cell.period_id], **where))
        if raw is not None:
            store.put((cell.row_id, cell.period_id), value, _kept_raw(raw, catalogue.kinds[cell.kind].max), address,
                      status, flags)
    notes = {}
    note_limit = catalogue.kinds["note"].max_length
    for note in layout.notes:
        raw, address = at(note)
        if _unreadable(result, raw, where, address):
            continue
        if raw is not None:
            raised = len(result.issues)
            text = _text(result, raw, where, address, "Ghi chú", single_line=False, limit=note_limit)
            notes[note.key] = CellValue(text, text, address, flags=_marks(result.issues, raised)[1])
    result.notes = notes or None
    # The layout orders the signature inputs name, phone, e-mail, as the record does.
    fields = {f.id: f for f in catalogue.preparer_fields}
    prepared = []
    for p in layout.preparer:
        raw, address = at(p)
        f = fields[p.field_id]
        if raw is None or _unreadable(result, raw, where, address):
            prepared.append("")
        else:
            prepared.append(_text(result, raw, where, address, f.input_title, single_line=True,
                                  limit=f.max_length).strip())
    result.preparer = tuple(prepared)
    result.issues += check_rules(form, store, unit=result.unit, file=result.rel)
    _exclude_unweighted(form, store)
    exclude_linked(form, store)


GAPS_PROPERTY = "gaps"      # cchc_gaps: what ``cchc rollup`` says a figure lacks, by cell
GAPS_LIMIT = 64 << 10       # characters of that property read at most


GAP_TEXT = 300              # characters of what one figure lacks, as read and as written
EVERY_CELL = "*"            # key of incomplete_cells: every figure, the list being unreadable
UNREADABLE_GAPS = "không đọc được danh sách số liệu còn thiếu mà cấp dưới ghi kèm tệp"


def gaps_json(gaps: dict[str, str]) -> str:
    """``cchc_gaps``: layout cell (A1) → what its figure lacks, as JSON of at most
    ``GAPS_LIMIT`` characters: each text cut (to ``GAP_TEXT``, then shorter while the whole
    is too long), never the JSON itself. With more cells than even one character each
    allows, it is longer: the level above then flags every figure (``incomplete_cells``)."""
    limit = GAP_TEXT
    while True:
        text = json.dumps({k: inert(v, single_line=True, limit=limit) for k, v in gaps.items()},
                          ensure_ascii=False)
        if len(text) <= GAPS_LIMIT or limit <= 1:
            return text
        limit //= 2


def incomplete_cells(properties: dict[str, str]) -> dict[str, str]:
    """Layout cell (A1) → what a figure rolled up from a lower level lacks, from the
    file's ``cchc_gaps`` property (JSON written by ``cchc rollup``). Bounded and made
    inert: the property comes from a returned file. A property that cannot be read
    (too long, not JSON, not a mapping) says that figures lack something without saying
    which: every one is then flagged (``EVERY_CELL``), never taken for complete."""
    raw = properties.get(GAPS_PROPERTY, "")
    if not raw:
        return {}
    try:
        found = json.loads(raw) if len(raw) <= GAPS_LIMIT else None
    except ValueError:
        found = None
    if not isinstance(found, dict):
        return {EVERY_CELL: UNREADABLE_GAPS}
    return {k: inert(v, single_line=True, limit=GAP_TEXT) for k, v in found.items()
            if isinstance(k, str) and isinstance(v, str) and len(k) < 12}


def _exclude_unweighted(form, store: CellStore) -> None:
    """A value weighted by a cell that does not count (PL1 satisfaction by its samples)
    cannot be weighted: it does not count either, with the weight's code, so values.csv
    says so and the city total agrees with it."""
    left_out = store.left_out()
    if not left_out:
        return
    for row in form.input_rows:
        if row.weight:
            for period in form.periods:
                code = left_out.get((row.weight, period.id))
                if code and (row.id, period.id) not in left_out:   # (one reason is enough)
                    store.exclude((row.id, period.id), code)


def _marks(issues: list[Issue], start: int) -> tuple[str, str]:
    """(status, flags) of a value from the issues raised for its cell from ``start`` on:
    the first error is why the value cannot be used (none: ""), every other code a flag."""
    status, flags = "", []
    for i in issues[start:]:
        if i.severity == ERROR and not status:
            status = i.code
        else:
            flags.append(i.code)
    return status, FLAG_SEP.join(dict.fromkeys(flags))


def _short(label: str, limit: int = 60) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"
