""".xls number cells as stored (issue 10, parity): the record walk keeps each number's
double, so a custom format under a built-in id (Gnumeric writes ``0.00"%"`` as id 50, an
East Asian date id) is never a date, and a date-formatted number is a DateNumber."""
from __future__ import annotations

import struct

import pytest

from sheetio.cells import DateNumber
from sheetio.xls_read import scan_records


def _record(rtype: int, body: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(body)) + body


def _rk_int(n: int, cents: bool = False) -> int:
    return ((n << 2) | 2 | int(cents)) & 0xFFFFFFFF


def _rk_double(x: float, cents: bool = False) -> int:
    top = struct.unpack("<Q", struct.pack("<d", x))[0] >> 32
    assert struct.unpack("<d", struct.pack("<Q", top << 32))[0] == x   # exactly representable
    return (top & 0xFFFFFFFC) | int(cents)


def _book(cells: list[bytes]) -> bytes:
    """A workbook stream: formats, XFs (0 General, 1 Gnumeric's id 50 '0.00"%"', 2 the
    built-in date id 14, 3 the built-in percent id 9) and one sheet holding ``cells``."""
    fmt = '0.00"%"'.encode("latin-1")
    head = [_record(0x0809, b"\x00" * 8),
            _record(0x041E, struct.pack("<HHB", 50, len(fmt), 0) + fmt)]
    head += [_record(0x00E0, struct.pack("<HH", 0, fid) + b"\x00" * 16) for fid in (0, 50, 14, 9)]
    name = b"S"
    sheet_at = sum(map(len, head)) + 4 + 8 + len(name) + 4   # after BOUNDSHEET and EOF
    head.append(_record(0x0085, struct.pack("<IBBBB", sheet_at, 0, 0, len(name), 0) + name))
    head.append(_record(0x000A, b""))
    assert sum(map(len, head)) == sheet_at
    return b"".join(head) + _record(0x0809, b"\x00" * 8) + b"".join(cells) + _record(0x000A, b"")


def _cell(rtype: int, row: int, col: int, xf: int, rest: bytes) -> bytes:
    return _record(rtype, struct.pack("<HHH", row, col, xf) + rest)


@pytest.mark.parametrize("record, expected", [
    (_cell(0x0203, 0, 0, 1, struct.pack("<d", 85.123456)), 85.123456),              # NUMBER
    (_cell(0x027E, 0, 0, 1, struct.pack("<I", _rk_int(85))), 85.0),                  # RK integer
    (_cell(0x027E, 0, 0, 1, struct.pack("<I", _rk_int(8550, cents=True))), 85.5),   # RK integer ÷100
    (_cell(0x027E, 0, 0, 1, struct.pack("<I", _rk_int(-3))), -3.0),                  # negative
    (_cell(0x027E, 0, 0, 1, struct.pack("<I", _rk_double(0.5))), 0.5),               # RK double
    (_cell(0x027E, 0, 0, 1, struct.pack("<I", _rk_double(8.5, cents=True))), 0.085),
    (_cell(0x0006, 0, 0, 1, struct.pack("<d", 7.25) + b"\x00" * 6), 7.25),          # FORMULA, number
])
def test_stored_number_under_a_redefined_builtin_id_is_a_plain_number(record, expected):
    scan = scan_records(_book([record]))
    got = scan.numbers["S"][(0, 0)]
    assert got == pytest.approx(expected) and type(got) is float
    assert scan.sheets["S"].percent == set()   # a quoted "%" is not a percent format


def test_mulrk_dates_percent_and_formula_text():
    mulrk = _record(0x00BD, struct.pack("<HH", 1, 0)
                    + struct.pack("<HI", 2, _rk_int(43891)) + struct.pack("<HI", 3, _rk_double(0.5))
                    + struct.pack("<HI", 1, _rk_int(85)) + struct.pack("<H", 2))
    text_formula = _cell(0x0006, 2, 0, 0, b"\x00" * 6 + b"\xff\xff" + b"\x00" * 6)
    scan = scan_records(_book([mulrk, text_formula]))
    numbers = scan.numbers["S"]
    assert numbers[(1, 0)] == 43891 and type(numbers[(1, 0)]) is DateNumber
    assert numbers[(1, 1)] == 0.5 and type(numbers[(1, 1)]) is float
    assert numbers[(1, 2)] == 85 and type(numbers[(1, 2)]) is float
    assert (2, 0) not in numbers and "A3" in scan.sheets["S"].formulas
    assert scan.sheets["S"].percent == {"B2"}
