"""Reading a legacy Excel workbook (.xls, BIFF8): one linear walk over its records, then
python-calamine for the values.

The walk finds, from the records themselves, each sheet's extent (so calamine never sees a
sheet larger than the bounds), which cells hold a formula, which hold an error value, and
each cell's number format (percent, date) through its XF record: what the .xlsx reader
learns from the styles part.
"""
from __future__ import annotations

import io
import struct
from datetime import date, time, timedelta

from . import cfb
from .cells import MAX_COLS, MAX_ROWS, DamagedCell, DateNumber, ErrorValue, Sheet, TooLarge, a1, format_kind
from .xlsx_read import BUILTIN_KINDS

BOF, BOUNDSHEET, FORMAT, XF, PROTECT = 0x0809, 0x0085, 0x041E, 0x00E0, 0x0012
SST, DIMENSIONS, STRING, LABELSST = 0x00FC, 0x0200, 0x0207, 0x00FD
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
        self.sheets: dict[str, Sheet] = {}
        self.errors: dict[str, dict[tuple[int, int], str]] = {}
        # What the walk knows better than calamine: a formula's text result (calamine
        # gives 0), a shared string that does not exist (calamine gives an empty cell).
        self.fixed: dict[str, dict[tuple[int, int], object]] = {}
        self.strings = 0          # the shared string table's count of unique strings
        # sheet -> (row, col) -> the stored double (a DateNumber when shown as a date)
        self.numbers: dict[str, dict[tuple[int, int], float]] = {}


def _text(body: bytes, at: int, count: int, wide: bool) -> str:
    raw = body[at: at + count * (2 if wide else 1)]
    return raw.decode("utf-16-le", "replace") if wide else raw.decode("cp1252", "replace")


EOF_ = 0x000A
MAX_SHEETS = 256


def _records(stream: bytes, pos: int):
    """(type, body) of each record from ``pos`` to the substream's EOF record."""
    n = len(stream)
    while pos + 4 <= n:
        rtype, size = _HEAD.unpack_from(stream, pos)
        yield rtype, stream[pos + 4: pos + 4 + size]
        if rtype == EOF_:
            return
        pos += 4 + size


def scan_records(stream: bytes) -> XlsScan:
    """Walk the workbook stream as a reader does: the globals from the start to their EOF,
    then each sheet from the position its BOUNDSHEET record gives (not only where a
    sequential walk would meet it: a reader seeks there). Raises ``TooLarge`` for a sheet
    or a table beyond the bounds."""
    out = XlsScan()
    positions: list[tuple[int, str]] = []
    formats: dict[int, str] = {}
    xf_formats: list[int] = []
    n = len(stream)
    for rtype, body in _records(stream, 0):
        if rtype == BOUNDSHEET and len(body) >= 8:
            cch, wide = body[6], body[7] & 1
            name = _text(body, 8, cch, bool(wide))
            positions.append((struct.unpack_from("<I", body)[0], name))
            out.names.append(name)
        elif rtype == FORMAT and len(body) >= 5:
            cch, wide = _U16.unpack_from(body, 2)[0], body[4] & 1
            formats[_U16.unpack_from(body)[0]] = _text(body, 5, cch, bool(wide))
        elif rtype == XF and len(body) >= 4:
            xf_formats.append(_U16.unpack_from(body, 2)[0])
        elif rtype == SST and len(body) >= 8:
            out.strings = struct.unpack_from("<I", body, 4)[0]
            if out.strings > n // 3:
                # Each string takes at least 3 bytes: a larger count would only make a
                # reader reserve memory for strings that are not there.
                raise TooLarge(f"bảng chuỗi khai báo {out.strings} chuỗi, nhiều hơn nội dung tệp")
    if len(positions) > MAX_SHEETS:
        raise TooLarge(f"tệp khai báo {len(positions)} trang tính (giới hạn {MAX_SHEETS})")
    walked = 0
    for start, name in positions:
        sheet = out.sheets.setdefault(name, Sheet(name, protected=False))
        pending: tuple[int, int] | None = None    # a formula whose text result comes next
        for rtype, body in _records(stream, start):
            walked += 4 + len(body)
            if walked > 4 * n + 4096:
                # Sheets that overlap (positions into one another) would be walked again
                # and again: a sound file never needs more than one pass.
                raise TooLarge("các trang tính của tệp chồng lên nhau (cấu trúc .xls bất thường)")
            if rtype == DIMENSIONS and len(body) >= 12:
                first_row, rows = struct.unpack_from("<II", body)
                first_col, cols = struct.unpack_from("<HH", body, 8)
                if not (first_row <= rows <= MAX_ROWS and first_col <= cols <= MAX_COLS):
                    raise TooLarge(f"trang «{name}» quá lớn hoặc hỏng (khai báo dòng {first_row}–{rows}, "
                                   f"cột {first_col}–{cols}; giới hạn {MAX_ROWS} × {MAX_COLS})")
            elif rtype == STRING and pending is not None and len(body) >= 3:
                cch, wide = _U16.unpack_from(body)[0], body[2] & 1
                out.fixed.setdefault(name, {})[pending] = _text(body, 3, cch, bool(wide)) or None
            else:
                _cell_record(sheet, rtype, body, out, xf_formats, formats)
            if rtype != STRING:
                pending = _text_result(rtype, body)
    return out


