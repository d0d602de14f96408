"""The readers (``sheetio``) know nothing of cchc: the identity sheet and the prefix of the
document properties are the caller's to name. Read with cchc's marks a return is what the
harvest always read; read with other marks (or none) the same bytes give the same sheets,
and only what the marks select changes."""
from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

import pytest

from harvest.identify import MARKS
from sheetio.parts import custom_properties, ods_properties
from sheetio.reader import read_book
from sheetio.textnumber import text_number
from tests.hostile_env import template_of
from xlsx_forms.identity import IDENTITY_SHEET, PROPERTY_PREFIX

CP = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}property"
FORM_SHEET = "Phụ lục 1"


def _all_properties(data: bytes) -> dict[str, str]:
    """Every custom property of an .xlsx, read apart from the readers (the oracle)."""
    root = ElementTree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("docProps/custom.xml"))
    return {p.get("name"): (p[0].text or "").strip() for p in root.iter(CP)}


@pytest.mark.parametrize("identity_sheet,prefix", [
    (IDENTITY_SHEET, PROPERTY_PREFIX),     # as the harvest reads
    (None, ""),                            # no marks: every property, no identity sheet
    (None, PROPERTY_PREFIX),
    (IDENTITY_SHEET, ""),
    (None, PROPERTY_PREFIX + "form"),      # a longer prefix selects fewer
    (None, "khác_"),                       # a prefix nothing has
])
def test_the_marks_select_the_identity_and_the_properties(generated, identity_sheet, prefix):
    data = template_of(generated)
    book = read_book(data, identity_sheet=identity_sheet, property_prefix=prefix)
    assert not book.failure
    assert book.properties == {k[len(prefix):]: v for k, v in _all_properties(data).items() if k.startswith(prefix)}
    assert IDENTITY_SHEET in book.grids and FORM_SHEET in book.grids     # every sheet is read either way
    if identity_sheet is None:
        assert book.identity_sheet == {} and IDENTITY_SHEET in book.formulas
    else:
        assert book.identity_sheet["form"] == "PL1" and IDENTITY_SHEET not in book.formulas
    plain = read_book(data)
    assert {n: g._cells for n, g in book.grids.items()} == {n: g._cells for n, g in plain.grids.items()}


@pytest.mark.parametrize("identity_sheet,grids", [
    (IDENTITY_SHEET, {FORM_SHEET, IDENTITY_SHEET}),    # the identity sheet comes with the sheets asked for
    (None, {FORM_SHEET}),
])
def test_the_identity_sheet_is_read_besides_the_sheets_asked_for(generated, identity_sheet, grids):
    book = read_book(template_of(generated), {FORM_SHEET}, identity_sheet=identity_sheet)
    assert set(book.grids) == grids


def test_the_harvest_reads_with_cchcs_marks(generated):
    book = read_book(template_of(generated), **MARKS)
    assert book.properties["form"] == book.identity_sheet["form"] == "PL1"


def _meta(names: list[str]) -> bytes:
    props = "".join(f'<meta:user-defined meta:name="{n}">{i}</meta:user-defined>' for i, n in enumerate(names))
    return ('<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"><office:meta>'
            f"{props}</office:meta></office:document-meta>").encode()


def _custom(names: list[str]) -> bytes:
    props = "".join(f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i + 2}" name="{n}">'
                    f"<vt:lpwstr>{i}</vt:lpwstr></property>" for i, n in enumerate(names))
    return ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            f"{props}</Properties>").encode()


NAMES = ["cchc_form", "cchc_unit", "cchc", "khác", "CCHC_form", "xcchc_form"]


@pytest.mark.parametrize("read,part", [(ods_properties, _meta), (custom_properties, _custom)],
                         ids=["ods", "ooxml"])
@pytest.mark.parametrize("prefix,expected", [
    ("cchc_", {"form": "0", "unit": "1"}),          # case-sensitive, at the start only
    ("", {n: str(i) for i, n in enumerate(NAMES)}),
    ("cchc", {"_form": "0", "_unit": "1", "": "2"}),
    ("none_", {}),
])
def test_the_properties_kept_are_the_prefixs_with_it_removed(read, part, prefix, expected):
    assert read(part(NAMES), prefix) == expected


@pytest.mark.parametrize("text,expected", [
    ("1234", (1234.0, False)), ("1.234", (1234.0, False)), ("1.234.567", (1234567.0, False)),
    ("1 234", (1234.0, False)), ("1.234,5", (1234.5, False)), ("12,5", (12.5, False)),
    ("92.5", (92.5, False)), ("0.855", (0.855, False)), ("0,855", (0.855, False)),
    ("12.345", (12345.0, False)), ("1,234", (None, True)), ("1,234,567", (None, True)),
    ("01.234", (None, False)), ("1.23.4", (None, False)), ("abc", (None, False)), ("", (None, False)),
])
def test_a_number_typed_as_text_is_read_the_vietnamese_way(text, expected):
    assert text_number(text) == expected
