"""phu-luc-thanh-pho.xlsx: the city's appendices laid out exactly as their templates, issued
by the city, with the city's figures; what a figure lacks in its Ghi chú; signed; and,
rendered by LibreOffice, printed whole (the PDF's text holds the headings and figures,
and its first page is kept as a PNG for a person to look at)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from harvest.city_appendices import CITY_APPENDICES, UNITS_WITH
from harvest.citycsv import read_city_csv
from tests.conftest import TEST_KEY
from tests.hostile_env import harvest_cli
from tests.workbook_checks import identity_from_properties, identity_from_sheet, texts_match_layout
from xlsx_forms.identity import verify
from xlsx_forms.layout import form_layout

ARTEFACTS = Path(__file__).parent / "artefacts"   # rendered pages, for a person to look at


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


@pytest.mark.office
def test_the_city_appendices_render_whole_through_libreoffice(baseline, tmp_path, catalogue):
    from tests.office import convert
    pdf = convert([baseline / CITY_APPENDICES], tmp_path, "pdf")[0]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
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
