"""Reading a legacy Excel workbook (.xls, BIFF8): one linear walk over its records, then
python-calamine for the values.

The walk finds, from the records themselves, each sheet's extent (so calamine never sees a
sheet larger than the bounds), which cells hold a formula, which hold an error value, and
each cell's number format (percent, date) through its XF record: what the .xlsx reader
learns from the styles part. The walk also keeps each number cell's stored double, so a
number is never what python-calamine makes of it as a date: calamine takes a format id
below 164 for its built-in meaning even when the file defines it (Gnumeric writes a custom
``0.00"%"`` as id 50, a date format in Excel's East Asian locales), and keeps dates to the
millisecond. A number the file shows as a date is a ``DateNumber``, as in .xlsx and .ods.
"""
from __future__ import annotations

import io
import struct
from datetime import date, time, timedelta

from .cells import MAX_COLS, MAX_ROWS, DateNumber, ErrorValue, Sheet, TooLarge, a1, format_kind
from .xlsx_read import BUILTIN_KINDS

BOF, BOUNDSHEET, FORMAT, XF, PROTECT = 0x0809, 0x0085, 0x041E, 0x00E0, 0x0012
SST, DIMENSIONS = 0x00FC, 0x0200
NUMBER, RK = 0x0203, 0x027E
FORMULA, BOOLERR, MULRK, MULBLANK = 0x0006, 0x0205, 0x00BD, 0x00BE
CELLS = {0x0203, 0x027E, 0x00FD, 0x0204, 0x0201, 0x00D6, FORMULA, BOOLERR}  # row, col, xf first
ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
          0x24: "#NUM!", 0x2A: "#N/A"}
_U16 = struct.Struct("<H")
_HEAD = struct.Struct("<HH")
_CELL = struct.Struct("<HHH")
_DOUBLE = struct.Struct("<d")
_U32 = struct.Struct("<I")


