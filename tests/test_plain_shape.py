"""The plain-shape shortcut (sheetio.xlsx_plain) against the expat reader it stands in for.

Each variant below is one spelling of a returned form sheet or shared string table that
some client, or an adversary, could write. For every one, the book read with the shortcut
must equal, cell for cell and type for type, the book read by expat alone; and the
shortcut must really be taken where the shape is plain (else it is dead code and the
speed-up is gone) and refused where it is not.
"""
from __future__ import annotations

import io
import zipfile

import pytest

from harvest.identify import MARKS as AS_HARVESTED
from harvest.process import form_sheets
from sheetio import reader, xlsx_plain, xlsx_read, xmlsafe
from tests.hostile import FAR_CELLS, billion_laughs, with_row, xxe

SHEET = "xl/worksheets/sheet1.xml"
SST = "xl/sharedStrings.xml"
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _ns(body: bytes) -> list:
    """The namespace declarations of a part, as Package.check reports them."""
    found: list = []
    xmlsafe.parse(body, namespaces=found)
    return found


def _part(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def _rezip(data: bytes, name: str, body: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, body if info.filename == name else src.read(info.filename))
    return out.getvalue()


def _read(data: bytes, catalogue, *, shortcut: bool, monkeypatch) -> reader.Book:
    with monkeypatch.context() as m:
        if not shortcut:
            m.setattr(xlsx_read, "_plain_sheet", lambda *a: None)
            m.setattr(xlsx_plain, "plain_strings", lambda *a: None)
        return reader.read_book(data, form_sheets(catalogue), **AS_HARVESTED)


def _typed(book: reader.Book) -> dict:
    """Everything the harvest uses of a book, each value with its type (and a damaged
    cell's reason), so that 1 and 1.0, or a text and an error value, differ."""
    grids = {name: {k: (type(v).__name__, repr(v), getattr(v, "reason", None)) for k, v in g._cells.items()}
             for name, g in book.grids.items()}
    return {"grids": grids, "formulas": book.formulas, "percent": book.percent, "protected": book.protected,
            "failure": book.failure, "names": book.sheet_names, "identity": book.identity_sheet,
            "properties": book.properties}


def _taken(data: bytes) -> bool:
    """Whether the form sheet of ``data`` is read by the shortcut."""
    from sheetio.package import Package
    pkg = Package(data)
    strings = xlsx_read.shared_strings(pkg, SST)
    kinds = xlsx_read.cell_format_kinds(pkg, "xl/styles.xml")
    return xlsx_read._plain_sheet(pkg, SHEET, "x", strings, kinds) is not None


def _same_both_ways(data: bytes, catalogue, monkeypatch) -> dict:
    fast = _typed(_read(data, catalogue, shortcut=True, monkeypatch=monkeypatch))
    slow = _typed(_read(data, catalogue, shortcut=False, monkeypatch=monkeypatch))
    assert fast == slow
    return fast


# Rewrites of the form sheet that keep it plain: the shortcut must read each.
PLAIN = {
    "as generated": lambda x: x,
    "no declaration": lambda x: x[x.index(b"?>") + 2:],
    "BOM": lambda x: b"\xef\xbb\xbf" + x,
    "lower-case refs": lambda x: x.replace(b'<c r="D', b'<c r="d'),
    "dollar refs": lambda x: x.replace(b'<c r="B1', b'<c r="$B$1'),
    "entity in a value": lambda x: x.replace(b"</sheetData>", b'<row r="90"><c r="A90" t="str"><v>a &amp; b &lt;c&gt;'
                                             b"</v></c></row></sheetData>"),
    "shared formula": lambda x: x.replace(b"</sheetData>", b'<row r="91"><c r="A91"><f t="shared" ref="A91:B91" '
                                          b'si="0">1+1</f><v>2</v></c><c r="B91"><f t="shared" si="0"/>'
                                          b"<v>2</v></c></row></sheetData>"),
    "rows without r": lambda x: x.replace(b'<row r="', b'<row data-h="15" data-r="'),
    "protection off": lambda x: x.replace(b'sheet="1"', b'sheet="0"'),
    "error and boolean": lambda x: x.replace(b"</sheetData>", b'<row r="92"><c r="A92" t="e"><v>#DIV/0!</v></c>'
                                             b'<c r="B92" t="b"><v>1</v></c><c r="C92"/></row></sheetData>'),
}

# Rewrites the shortcut must leave to expat (each one a reason in xlsx_plain's docstring).
NOT_PLAIN = {
    "character reference": lambda x: x.replace(b"</sheetData>", b'<row r="90"><c r="A90" t="str"><v>&#65;</v></c>'
                                               b"</row></sheetData>"),
    "comment": lambda x: x.replace(b"<sheetData>", b'<sheetData><!-- <c r="A1"><v>9</v></c> -->'),
    "CDATA": lambda x: x.replace(b"</sheetData>", b'<row r="90"><c r="A90" t="str"><v><![CDATA[<c r="A1">]]>'
                                 b"</v></c></row></sheetData>"),
    "processing instruction": lambda x: x.replace(b"<sheetData>", b"<sheetData><?pi x?>"),
    "carriage return": lambda x: x.replace(b"</sheetData>", b'<row r="90"><c r="A90" t="str"><v>a\r\nb</v></c>'
                                           b"</row></sheetData>"),
    "second default namespace": lambda x: x.replace(b"</sheetData>", b'<row r="90"><c r="A90"><v>5</v></c></row>'
                                                    b'</sheetData><extLst xmlns="urn:other"><c r="A1"><v>9</v></c>'
                                                    b"</extLst>"),
    "main namespace under a prefix": lambda x: x.replace(b"</sheetData>", b'<x:row xmlns:x="' + MAIN + b'" r="90">'
                                                         b'<x:c r="A90"><x:v>5</x:v></x:c></x:row></sheetData>'),
    "attribute order": lambda x: x.replace(b'<c r="A1" s="', b'<c s="1" r="A1" data-s="'),
    "single quotes": lambda x: x.replace(b'<c r="A1"', b"<c r='A1'"),
    "inline string": lambda x: x.replace(b"</sheetData>", b'<row r="90"><c r="A90" t="inlineStr"><is><t>x</t></is>'
                                         b"</c></row></sheetData>"),
    "cell without r": lambda x: x.replace(b"</sheetData>", b'<row r="90"><c><v>5</v></c></row></sheetData>'),
    "bad row number": lambda x: x.replace(b'<row r="1"', b'<row r="0"'),
    "row number not first": lambda x: x.replace(b'<row r="1" spans="1:11"', b'<row spans="1:11" r="1x"', 1),
    "whitespace in a cell": lambda x: x.replace(b"<v>", b"\n<v>", 1),
    "two values": lambda x: x.replace(b"</sheetData>", b'<row r="90"><c r="A90"><v>1</v><v>2</v></c></row>'
                                      b"</sheetData>"),
    "latin-1 declared": lambda x: x.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
    "strict namespace": lambda x: x.replace(MAIN, b"http://purl.oclc.org/ooxml/spreadsheetml/main"),
    "protection spelled oddly": lambda x: x.replace(b"<sheetProtection ", b"<sheetProtection\tx='1' "),
}


@pytest.mark.parametrize("name", list(PLAIN))
def test_plain_variants_are_read_by_the_shortcut_as_expat_reads_them(name, filled_pl1, catalogue, monkeypatch):
    data = _rezip(filled_pl1, SHEET, PLAIN[name](_part(filled_pl1, SHEET)))
    assert _taken(data)
    _same_both_ways(data, catalogue, monkeypatch)


@pytest.mark.parametrize("name", list(NOT_PLAIN))
def test_other_spellings_are_left_to_expat_with_the_same_result(name, filled_pl1, catalogue, monkeypatch):
    body = NOT_PLAIN[name](_part(filled_pl1, SHEET))
    assert body != _part(filled_pl1, SHEET), "the variant must change the sheet"
    data = _rezip(filled_pl1, SHEET, body)
    if "DTD" not in _typed(reader.read_book(data, **AS_HARVESTED))["failure"]:
        assert not _taken(data)
    _same_both_ways(data, catalogue, monkeypatch)


@pytest.mark.parametrize("name", list(FAR_CELLS))
def test_far_cells_of_every_spelling_agree(name, filled_pl1, catalogue, monkeypatch):
    book = _same_both_ways(with_row(filled_pl1, FAR_CELLS[name]), catalogue, monkeypatch)
    assert book["failure"], "a cell beyond the bounds refuses the file either way"


@pytest.mark.parametrize("maker", [xxe, billion_laughs])
def test_a_dtd_is_refused_before_the_shortcut_looks(maker, filled_pl1, catalogue, monkeypatch):
    book = _same_both_ways(maker(filled_pl1), catalogue, monkeypatch)
    assert "DTD" in book["failure"]


STRINGS = {
    "plain": (lambda x: x, True),
    "entities": (lambda x: x.replace(b"<t>", b"<t>&amp;&lt;&gt;&quot;&apos;", 1), True),
    "escape": (lambda x: x.replace(b"<t>", b"<t>_x0041_", 1), True),
    "rich text": (lambda x: x.replace(b"<si><t>", b"<si><r><t>a</t></r><t>", 1), False),
    "phonetic run": (lambda x: x.replace(b"</t></si>", b"</t><rPh sb=\"0\" eb=\"1\"><t>fu</t></rPh></si>", 1), False),
    "character reference": (lambda x: x.replace(b"<t>", b"<t>&#7888;", 1), False),
}


@pytest.mark.parametrize("name", list(STRINGS))
def test_shared_strings_agree(name, filled_pl1, catalogue, monkeypatch):
    change, plain = STRINGS[name]
    body = change(_part(filled_pl1, SST))
    assert (xlsx_plain.plain_strings(body, _ns(body)) is not None) is plain
    _same_both_ways(_rezip(filled_pl1, SST, body), catalogue, monkeypatch)


def test_every_generated_template_is_plain_and_read_alike(generated, catalogue, monkeypatch):
    """Every template cchc writes (all forms) takes the shortcut, with the expat result."""
    _out, files = generated
    for g in files:
        data = (_out / g.rel).read_bytes()
        assert _taken(data), g.rel
        _same_both_ways(data, catalogue, monkeypatch)


def test_the_markup_budget_counts_a_part_once(filled_pl1):
    """The shortcut parses a part with expat before reading it; a file's markup budget
    counts each part once for the check and the read after it, and every other parse again
    (a sheet listed many times in a workbook costs each time)."""
    from sheetio.package import Package
    pkg = Package(filled_pl1)
    pkg.check(SHEET)
    once = pkg._markup
    pkg.parse(SHEET, lambda *a: None)
    assert pkg._markup == once == _part(filled_pl1, SHEET).count(b"<")
    pkg.parse(SHEET, lambda *a: None)
    assert pkg._markup == 2 * once
