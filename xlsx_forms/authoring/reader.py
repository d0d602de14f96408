"""Read an authoring workbook into the plan's dicts, every node knowing its cell.

The workbook is the user's own file: it is read from bytes, never opened for writing,
through the bounded readers the harvest uses too (``sheetio``: xlsx, ods or xls; zip
members, XML and sheet extents bounded; formulas never evaluated). Columns are found by
their header in row 2, so a column moved or added by hand does no harm. What the cells
cannot say (a number that is not one, a date that is no date, a label not in a drop-down
list, a row of a form that does not exist) is a problem with its sheet, row and column;
everything else is the loader's to check (spec_loader, registry): one loader for both
plan formats.
"""
from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sheetio.cells import a1
from sheetio.reader import read_book

from ..errors import CchcError
from ..yamlio import Where
from .assemble import Assembly
from .cells import BadCell, from_cell
from .names import quoted
from .sheets import FACT_HEADERS, FIRST_ROW, GUIDE_SHEET, HEADER_ROW, LISTS_SHEET, SHEETS, Column, Sheet

# Sheets that may be missing or empty ("Đơn vị": the units may come from --units instead).
OPTIONAL_SHEETS = {"Đơn vị", "Bảng", "Đơn vị phụ trách", "Quy tắc", "Đối chiếu", "Kiểm tra hợp lý", "Nhóm so sánh",
                   "Đề cương"}

# A column or sheet of the user's own notes: its header or name starts with this (folded).
OWN_NOTES = "ghi chú"


@dataclass
class WorkbookPlan:
    """What a workbook said: the plan's dicts and the problems of its cells."""

    base: dict
    forms: list[dict]
    registry: dict | None
    problems: list[tuple[str, str]]
    outline: dict | None = None
    # Whether a sheet or a column is missing, unknown or repeated, or a sheet that must
    # have rows has none: the loader, which would only see things missing, is not run.
    structural: bool = False
    # Required facts left empty: the loader says so; when it is not run (``structural``), these.
    blank: list[tuple[str, str]] = field(default_factory=list)


def _fold(text) -> str:
    return unicodedata.normalize("NFC", str(text)).strip().casefold() if text is not None else ""