class XlsScan:
    """What the record walk found, per sheet name."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.states: dict[str, str] = {}
        self.sheets: dict[str, Sheet] = {}
        self.errors: dict[str, dict[tuple[int, int], str]] = {}
        # sheet -> (row, col) -> the stored double (a DateNumber when shown as a date)
        self.numbers: dict[str, dict[tuple[int, int], float]] = {}


def _text(body: bytes, at: int, count: int, wide: bool) -> str:
    raw = body[at: at + count * (2 if wide else 1)]
    return raw.decode("utf-16-le", "replace") if wide else raw.decode("cp1252", "replace")


def scan_records(stream: bytes) -> XlsScan:
    """Walk the workbook stream once. Raises ``TooLarge`` for a sheet beyond the bounds."""
    out = XlsScan()
    at_offset: dict[int, str] = {}
    formats: dict[int, str] = {}
    xf_formats: list[int] = []
    sheet: Sheet | None = None
    pos, n = 0, len(stream)
    while pos + 4 <= n:
        rtype, size = _HEAD.unpack_from(stream, pos)
        body = stream[pos + 4: pos + 4 + size]
        if rtype == BOF:
            name = at_offset.get(pos)
            sheet = None if name is None else out.sheets.setdefault(name, Sheet(name, protected=False))
        elif rtype == BOUNDSHEET and len(body) >= 8:
            cch, wide = body[6], body[7] & 1
            name = _text(body, 8, cch, bool(wide))
            at_offset[struct.unpack_from("<I", body)[0]] = name
            out.names.append(name)
            out.states[name] = {0: "visible", 1: "hidden", 2: "veryhidden"}.get(body[4] & 3, "visible")
        elif rtype == FORMAT and len(body) >= 5:
            cch, wide = _U16.unpack_from(body, 2)[0], body[4] & 1
            formats[_U16.unpack_from(body)[0]] = _text(body, 5, cch, bool(wide))
        elif rtype == XF and len(body) >= 4:
            xf_formats.append(_U16.unpack_from(body, 2)[0])
        elif rtype == SST and len(body) >= 8 and struct.unpack_from("<I", body, 4)[0] > n // 3:
            # Each string takes at least 3 bytes: a larger count would only make a reader
            # reserve memory for strings that are not there.
            raise TooLarge(f"bảng chuỗi khai báo {struct.unpack_from('<I', body, 4)[0]} chuỗi, "
                           "nhiều hơn nội dung tệp")
        elif rtype == DIMENSIONS and sheet is not None and len(body) >= 12:
            rows, cols = struct.unpack_from("<I", body, 4)[0], _U16.unpack_from(body, 10)[0]
            if rows > MAX_ROWS or cols > MAX_COLS:
                raise TooLarge(f"trang «{sheet.name}» quá lớn ({rows} dòng × {cols} cột; "
                               f"giới hạn {MAX_ROWS} × {MAX_COLS})")
        elif sheet is not None:
            _cell_record(sheet, rtype, body, out, xf_formats, formats)
        pos += 4 + size
    return out


def _kind(xf: int, xf_formats: list[int], formats: dict[int, str]) -> str:
    if xf >= len(xf_formats):
        return ""
    fid = xf_formats[xf]
    return format_kind(formats[fid]) if fid in formats else BUILTIN_KINDS.get(fid, "")


def _cell_record(sheet: Sheet, rtype: int, body: bytes, out: XlsScan, xf_formats, formats) -> None:
    if rtype == PROTECT and len(body) >= 2:
        sheet.protected = _U16.unpack_from(body)[0] == 1
        return
    if rtype in CELLS and len(body) >= 6:
        row, col, xf = _CELL.unpack_from(body)
        cols = [(col, xf)]
    elif rtype in (MULRK, MULBLANK) and len(body) >= 6:
        row, first = _HEAD.unpack_from(body)
        step = 6 if rtype == MULRK else 2
        cols = [(first + i, _U16.unpack_from(body, 4 + i * step)[0]) for i in range((len(body) - 6) // step)]
    else:
        return
    for i, (c, x) in enumerate(cols):
        if row >= MAX_ROWS or c >= MAX_COLS:
            raise TooLarge(f"trang «{sheet.name}» quá lớn (có ô {a1(row, c)}: {row + 1} dòng × {c + 1} cột; "
                           f"giới hạn {MAX_ROWS} × {MAX_COLS})")
        kind = _kind(x, xf_formats, formats)
        if kind == "percent":
            sheet.percent.add(a1(row, c))
        number = _stored_number(rtype, body, i)
        if number is not None:
            out.numbers.setdefault(sheet.name, {})[(row, c)] = DateNumber(number) if kind == "date" else number
    if rtype == FORMULA:
        sheet.formulas.add(a1(row, col))
        if len(body) >= 14 and body[12:14] == b"\xff\xff" and body[6] == 2:
            out.errors.setdefault(sheet.name, {})[(row, col)] = ERRORS.get(body[8], "#N/A")
    elif rtype == BOOLERR and len(body) >= 8 and body[7] == 1:
        out.errors.setdefault(sheet.name, {})[(row, col)] = ERRORS.get(body[6], "#N/A")


def _rk(rk: int) -> float:
    """The number of an RK value: a 30-bit integer or the top of a double, maybe ÷100."""
    if rk & 2:
        number = float(struct.unpack("<i", _U32.pack(rk))[0] >> 2)
    else:
        number = _DOUBLE.unpack(struct.pack("<Q", (rk & 0xFFFFFFFC) << 32))[0]
    return number / 100 if rk & 1 else number


def _stored_number(rtype: int, body: bytes, i: int) -> float | None:
    """The double a NUMBER, RK, MULRK (its ``i``-th cell) or FORMULA record stores, if any."""
    if rtype == NUMBER and len(body) >= 14:
        return _DOUBLE.unpack_from(body, 6)[0]
    if rtype == RK and len(body) >= 10:
        return _rk(_U32.unpack_from(body, 6)[0])
    if rtype == MULRK and len(body) >= 12 + i * 6:
        return _rk(_U32.unpack_from(body, 6 + i * 6)[0])
    if rtype == FORMULA and len(body) >= 14 and body[12:14] != b"\xff\xff":   # 0xFFFF: not a number
        return _DOUBLE.unpack_from(body, 6)[0]
    return None


def read_xls(data: bytes, stream: bytes, wanted: set[str] | None) -> XlsScan:
    """The scan of ``stream`` with the wanted sheets' values filled in by python-calamine."""
    import python_calamine
    scan = scan_records(stream)
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    calamine_names = [m.name for m in wb.sheets_metadata]
    for name in calamine_names:
        if wanted is not None and name not in wanted:
            continue
        sheet = scan.sheets.setdefault(name, Sheet(name))
        errors = scan.errors.get(name, {})
        numbers = scan.numbers.get(name, {})
        found = wb.get_sheet_by_name(name)
        if found.height > MAX_ROWS or found.width > MAX_COLS:
            raise TooLarge(f"trang «{name}» quá lớn ({found.height} dòng × {found.width} cột)")
        r0, c0 = found.start or (0, 0)
        for i, row in enumerate(found.to_python(skip_empty_area=True)):
            for j, value in enumerate(row):
                if value != "" or (r0 + i, c0 + j) in errors:
                    where = (r0 + i, c0 + j)
                    if where in errors:
                        value = ErrorValue(errors[where])
                    elif where in numbers and (isinstance(value, (date, time, timedelta))
                                               or type(numbers[where]) is DateNumber):
                        value = numbers[where]   # the stored number, not calamine's date
                    sheet.put(*where, value)
    if not scan.names:
        scan.names = calamine_names
    return scan
