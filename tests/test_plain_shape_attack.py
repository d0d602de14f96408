"""Adversarial review of the plain-shape shortcut (sheetio.xlsx_plain): inputs on which the
shortcut and the expat reader disagree, the markup budget it weakened, and crashes of the
reader on spellings neither path guards.

Each test states what the expat reader (the reference) returns. The tests compare the two
readers exactly as tests/test_plain_shape.py does (the shortcut disabled by monkeypatch),
and, where the change altered what the product itself returns, against main's behaviour.
"""
from __future__ import annotations

import io
import time
import zipfile

import pytest

from harvest.identify import MARKS as AS_HARVESTED
from harvest.process import form_sheets
from sheetio import reader
from tests import strict_reader
from tests.test_plain_shape import MAIN, SHEET, SST, _part, _read, _rezip, _typed

STYLES = "xl/styles.xml"
# The main namespace spelled with a character reference: the same URI for expat, another
# byte string for xlsx_plain's ``body.count(MAIN_NS) != 1``.
MAIN_BY_REF = b"http://schemas.openxmlformats.org/spreadsheetml/2006/m&#97;in"
STRICT_BY_REF = b"http://purl.oclc.org/ooxml/spreadsheetml/m&#97;in"
ROOT = b'<worksheet xmlns="' + MAIN + b'"'
SST_ROOT = b'<sst xmlns="' + MAIN + b'"'


def _both(data: bytes, catalogue, monkeypatch) -> tuple[dict, dict]:
    fast = _typed(_read(data, catalogue, shortcut=True, monkeypatch=monkeypatch))
    slow = _typed(_read(data, catalogue, shortcut=False, monkeypatch=monkeypatch))
    return fast, slow


def _sheet(filled_pl1: bytes, change) -> bytes:
    return _rezip(filled_pl1, SHEET, change(_part(filled_pl1, SHEET)))


# --- 1. The main namespace declared only inside another attribute's value -----------------
# `_plain_document` looks for the bytes ' xmlns="<main>"' anywhere before the root's first
# ">", so the text of an attribute value passes for a declaration. Expat sees no namespace
# at all: no element is a spreadsheet element, the expat reader reads no cell; the shortcut
# reads every cell.

def test_main_namespace_only_inside_an_attribute_value(filled_pl1, catalogue, monkeypatch):
    # <worksheet a=' xmlns="…/main"' xmlns:r="…"> … <c r="A1" s="1" t="s"><v>0</v></c> …
    data = _sheet(filled_pl1, lambda x: x.replace(ROOT, b"<worksheet a=' xmlns=\"" + MAIN + b"\"'"))
    fast, slow = _both(data, catalogue, monkeypatch)
    assert slow["grids"]["Phụ lục 1"] == {}, "expat: no element is in the main namespace"
    assert fast == slow


def test_shared_strings_with_the_namespace_only_inside_an_attribute_value(filled_pl1, catalogue, monkeypatch):
    # <sst a=' xmlns="…/main"'><si><t>…</t></si>…: expat: no string; shortcut: all of them.
    data = _rezip(filled_pl1, SST, _part(filled_pl1, SST).replace(SST_ROOT, b"<sst a=' xmlns=\"" + MAIN + b"\"'"))
    fast, slow = _both(data, catalogue, monkeypatch)
    assert fast == slow


# --- 2. A prefix bound to the main (or strict) namespace with a character reference --------
# The URI is compared by bytes (`body.count(MAIN_NS) != 1`, `body.find(STRICT_NS)`), but expat
# resolves "&#97;" in the declaration: <x:c> is a main-namespace cell the shortcut never
# counts (`_STARTS` sees unprefixed tags only).

@pytest.mark.parametrize("uri", [MAIN_BY_REF, STRICT_BY_REF], ids=["main", "strict"])
def test_prefixed_cell_bound_by_character_reference(uri, filled_pl1, catalogue, monkeypatch):
    # <worksheet xmlns="…/main" xmlns:x="…/m&#97;in" …> … <x:row r="90"><x:c r="C10"><x:v>999</x:v></x:c></x:row>
    data = _sheet(filled_pl1, lambda x: x.replace(ROOT, ROOT + b' xmlns:x="' + uri + b'"').replace(
        b"</sheetData>", b'<x:row r="90"><x:c r="C10"><x:v>999</x:v></x:c></x:row></sheetData>'))
    fast, slow = _both(data, catalogue, monkeypatch)
    assert slow["grids"]["Phụ lục 1"][(9, 2)][1] == "999.0", "expat: the later C10 wins"
    assert fast == slow


def test_prefix_declared_on_an_inner_element(filled_pl1, catalogue, monkeypatch):
    # …<x:row xmlns:x="…/m&#97;in" r="90"><x:c r="A90"><x:v>5</x:v></x:c></x:row></sheetData>
    data = _sheet(filled_pl1, lambda x: x.replace(b"</sheetData>", b'<x:row xmlns:x="' + MAIN_BY_REF + b'" r="90">'
                                              b'<x:c r="A90"><x:v>5</x:v></x:c></x:row></sheetData>'))
    fast, slow = _both(data, catalogue, monkeypatch)
    assert (89, 0) in slow["grids"]["Phụ lục 1"]
    assert fast == slow


def test_prefixed_sheet_protection_bound_by_character_reference(filled_pl1, catalogue, monkeypatch):
    # a last <x:sheetProtection sheet="0"/>: expat says unprotected, the shortcut protected
    data = _sheet(filled_pl1, lambda x: x.replace(ROOT, ROOT + b' xmlns:x="' + MAIN_BY_REF + b'"').replace(
        b"</worksheet>", b'<x:sheetProtection sheet="0"/></worksheet>'))
    fast, slow = _both(data, catalogue, monkeypatch)
    assert slow["protected"] == {"Phụ lục 1": False}
    assert fast == slow