def _text_result(rtype: int, body: bytes) -> tuple[int, int] | None:
    """(row, col) of a formula whose cached result is text (in the STRING record next)."""
    if rtype == FORMULA and len(body) >= 14 and body[12:14] == b"\xff\xff" and body[6] == 0:
        return _HEAD.unpack_from(body)
    return None


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
    elif rtype == LABELSST and len(body) >= 10:
        index = struct.unpack_from("<I", body, 6)[0]
        if index >= out.strings:
            out.fixed.setdefault(sheet.name, {})[(row, col)] = DamagedCell(
                str(index), "chỉ số chuỗi không có trong bảng chuỗi dùng chung")


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


def read_xls(stream_name: str, stream: bytes, wanted: set[str] | None) -> XlsScan:
    """The scan of the workbook ``stream`` with the wanted sheets' values filled in by
    python-calamine, which reads the stream in a container cchc wrote (``cfb``)."""
    import python_calamine
    scan = scan_records(stream)
    if len(stream) > cfb.MAX_STREAM:
        raise TooLarge(f"sổ tính .xls quá lớn ({len(stream) // 1024} KB)")
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(cfb.single_stream(stream_name, stream)))
    calamine_names = [m.name for m in wb.sheets_metadata]
    for name in calamine_names:
        if wanted is not None and name not in wanted:
            continue
        sheet = scan.sheets.setdefault(name, Sheet(name))
        errors = scan.errors.get(name, {})
        fixed = scan.fixed.get(name, {})
        numbers = scan.numbers.get(name, {})
        found = wb.get_sheet_by_name(name)
        if found.height > MAX_ROWS or found.width > MAX_COLS:
            raise TooLarge(f"trang «{name}» quá lớn ({found.height} dòng × {found.width} cột)")
        r0, c0 = found.start or (0, 0)
        for i, row in enumerate(found.to_python(skip_empty_area=True)):
            for j, value in enumerate(row):
                where = (r0 + i, c0 + j)
                if where in errors:
                    value = ErrorValue(errors[where])
                elif where in fixed:
                    value = fixed.pop(where)
                elif where in numbers and (isinstance(value, (date, time, timedelta))
                                           or type(numbers[where]) is DateNumber):
                    value = numbers[where]   # the stored number, not calamine's date
                if value != "":
                    sheet.put(*where, value)
        for where, value in fixed.items():      # cells calamine left out altogether
            sheet.put(*where, value)
    if not scan.names:
        scan.names = calamine_names
    return scan
