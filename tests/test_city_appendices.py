"""phu-luc-thanh-pho.xlsx: the city's appendices laid out exactly as their templates, issued
by the city, with the city's figures; what a figure lacks in its Ghi chú; signed; and,
rendered by LibreOffice, printed whole (the PDF's text holds the headings and figures,
and its first page is kept as a PNG for a person to look at)."""
from __future__ import annotations

import math
import shutil
import subprocess

import openpyxl
import pytest

from harvest.city_appendices import CITY_APPENDICES, UNITS_WITH
from harvest.citycsv import read_city_csv
from tests.conftest import TEST_KEY
from tests.hostile_env import harvest_cli
from tests.office import ARTEFACTS
from tests.workbook_checks import column_widths, identity_from_properties, identity_from_sheet, texts_match_layout
from xlsx_forms.identity import verify
from xlsx_forms.layout import form_layout


@pytest.fixture(scope="module")
def city_book(baseline):
    return openpyxl.load_workbook(baseline / CITY_APPENDICES)


def test_each_appendix_is_its_templates_layout_with_the_city_figures(city_book, baseline, catalogue, registry):
    figures = read_city_csv(baseline / "city.csv", catalogue)
    assert city_book.sheetnames == [form_layout(f).sheet_name for f in catalogue.forms.values()] + ["_cchc"]
    for form in catalogue.forms.values():
        layout = form_layout(form)
        ws = city_book[layout.sheet_name]
        # Every locked text of the template, but "1/0" of a row counted as units and the
        # footnote addressed to the units that fill the form.
        footnotes = {t.a1 for t in layout.texts if t.role == "footnote"}
        assert [a for a in texts_match_layout(ws, layout) if ws[a].value != UNITS_WITH and a not in footnotes] == [], \
            form.id
        assert all(not ws[a].value for a in footnotes)
        signature = [ws.cell(t.row + 1, t.col + 1).value for t in layout.texts if t.role.startswith("sig_")]
        assert "TM. ỦY BAN NHÂN DÂN" in signature and "THỦ TRƯỞNG ĐƠN VỊ" not in signature
        assert ws[layout.unit_name.a1].value == registry.issuer.upper()
        assert ws.protection.sheet
        for cell in layout.inputs:
            expected = figures[form.id][(cell.row_id, cell.period_id)].value
            got = ws[cell.a1].value
            assert got == pytest.approx(expected) if isinstance(expected, float) else got == expected, \
                (form.id, cell.a1)


def test_a_yes_no_row_says_it_counts_units(city_book, catalogue):
    form = catalogue.form("PL1")
    layout = form_layout(form)
    ws = city_book[layout.sheet_name]
    flag = next(r for r in form.input_rows if form.aggregate_of(r) == "count_true")
    first = layout.input_at(flag.id, form.periods[0].id)
    unit_cell = next(t for t in layout.texts if t.role == "unit" and t.row == first.row)
    assert ws[unit_cell.a1].value == UNITS_WITH


def test_it_is_signed_like_a_template(city_book):
    assert city_book["_cchc"].sheet_state == "veryHidden"
    identity = identity_from_sheet(city_book)
    assert identity == identity_from_properties(city_book) and verify(TEST_KEY, identity)


def test_a_missing_unit_is_named_in_the_rows_note(tmp_path, good_inbox, key_file, catalogue, registry):
    inbox = tmp_path / "in"
    shutil.copytree(good_inbox, inbox)
    gone = registry.unit("p-ngoc-ha")
    for f in (inbox / gone.code).iterdir():
        f.unlink()
    assert harvest_cli(inbox, tmp_path / "out", key_file).returncode == 0
    form = catalogue.form("PL1")
    layout = form_layout(form)
    ws = openpyxl.load_workbook(tmp_path / "out" / CITY_APPENDICES)[layout.sheet_name]
    notes = [ws[n.a1].value or "" for n in layout.notes]
    assert notes and all(gone.name in text for text in notes), notes


@pytest.fixture(scope="module")
def rendered(baseline, tmp_path_factory):
    """The city appendices through LibreOffice: the PDF and its text (pdftotext -layout)."""
    from tests.office import convert
    pdf = convert([baseline / CITY_APPENDICES], tmp_path_factory.mktemp("city-pdf"), "pdf")[0]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return pdf, text


