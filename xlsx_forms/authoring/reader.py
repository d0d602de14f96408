"""Read an authoring workbook into the plan's dicts, every node knowing its cell.

The workbook is the user's own file: it is read from bytes, never opened for writing,
through the harvest's bounded readers (xlsx, ods or xls; zip members, XML and sheet
extents bounded; formulas never evaluated). Columns are found by their header in row 2,
so a column moved or added by hand does no harm. What the cells cannot say (a number
that is not one, a date that is no date, a label not in a drop-down list, a row of a
form that does not exist) is a problem with its sheet, row and column; everything else
is the loader's to check (spec_loader, registry): one loader for both plan formats.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from harvest.reader import read_book

from ..errors import CchcError
from ..layout import a1
from ..yamlio import Where
from .assemble import Assembly
from .cells import BadCell, from_cell
from .sheets import FACT_HEADERS, FIRST_ROW, HEADER_ROW, SHEETS, Column, Sheet

# Sheets that may be missing or empty ("Đơn vị": the units may come from --units instead).
OPTIONAL_SHEETS = {"Đơn vị", "Bảng", "Đơn vị phụ trách", "Quy tắc", "Đối chiếu", "Kiểm tra hợp lý", "Nhóm so sánh",
                   "Đề cương"}


@dataclass
class WorkbookPlan:
    """What a workbook said: the plan's dicts and the problems of its cells."""

    base: dict
    forms: list[dict]
    registry: dict | None
    problems: list[tuple[str, str]]
    outline: dict | None = None


def _fold(text) -> str:
    return unicodedata.normalize("NFC", str(text)).strip().casefold() if text is not None else ""


def _letter(col: int) -> str:
    return "".join(ch for ch in a1(0, col) if ch.isalpha())


def _at(file: str, sheet: str, row: int, col: int | None = None, header: str = "") -> str:
    text = f"Tệp {file}, trang «{sheet}», dòng {row}"
    return f"{text}, cột {_letter(col)} «{header}»" if col is not None else text


def _table(grid, sheet: Sheet, file: str, asm: Assembly) -> int | None:
    """Read a sheet of one thing a row; the number of rows read (None: headers missing)."""
    headers = {_fold(grid.value(HEADER_ROW - 1, c)): c for c in range(256)
               if grid.value(HEADER_ROW - 1, c) is not None}
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
    header = FACT_HEADERS[1]
    row, cells = {}, {}
    for column in sheet.columns:
        r = labels.get(_fold(column.header))
        if r is None:
            if column.required:
                asm.problems.append((_at(file, sheet.name, HEADER_ROW), f"thiếu dòng «{column.header}»"))
            continue
        raw = grid.value(r, 1)
        empty = raw is None or (isinstance(raw, str) and not raw.strip())
        # An empty optional fact is skipped, unless it sits right under its root (the lines
        # of the Đề cương): then its cell is known, should the sections need it; a deeper one
        # would create the section it belongs to (an empty «Kiểm tra hợp lý» means none).
        if empty and not column.required and column.key.count(".") > 1:
            continue
        cells[column.key] = (r + 1, _letter(1), f"{header}: {column.header}")
        if empty:
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
    for sheet in SHEETS:
        grid = book.grids.get(sheet.name)
        if grid is None:
            if sheet.name not in OPTIONAL_SHEETS:
                asm.problems.append((f"Tệp {shown}", f"không có trang «{sheet.name}»"))
            continue
        before = len(asm.problems)
        rows = (_facts if sheet.facts else _table)(grid, sheet, shown, asm)
        if rows == 0 and sheet.name not in OPTIONAL_SHEETS and len(asm.problems) == before:
            asm.problems.append((_at(shown, sheet.name, FIRST_ROW), "trang chưa có dòng nào"))
    base, forms, registry, outline = asm.result()
    return WorkbookPlan(base, forms, registry, asm.problems, outline)


def load_workbook_plan(data: bytes, file: Path | str):
    """(catalogue, its outline included, and registry or None) of an authoring workbook.
    Raises CchcError listing every problem found, in the cells and by the loader."""
    from .workflow import checked
    result = checked(read_workbook(data, file), file)
    if result.problems:
        raise CchcError("PLAN_INVALID", str(file), count=len(result.problems),
                        problems="\n".join(f"  {w}: {p}" for w, p in result.problems))
    return result.catalogue, result.registry
