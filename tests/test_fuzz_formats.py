"""Fuzzing the .xls and .ods readers: a return saved by LibreOffice, with bytes changed in
the .xls records or inside the .ods members, never raises anything but a damaged-file
result, never aborts the process (python-calamine once asked for 342 GB on a changed
DIMENSIONS record and aborted) and never hangs. Each example runs in the same process:
an abort fails the whole test run, as it would fail a harvest."""
from __future__ import annotations

import io
import os
import struct
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harvest.identify import MARKS as AS_HARVESTED
from sheetio.reader import DAMAGED, read_book
from tests import hostile, strict_reader
from tests.office import convert

pytestmark = pytest.mark.office
EXAMPLES = int(os.environ.get("CCHC_FUZZ_EXAMPLES", "150"))
common = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("CCHC_FUZZ_EXAMPLES"),
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                         HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def saved(generated, tmp_path_factory) -> dict[str, bytes]:
    out_dir, files = generated
    g = next(f for f in files if f.form == "PL1" and f.unit.code == "p-tran-phu")
    tmp = tmp_path_factory.mktemp("fuzz-formats")
    src = tmp / "PL1.xlsx"
    src.write_bytes((out_dir / g.path).read_bytes())
    return {fmt: convert([src], tmp / fmt, fmt)[0].read_bytes() for fmt in ("xls", "ods")}


def _read(data: bytes):
    """read_book, failing on any exception inside it that no damaged file explains."""
    with strict_reader.watched() as seen:
        book = read_book(data, **AS_HARVESTED)
    bugs = strict_reader.unexpected(seen)
    assert not bugs, "the reader raised what no damaged file explains:\n" + "\n".join(bugs)
    return book


def _sound(book) -> None:
    assert book.failure or book.grids, "neither read nor refused"


@common
@given(data=st.data())
def test_xls_bytes(saved, data):
    blob = bytearray(saved["xls"])
    for _ in range(data.draw(st.integers(1, 8))):
        blob[data.draw(st.integers(0, len(blob) - 1))] = data.draw(st.integers(0, 255))
    _sound(_read(bytes(blob)))


@common
@given(data=st.data())
def test_ods_members(saved, data):
    members = [n for n in zipfile.ZipFile(io.BytesIO(saved["ods"])).namelist() if n.endswith(".xml")]
    mutated = saved["ods"]
    for _ in range(data.draw(st.integers(1, 4))):
        mutated = hostile.mutate(mutated, data.draw(st.sampled_from(members)), data.draw(st.integers(0, 1 << 20)),
                                 data.draw(st.sampled_from([0, 0x3C, 0x3E, 0x22, 0x26, 0x41, 0xFF, 0x30, 0x39])))
    _sound(_read(mutated))


def _records(stream: bytes):
    pos = 0
    while pos + 4 <= len(stream):
        rtype, size = struct.unpack_from("<HH", stream, pos)
        yield pos, rtype, size
        pos += 4 + size


def _rewrite_stream(xls: bytes, change) -> bytes:
    """The .xls with its workbook stream changed in place (same length) by ``change``."""
    import olefile
    stream = bytearray(olefile.OleFileIO(io.BytesIO(xls)).openstream("Workbook").read())
    change(stream)
    from sheetio.cfb import single_stream
    return single_stream("Workbook", bytes(stream))


@pytest.mark.parametrize("field, value", [("first_row", 0x00F50000), ("rows", 0x7FFFFFFF), ("first_col", 300),
                                          ("cols", 0xFFFF)])
def test_a_damaged_dimensions_record_is_refused_before_calamine(saved, field, value):
    def change(stream):
        for pos, rtype, _size in _records(stream):
            if rtype == 0x0200:
                offset, fmt = {"first_row": (0, "<I"), "rows": (4, "<I"), "first_col": (8, "<H"),
                               "cols": (10, "<H")}[field]
                struct.pack_into(fmt, stream, pos + 4 + offset, value)
    book = read_book(_rewrite_stream(saved["xls"], change))
    assert "quá lớn" in book.failure


def test_a_sheet_position_into_another_record_is_walked_as_a_reader_would(saved):
    """BOUNDSHEET positions are where a reader seeks: a position pointing at bytes inside
    another record, crafted as a far cell, is seen by the walk too."""
    def change(stream):
        recs = list(_records(stream))
        sst = next(p for p, t, _ in recs if t == 0x00FC)          # plant records in the strings
        fake = (struct.pack("<HH", 0x0809, 16) + b"\0" * 16 + struct.pack("<HHHHHd", 0x0203, 14, 60000, 1, 15, 1.0)
                + struct.pack("<HH", 0x000A, 0))
        stream[sst + 12: sst + 12 + len(fake)] = fake
        first = next(p for p, t, _ in recs if t == 0x0085)
        struct.pack_into("<I", stream, first + 4, sst + 12)
    assert "quá lớn (có ô B60001" in read_book(_rewrite_stream(saved["xls"], change)).failure


def test_a_workbook_stream_without_sheets_is_damaged(saved):
    """A .xls always has a sheet: one whose sheet records are gone is damaged, not empty."""
    def change(stream):
        for pos, rtype, _size in _records(stream):
            if rtype == 0x0085:                               # BOUNDSHEET → an unknown record
                struct.pack_into("<H", stream, pos, 0x7FFF)
    book = _read(_rewrite_stream(saved["xls"], change))
    assert book.failure == DAMAGED["xls"] and not book.grids
