"""What the readers make of one sheet, whatever the file format: a sparse grid of values,
and what is known about each cell's form (formula, percent format, error value).

The grid is sparse and bounded: only cells holding something are stored, never more than
``MAX_CELLS``, never beyond ``MAX_ROWS`` × ``MAX_COLS``, so no file can make a reader
allocate more than its content.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from xlsxwriter.utility import xl_rowcol_to_cell

MAX_ROWS, MAX_COLS = 5_000, 256
MAX_CELLS = 100_000
MAX_NUMBER_TEXT = 64


def a1(row: int, col: int) -> str:
    """Excel A1 address of a 0-based (row, col): the one home of cell references, for the
    readers' messages and for the forms' layout (``xlsx_forms.layout``) alike."""
    return xl_rowcol_to_cell(row, col)


class ErrorValue(str):
    """A spreadsheet error value (``#DIV/0!``, ``#VALUE!``, ``#N/A`` …) held by a cell."""

    __slots__ = ()


class DamagedCell(str):
    """A cell whose stored content cannot be read: the text is what was stored (cut to
    40 characters), ``reason`` says what is wrong with it (Vietnamese)."""

    def __new__(cls, stored: str, reason: str) -> DamagedCell:
        cell = super().__new__(cls, stored[:40])
        cell.reason = reason
        return cell

    def __reduce__(self):
        return DamagedCell, (str(self), self.reason)


class TooLarge(Exception):
    """A sheet is beyond the bounds; the message says where (Vietnamese)."""


@dataclass
class Sheet:
    """One sheet as read: values by 0-based (row, col), and facts about cells by address."""

    name: str
    cells: dict[tuple[int, int], object] = field(default_factory=dict)
    formulas: set[str] = field(default_factory=set)     # A1 addresses holding a formula
    percent: set[str] = field(default_factory=set)      # A1 addresses with a percent format
    protected: bool | None = None                       # None when the format does not say

    def put(self, row: int, col: int, value, formula: bool = False, percent: bool = False) -> None:
        """Store one cell, enforcing the bounds; empty cells cost nothing."""
        if value is None and not formula:
            return
        if row >= MAX_ROWS or col >= MAX_COLS:
            raise TooLarge(f"trang «{self.name}» quá lớn (có ô {a1(row, col)}: {row + 1} dòng × "
                           f"{col + 1} cột; giới hạn {MAX_ROWS} × {MAX_COLS})")
        if value is not None:
            if len(self.cells) >= MAX_CELLS and (row, col) not in self.cells:
                raise TooLarge(f"trang «{self.name}» có quá nhiều ô (giới hạn {MAX_CELLS})")
            self.cells[(row, col)] = value
        if formula or percent:
            ref = a1(row, col)
            if formula:
                self.formulas.add(ref)
            if percent:
                self.percent.add(ref)


class Grid:
    """Cell values of one sheet, addressed by 0-based (row, col)."""

    __slots__ = ("_cells",)

    def __init__(self, cells: dict[tuple[int, int], object]) -> None:
        self._cells = cells

    def value(self, row: int, col: int):
        """The cell's value: str, float (or DateNumber), int, bool, datetime, ErrorValue,
        DamagedCell, or None when empty."""
        v = self._cells.get((row, col))
        return None if v == "" else v

    def rows(self) -> list[int]:
        """The 0-based rows holding something, in order."""
        return sorted({r for r, _c in self._cells})

    def texts(self):
        """Every non-empty text of the sheet."""
        return (v for v in self._cells.values() if type(v) is str and v)


class DateNumber(float):
    """A number the file shows with a date or time format: the cell still holds the number."""

    __slots__ = ()


EPOCH = datetime(1899, 12, 30)   # day 0 of spreadsheet serial numbers


def excel_serial(value: datetime | date | time | timedelta) -> float:
    """The spreadsheet number behind a date, time or duration value (1900 date system,
    with Excel's fictitious 29 February 1900, as the readers apply it)."""
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 86400, 9)
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    value = value.replace(tzinfo=None)   # a zone would make the comparison below raise
    days = (value - EPOCH).total_seconds() / 86400
    return round(days - 1 if value < datetime(1900, 3, 1) else days, 9)


SERIAL_DAYS = (1, 2958466)   # serial numbers of dates, 1/1/1900 to 31/12/9999 (the end excluded)


def serial_datetime(serial: float) -> datetime:
    """The date and time a spreadsheet number within ``SERIAL_DAYS`` stands for, the
    inverse of ``excel_serial``: days 1–59 are 1/1–28/2/1900 (day 60, Excel's fictitious
    29/2/1900, comes out as 1/3/1900, as day 61)."""
    return EPOCH + timedelta(days=serial + (1 if serial < 61 else 0))



def iso_date_number(text: str, *, excel: bool) -> DateNumber | DamagedCell:
    """The number behind an ISO date stored in a cell: Excel's serial (``excel``, which
    counts a 29/02/1900) or the ODS one (days since 30/12/1899). A time zone is ignored."""
    raw = text.strip()[:40]
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return DamagedCell(raw, "không phải ngày")
    return DateNumber(excel_serial(when) if excel else (when - EPOCH).total_seconds() / 86400)


def stored_number(text: str) -> float | DamagedCell:
    """The number a cell's stored text holds (every format stores it as a decimal text),
    or a DamagedCell: not a number, not finite, or a spelling ``float()`` takes but no
    spreadsheet writes ("１０", "1_0", hundreds of digits)."""
    t = text.strip()
    try:
        if len(t) > MAX_NUMBER_TEXT or "_" in t or not t.isascii():
            raise ValueError
        value = float(t)
    except ValueError:
        return DamagedCell(t, "không phải số")
    return value if math.isfinite(value) else DamagedCell(t, "không phải số hữu hạn")


def format_kind(code: str) -> str:
    """"percent", "date" or "" for a number format code. Quoted text, escaped characters
    and bracketed parts (colours, conditions, locales) are not the format's tokens."""
    code = code[:512]
    kind, i, n = "", 0, len(code)
    while i < n:
        ch = code[i]
        if ch == '"':
            close = code.find('"', i + 1)
            i = n if close < 0 else close + 1
            continue
        if ch in "\\_*":
            i += 2
            continue
        if ch == "[":
            close = code.find("]", i + 1)
            inner = code[i + 1: n if close < 0 else close].lower()
            if inner and set(inner) <= set("hms"):      # [h], [mm]: elapsed time
                kind = kind or "date"
            i = n if close < 0 else close + 1
            continue
        if ch == ";":
            break                                       # the positive section decides
        if ch == "%":
            return "percent"
        if ch in "dmyhsDMYHS" and not kind:
            kind = "date"
        if ch in "eE" and i + 1 < n and code[i + 1] in "+-":
            kind = ""                                   # 0.00E+00: scientific, not a date
        i += 1
    return kind
