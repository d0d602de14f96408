"""Every byte a parser sees is bounded first, whatever the spelling (issue 9, classes 1, 2
and 10): cell references written any legal way, parts under any name, bombs in any part
the workbook references, DTDs in any part or encoding, pathological inputs in linear time,
damaged cells and error values named by cell. Each variant is generated from a template."""
from __future__ import annotations

import io
import re
import time
import zipfile

import pytest

from sheetio.cells import DamagedCell, DateNumber, ErrorValue, format_kind
from sheetio.reader import read_book
from tests import hostile

SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(scope="module")
def template(generated) -> bytes:
    out_dir, files = generated
    return (out_dir / next(g.path for g in files if g.form == "PL1" and g.unit.code == "p-tran-phu")).read_bytes()


def _part(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


_with_row = hostile.with_row
FAR_CELLS = hostile.FAR_CELLS


@pytest.mark.parametrize("spelling", list(FAR_CELLS))
def test_a_far_cell_is_refused_however_it_is_written(template, spelling):
    book = read_book(_with_row(template, FAR_CELLS[spelling]))
    assert "quá lớn" in book.failure and not book.grids


@pytest.mark.parametrize("ref", ["1A", "A0", "AAAA1", "A12345678", "", "A-1", "Ａ1"])
def test_a_reference_that_names_no_cell_is_refused(template, ref):
    book = read_book(_with_row(template, f'<row r="40"><c r="{ref}"><v>1</v></c></row>'))
    assert "tham chiếu ô không hợp lệ" in book.failure


def test_far_empty_cells_cost_nothing(template):
    """Formatting far away (an empty styled cell) is not content: the file is read."""
    book = read_book(_with_row(template, '<row r="1000000"><c r="XFD1000000" s="1"/></row>'))
    assert not book.failure and "Phụ lục 1" in book.grids


# Parts the reader needs: a bomb in any of them is refused before it expands.
BOMB_PARTS = ["xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
              "_rels/.rels", "docProps/core.xml", "docProps/custom.xml", "xl/worksheets/sheet3.xml"]


@pytest.mark.parametrize("member", BOMB_PARTS)
def test_a_bomb_in_any_part_read_is_refused(template, member):
    book = read_book(hostile.zip_bomb(0.25, template, member))
    assert "bom nén" in book.failure


@pytest.mark.parametrize("new_name", ["xl/worksheets/data.bin", "xl/worksheets/SHEET1.XML", "xl/x/y/z"])
def test_a_sheet_part_under_any_name_is_bounded(template, new_name):
    assert "bom nén" in read_book(hostile.zip_bomb(0.25, template, SHEET, rename=new_name)).failure
    renamed = hostile.zip_bomb(0.0, template, SHEET, rename=new_name)
    book = read_book(renamed)                         # and read normally when sound
    assert not book.failure and book.grids["Phụ lục 1"].value(0, 0) == read_book(template).grids[
        "Phụ lục 1"].value(0, 0)


@pytest.mark.parametrize("member", ["xl/theme/theme1.xml", "docProps/app.xml"])
def test_parts_no_reader_needs_are_never_expanded(template, member):
    book = read_book(hostile.zip_bomb(1.0, template, member))
    assert not book.failure


def _doctype(xml: bytes, encoding: str) -> bytes:
    text = xml.decode("utf-8")
    text = re.sub(r"^<\?xml[^>]*\?>", "", text)
    root = re.search(r"<(\w+:)?\w+", text).group(0)[1:]
    body = f'<?xml version="1.0" encoding="{encoding}"?><!DOCTYPE {root} [<!ENTITY e "x">]>{text}'
    return body.encode(encoding)


@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/workbook.xml",
                                    "_rels/.rels", "xl/_rels/workbook.xml.rels", "docProps/custom.xml"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_dtd_in_any_part_and_encoding_is_refused(template, member, encoding):
    bad = hostile._rezip(template, {member: _doctype(_part(template, member), encoding)})
    assert "DTD/thực thể XML" in read_book(bad).failure


def test_pathological_markup_is_read_in_linear_time(template):
    """What made the old pre-parse regexes backtrack (14 KB took 283 s): unclosed tags,
    attribute runs, a cell tag with thousands of attributes. Well under a second now,
    and the same for a 100× larger input."""
    for n in (14_000, 1_400_000):
        junk = "".join(f' a{i}="r=&quot;A1&quot;"' for i in range(n // 16))
        row = f'<row r="40"><c{junk} r="C40"><v>1</v></c></row>'
        data = _with_row(template, row)
        start = time.perf_counter()
        book = read_book(data)
        assert not book.failure
        assert time.perf_counter() - start < (1.0 if n < 100_000 else 5.0)


def test_damaged_cells_and_error_values_are_named(template):
    data = _with_row(template, '<row r="12"><c r="D12"><v>abc</v></c><c r="E12" t="e"><v>#DIV/0!</v></c>'
                               '<c r="F12" t="s"><v>999999</v></c><c r="G12"><v>NaN</v></c></row>')
    grid = read_book(data).grids["Phụ lục 1"]
    assert isinstance(grid.value(11, 3), DamagedCell) and grid.value(11, 3) == "abc"
    assert grid.value(11, 4) == ErrorValue("#DIV/0!")
    assert isinstance(grid.value(11, 5), DamagedCell) and isinstance(grid.value(11, 6), DamagedCell)


@pytest.mark.parametrize("code, kind", [
    ("0%", "percent"), ("0.00%", "percent"), ('"%"0', ""), ("0\\%", ""), ("[Red]0.0%", "percent"),
    ("dd/mm/yyyy", "date"), ("[h]:mm", "date"), ("h:mm AM/PM", "date"), ("0.00E+00", ""), ("#,##0", ""),
    ('"Ngày "0', ""), ("[$-42A]General", ""), ("0;[Red]-0%", ""), ("General", ""), ("@", ""),
])
def test_format_kinds(code, kind):
    assert format_kind(code) == kind


def test_date_formatted_numbers_keep_their_number(template):
    xml = _part(template, "xl/styles.xml")
    count = int(re.search(rb'<cellXfs count="(\d+)"', xml).group(1))
    styles = xml.replace(b"</cellXfs>", b'<xf numFmtId="14" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>'
                                        b"</cellXfs>").replace(f'<cellXfs count="{count}"'.encode(),
                                                               f'<cellXfs count="{count + 1}"'.encode())
    data = _with_row(hostile._rezip(template, {"xl/styles.xml": styles}),
                     f'<row r="12"><c r="D12" s="{count}"><v>45.5</v></c></row>')
    value = read_book(data).grids["Phụ lục 1"].value(11, 3)
    assert isinstance(value, DateNumber) and value == 45.5


def test_cell_markers_survive_pickling():
    """Results travel between worker processes: what a cell was read as must survive."""
    import pickle
    for value in (DamagedCell("abc", "không phải số"), ErrorValue("#N/A"), DateNumber(45.5)):
        back = pickle.loads(pickle.dumps(value))
        assert type(back) is type(value) and back == value
        assert getattr(back, "reason", None) == getattr(value, "reason", None)