def test_prefixed_shared_string_bound_by_character_reference(filled_pl1, catalogue, monkeypatch):
    # <x:si><x:t>EVIL</x:t></x:si> first: expat shifts every index by one, the shortcut does not.
    body = _part(filled_pl1, SST).replace(SST_ROOT, SST_ROOT + b' xmlns:x="' + MAIN_BY_REF + b'"').replace(
        b"<si>", b"<x:si><x:t>EVIL</x:t></x:si><si>", 1)
    fast, slow = _both(_rezip(filled_pl1, SST, body), catalogue, monkeypatch)
    assert fast == slow


# --- 3. The failure message: expat's check parse now runs before the cell errors ------------
# `_plain_sheet` parses the whole part first, so a file with an invalid reference (or row
# number, or a cell beyond the bounds) early and malformed XML later now fails with
# "XML sai cấu trúc …"; the expat reader (and main) fail at the cell, with its message.

LATE_MALFORMED = {
    "invalid reference": b'<row r="1"><c r="1A"><v>1</v></c></row>',
    "invalid row number": b'<row r="0"/>',
    "cell beyond the bounds": b'<row r="1"><c r="A6000"><v>1</v></c></row>',
}


@pytest.mark.parametrize("name", list(LATE_MALFORMED))
def test_failure_message_when_the_xml_is_malformed_after_a_cell_error(name, filled_pl1, catalogue, monkeypatch):
    data = _sheet(filled_pl1, lambda x: x.replace(b"<sheetData>", b"<sheetData>" + LATE_MALFORMED[name])
                  .replace(b"</worksheet>", b"</worksheet><x>"))
    fast, slow = _both(data, catalogue, monkeypatch)
    assert "XML sai" not in slow["failure"]
    assert fast["failure"] == slow["failure"]


# --- 4. The markup budget, counted once per part name, no longer bounds the work -----------
# A workbook may list one sheet name many times, every entry pointing at the same part:
# `_read_xlsx` reads the part once per entry (twice with expat when it is not plain), but
# `Package._count` now counts it once. On main the second read exceeds the budget and the
# file is refused at once; here a 7 KB file with 2,000 entries costs about a minute of CPU.

def _repeated_sheet(entries: int, markup: int) -> bytes:
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rel_ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    sheet = (f'<worksheet xmlns="{MAIN.decode()}"><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
             + "<x/>" * markup + "</worksheet>")
    listed = "".join(f'<sheet name="Phụ lục 1" sheetId="{i + 1}" r:id="rId1"/>' for i in range(entries))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("_rels/.rels", f'<Relationships xmlns="{rel_ns}"><Relationship Id="rId1" '
                                  f'Type="{r}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN.decode()}" xmlns:r="{r}"><sheets>{listed}'
                                      "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{rel_ns}"><Relationship Id="rId1" '
                                                 f'Type="{r}/worksheet" Target="worksheets/sheet1.xml"/>'
                                                 "</Relationships>")
        z.writestr(SHEET, sheet)
    return out.getvalue()


def test_a_part_read_for_many_sheet_entries_counts_each_read():
    data = _repeated_sheet(entries=60, markup=140_000)
    start = time.process_time()
    book = reader.read_book(data, {"Phụ lục 1"})
    spent = time.process_time() - start
    assert "quá nhiều thẻ XML" in book.failure, f"read {len(data)} bytes in {spent:.1f} s CPU without refusal"


# --- 5. Crashes: int() of a digit string Python refuses (both readers, before this change) --
# str.isdigit() is true for "²" (int() refuses it) and for 5,000 ASCII digits (int() refuses
# more than 4,300): a ValueError escapes read_book, which is neither damage nor a refusal.

HUGE = b"1" * 5000


@pytest.mark.parametrize("part_name,change", [
    (SHEET, lambda x: x.replace(b"</sheetData>", b'<row r="90"><c r="A90" s="\xc2\xb2"><v>1</v></c></row>'
                                b"</sheetData>")),
    (SHEET, lambda x: x.replace(b"</sheetData>", b'<row r="90"><c r="A90" s="' + HUGE + b'"><v>1</v></c></row>'
                                b"</sheetData>")),
    (SHEET, lambda x: x.replace(b"</sheetData>", b'<row r="90"><c r="A90" t="s"><v>' + HUGE + b"</v></c></row>"
                                b"</sheetData>")),
    (STYLES, lambda x: x.replace(b'<numFmt numFmtId="164"', b'<numFmt numFmtId="\xc2\xb2"', 1)),
    (STYLES, lambda x: x.replace(b'<numFmt numFmtId="164"', b'<numFmt numFmtId="' + HUGE + b'"', 1)),
    (STYLES, lambda x: x.replace(b'<xf numFmtId="0"', b'<xf numFmtId="\xc2\xb2"', 2)),
], ids=["s superscript", "s 5000 digits", "t=s index 5000 digits", "numFmtId superscript",
        "numFmtId 5000 digits", "xf numFmtId superscript"])
def test_digit_strings_int_refuses_do_not_crash_the_reader(part_name, change, filled_pl1, catalogue):
    body = change(_part(filled_pl1, part_name))
    assert body != _part(filled_pl1, part_name)
    data = _rezip(filled_pl1, part_name, body)
    with strict_reader.watched() as seen:
        try:
            reader.read_book(data, form_sheets(catalogue), **AS_HARVESTED)
        except ValueError as exc:
            pytest.fail(f"read_book raised {exc!r}")
    assert not strict_reader.unexpected(seen)