def _plain(text: str) -> str:
    """``text`` folded and without accents: «Quy tắc» and «quy tac» compare equal."""
    decomposed = unicodedata.normalize("NFD", _fold(text).replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def nearest(text: str, known) -> str | None:
    """The known name nearest to ``text`` (accents and case aside), or None."""
    plain = {_plain(k): k for k in known}
    found = difflib.get_close_matches(_plain(text), list(plain), n=1, cutoff=0.5)
    return plain[found[0]] if found else None


def _maybe(name: str | None) -> str:
    return f" (có phải «{name}»?)" if name else ""


def _holds_data(grid, col: int | None = None, first: int = 0) -> bool:
    """Whether ``grid`` (its column ``col`` only, if given) has a value from row ``first``."""
    cols = range(256) if col is None else (col,)
    return any(_given(grid.value(r, c)) for r in grid.rows() if r >= first for c in cols)


def _given(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _letter(col: int) -> str:
    return "".join(ch for ch in a1(0, col) if ch.isalpha())


def _at(file: str, sheet: str, row: int, col: int | None = None, header: str = "") -> str:
    text = f"Tệp {file}, trang «{sheet}», dòng {row}"
    return f"{text}, cột {_letter(col)} «{header}»" if col is not None else text


def _headers(grid, sheet: Sheet, file: str, asm: Assembly) -> dict[str, int] | None:
    """The columns of row 2 by folded header; None (each problem said) when a header is
    repeated, or unknown while its column holds data (a renamed header would leave its
    column unread: every row a heading, every value lost, silently)."""
    known = {_fold(c.header): c.header for c in sheet.columns}
    headers: dict[str, int] = {}
    ok = True
    for c in range(256):
        raw = grid.value(HEADER_ROW - 1, c)
        if not _given(raw):
            continue
        name = _fold(raw)
        if name in headers:
            asm.problems.append((_at(file, sheet.name, HEADER_ROW, c, str(raw).strip()),
                                 f"cột «{str(raw).strip()}» có hai lần (cột {_letter(headers[name])} và cột "
                                 f"{_letter(c)}); mỗi cột chỉ một lần: xóa hoặc đổi tên một cột"))
            ok = False
        elif name not in known and not name.startswith(OWN_NOTES) and _holds_data(grid, c, FIRST_ROW - 1):
            guess = _maybe(nearest(str(raw), known.values()))
            asm.problems.append((_at(file, sheet.name, HEADER_ROW, c, str(raw).strip()),
                                 f"«{str(raw).strip()}» không phải cột của trang «{sheet.name}» nên số liệu trong "
                                 f"cột không được đọc{guess}; sửa tên cột, hoặc xóa cột nếu không dùng"))
            ok = False
        headers.setdefault(name, c)
    return headers if ok else None


def _table(grid, sheet: Sheet, file: str, asm: Assembly) -> int | None:
    """Read a sheet of one thing a row; the number of rows read (None: headers wrong)."""
    headers = _headers(grid, sheet, file, asm)
    if headers is None:
        return None
    found: dict[Column, int] = {}
    for column in sheet.columns:
        col = headers.get(_fold(column.header))
        if col is not None:
            found[column] = col
        elif column.required:
            asm.problems.append((_at(file, sheet.name, HEADER_ROW), f"thiếu cột «{column.header}»"))
    if any(c.required and c not in found for c in sheet.columns):
        return None
    count = 0
    for r in grid.rows():
        if r < FIRST_ROW - 1:
            continue
        cells = {c: grid.value(r, col) for c, col in found.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue
        where = Where(file, sheet.name, r + 1, {c.key: (r + 1, _letter(col), c.header) for c, col in found.items()})
        row = {}
        for column, raw in cells.items():
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if column.required:
                    asm.problems.append((_at(file, sheet.name, r + 1, found[column], column.header),
                                         "ô bắt buộc bị bỏ trống"))
                continue
            try:
                row[column.key] = from_cell(column, raw)
            except BadCell as exc:
                asm.problems.append((_at(file, sheet.name, r + 1, found[column], column.header), str(exc)))
        asm.add(sheet.target, row, where)
        count += 1
    return count


def _facts(grid, sheet: Sheet, file: str, asm: Assembly) -> None:
    """One field a row. Which fields must be there is the loader's to say (at the cell
    named here, even an empty one): a sheet with a required field always gives its dicts."""
    labels = {_fold(grid.value(r, 0)): r for r in grid.rows() if r >= FIRST_ROW - 1}
    known = {_fold(c.header): c.header for c in sheet.columns}
    meant = set()   # the rows a misspelt label may be: not said missing as well
    for label, r in labels.items():
        if label and label not in known and _given(grid.value(r, 1)):
            guess = nearest(str(grid.value(r, 0)), known.values())
            meant.add(guess)
            asm.problems.append((_at(file, sheet.name, r + 1, 0, FACT_HEADERS[0]),
                                 f"«{grid.value(r, 0)}» không phải một dòng của trang «{sheet.name}» nên giá trị "
                                 f"của nó không được đọc{_maybe(guess)}"))
            asm.structural = True
    header = FACT_HEADERS[1]
    row, cells = {}, {}
    for column in sheet.columns:
        r = labels.get(_fold(column.header))
        if r is None:
            if column.required and column.header not in meant:
                asm.problems.append((_at(file, sheet.name, HEADER_ROW), f"thiếu dòng «{column.header}»"))
                asm.structural = True
            continue
        raw = grid.value(r, 1)
        asm.fact_cells[column.key] = (r + 1, _letter(1), f"{header}: {column.header}")
        empty = raw is None or (isinstance(raw, str) and not raw.strip())
        # An empty optional fact is skipped, unless it sits right under its root (the lines
        # of the Đề cương): then its cell is known, should the sections need it; a deeper one
        # would create the section it belongs to (an empty «Kiểm tra hợp lý» means none).
        if empty and not column.required and column.key.count(".") > 1:
            continue
        cells[column.key] = (r + 1, _letter(1), f"{header}: {column.header}")
        if empty:
            if column.required:
                asm.blank.append((_at(file, sheet.name, r + 1, 1, f"{header}: {column.header}"),
                                  f"thiếu «{column.header}»"))
            continue
        try:
            row[column.key] = from_cell(column, raw)
        except BadCell as exc:
            asm.problems.append((_at(file, sheet.name, r + 1, 1, f"{header}: {column.header}"), str(exc)))
    if cells:
        asm.add("facts", row, Where(file, sheet.name, min(c[0] for c in cells.values()), cells))


def read_workbook(data: bytes, file: Path | str) -> WorkbookPlan:
    """The plan's dicts and the problems of the cells of the workbook ``data`` (read from
    ``file``). Raises CchcError when it is no workbook at all."""
    shown = str(file)
    book = read_book(data)
    if book.failure:
        raise CchcError("PLAN_FORMAT", shown, problem=book.failure)
    if not any(s.name in book.grids for s in SHEETS):
        raise CchcError("PLAN_FORMAT", shown, problem="không có trang nào của sổ kế hoạch («Kế hoạch», «Biểu», …)")
    asm = Assembly()
    known = {s.name for s in SHEETS} | {GUIDE_SHEET, LISTS_SHEET}
    meant = set()   # the sheets a misspelt sheet name may be: not said missing as well
    for name, grid in book.grids.items():
        if name not in known and not _fold(name).startswith(OWN_NOTES) and _holds_data(grid):
            guess = nearest(name, [s.name for s in SHEETS if s.name not in book.grids])
            meant.add(guess)
            asm.problems.append((f"Tệp {shown}, trang «{name}»",
                                 f"«{name}» không phải trang của sổ kế hoạch nên không được đọc{_maybe(guess)}; "
                                 f"các trang: {quoted(s.name for s in SHEETS)}"))
            asm.structural = True
    for sheet in SHEETS:
        grid = book.grids.get(sheet.name)
        if grid is None:
            asm.unread.add(sheet.target)
            if sheet.name not in OPTIONAL_SHEETS and sheet.name not in meant:
                asm.problems.append((f"Tệp {shown}", f"không có trang «{sheet.name}»"))
                asm.structural = True
            continue
        before = len(asm.problems)
        rows = (_facts if sheet.facts else _table)(grid, sheet, shown, asm)
        if rows is None and not sheet.facts:
            asm.structural = True
            asm.unread.add(sheet.target)
        if rows == 0 and sheet.name not in OPTIONAL_SHEETS and len(asm.problems) == before:
            asm.problems.append((_at(shown, sheet.name, FIRST_ROW), "trang chưa có dòng nào" + sheet.needs))
            asm.structural = True
    base, forms, registry, outline = asm.result()
    return WorkbookPlan(base, forms, registry, asm.problems, outline, asm.structural, asm.blank)


def load_workbook_plan(data: bytes, file: Path | str):
    """(catalogue, its outline included, and registry or None) of an authoring workbook.
    Raises CchcError listing every problem found, in the cells and by the loader."""
    from .workflow import checked
    result = checked(read_workbook(data, file), file)
    if result.problems:
        raise CchcError("PLAN_INVALID", str(file), count=len(result.problems),
                        problems="\n".join(f"  {w}: {p}" for w, p in result.problems))
    return result.catalogue, result.registry