@pytest.mark.office
def test_the_city_appendices_render_whole_through_libreoffice(rendered, catalogue):
    pdf, text = rendered
    pages = text.count("\f")
    # One form a page or two (PL3 and PL8 run longer), never a page of column fragments.
    assert len(catalogue.forms) <= pages <= 2 * len(catalogue.forms), pages
    flat = " ".join(text.split())
    for form in catalogue.forms.values():
        assert f"PHỤ LỤC {form.number}" in flat
    assert "Độc lập - Tự do - Hạnh phúc" in flat and "TM. ỦY BAN NHÂN DÂN" in flat
    assert "Kiểm tra" not in flat   # the live check is not printed
    ARTEFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf),
                    str(ARTEFACTS / "phu-luc-thanh-pho")], check=True)
    assert sorted(p.name for p in ARTEFACTS.glob("phu-luc-thanh-pho*.png"))


def _as_shown(value, number_format: str) -> str:
    """A figure as its cell's number format prints it (LibreOffice, en-US separators),
    for the formats the appendices use; independent of cchc's writer."""
    if isinstance(value, str):
        return value
    decimals = len(number_format.split(".", 1)[1].split('"')[0]) if "." in number_format else 0
    grouped = "#,##" in number_format
    text = f"{value:,.{decimals}f}" if grouped else f"{value:.{decimals}f}"
    return text + ("%" if number_format.endswith('"%"') else "")


@pytest.mark.office
def test_the_pdf_shows_the_city_figures_as_the_sheet_formats_them(rendered, baseline, city_book, catalogue):
    """Several city.csv figures of each appendix (the largest counts, with their
    thousands, a rate, a rating) are in the PDF's text as the sheet shows them."""
    _, text = rendered
    words = set(text.split())
    figures = read_city_csv(baseline / "city.csv", catalogue)
    checked = 0
    for form in catalogue.forms.values():
        layout = form_layout(form)
        ws = city_book[layout.sheet_name]
        cells = [(c, figures[form.id][(c.row_id, c.period_id)].value) for c in layout.inputs
                 if figures[form.id].get((c.row_id, c.period_id)) is not None]
        numbers = sorted((x for x in cells if isinstance(x[1], (int, float))), key=lambda x: -x[1])[:3]
        texts = [x for x in cells if isinstance(x[1], str) and " " not in x[1]][:2]
        for cell, value in numbers + texts:
            shown = _as_shown(value, ws[cell.a1].number_format)
            assert shown in words, (form.id, cell.a1, value, shown)
            checked += 1
    assert checked >= 2 * len(catalogue.forms)


LINE_POINTS = 12      # a line of 11-point text is at least this tall
CHARS_PER_UNIT = 1.2  # at most this many characters of 11-point text per unit of column width


def _width(ws, widths, cell) -> float:
    """The width a cell's text has: its merged range's columns, else its column's."""
    span = next((r for r in ws.merged_cells.ranges if cell.coordinate in r), None)
    cols = range(span.min_col, span.max_col + 1) if span else [cell.column]
    return sum(widths.get(c, 8.43) for c in cols), span


def _height(ws, span, row: int) -> float:
    rows = range(span.min_row, span.max_row + 1) if span else [row]
    return sum(ws.row_dimensions[r].height or 15 for r in rows)


def test_every_text_fits_its_column_or_wraps_in_a_row_tall_enough(city_book):
    """Independently of cchc's own estimate: a text on one line fits its column (or
    merged columns); a longer one wraps, and its row is tall enough for its lines."""
    cut = []
    for ws in city_book.worksheets:
        if ws.sheet_state != "visible":
            continue
        widths = column_widths(ws)
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or not cell.value.strip() or cell.data_type == "f":
                    continue   # (a formula is the live check, not printed: test_template_print)
                width, span = _width(ws, widths, cell)
                if span and cell.coordinate != span.start_cell.coordinate:
                    continue
                scale = (cell.font.sz or 11) / 11 * (1.1 if cell.font.b else 1.0)
                per_line = CHARS_PER_UNIT * width / scale
                lines = sum(max(1, math.ceil(len(part) / per_line)) for part in cell.value.split("\n"))
                if lines == 1:
                    continue
                height = _height(ws, span, cell.row)
                if not cell.alignment.wrap_text or height < lines * LINE_POINTS * scale:
                    cut.append((ws.title, cell.coordinate, cell.value[:40], lines, height, cell.alignment.wrap_text))
    assert not cut, cut[:10]
