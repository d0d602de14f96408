"""Generated workbooks through LibreOffice headless: filled and saved, recalculated, printed."""
from __future__ import annotations

import random
import subprocess

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from tests.conftest import TEST_KEY
from tests.office import convert
from tests.workbook_checks import identity_from_properties, identity_from_sheet, texts_match_layout
from xlsx_forms import rules
from xlsx_forms.identity import layout_fingerprint, verify
from xlsx_forms.layout import form_layout

pytestmark = pytest.mark.office


def _value(kind: str, rnd: random.Random):
    return {"count": lambda: rnd.randint(0, 40), "percent": lambda: round(rnd.uniform(0, 100), 1),
            "flag": lambda: rnd.randint(0, 1),
            "rating": lambda: rnd.choice(["Đạt", "Không đạt"])}[kind]()


def _fill(path, form, unit_code, out, seed):
    """Fill every editable input with random values (some rules break by chance)."""
    rnd = random.Random(seed)
    layout = form_layout(form)
    editable = {r.id for r in form.editable_rows(unit_code)}
    wb = openpyxl.load_workbook(path)
    ws = wb[layout.sheet_name]
    values = {}
    for cell in layout.inputs:
        if cell.row_id in editable:
            values[(cell.row_id, cell.period_id)] = ws[cell.a1] = _value(cell.kind, rnd)
    for note in layout.notes[:1]:
        ws[note.a1] = "Số liệu năm 2020 là ước tính"
    ws[layout.preparer[0].a1] = "Nguyễn Thị Hà"
    wb.save(out)
    return values


@pytest.fixture(scope="module")
def through_libreoffice(generated, catalogue, tmp_path_factory):
    """Every generated workbook, filled with openpyxl, then saved by LibreOffice as .xlsx."""
    out_dir, files = generated
    tmp = tmp_path_factory.mktemp("lo")
    filled, expected = [], {}
    for i, g in enumerate(files):
        src = tmp / f"{g.form}_{g.unit.code}.xlsx"
        expected[g.path] = _fill(out_dir / g.path, catalogue.form(g.form), g.unit.code, src, seed=i)
        filled.append(src)
    saved = convert(filled, tmp / "saved", "xlsx", tmp / "profile")
    return [(g, expected[g.path], path) for g, path in zip(files, saved, strict=True)]


def test_identity_survives_a_libreoffice_save(through_libreoffice, catalogue):
    for g, _values, path in through_libreoffice:
        wb = openpyxl.load_workbook(path)
        layout = form_layout(catalogue.form(g.form))
        # LibreOffice turns "very hidden" into "hidden": still hidden, identity intact.
        assert wb["_cchc"].sheet_state in ("hidden", "veryHidden")
        for identity in (identity_from_sheet(wb), identity_from_properties(wb)):
            assert identity == g.identity and verify(TEST_KEY, identity)
        ws = wb[layout.sheet_name]
        assert texts_match_layout(ws, layout) == []
        assert layout_fingerprint(layout) == g.identity.fingerprint
        assert ws.protection.sheet


def _validations(ws) -> dict[str, tuple]:
    """A1 → what the cell's data validation checks (type, operator, bounds, error stop)."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        # An operator means something for bounds only, a second bound only between two
        # (LibreOffice writes "between" and a 0 where they mean nothing).
        operator = None if dv.type == "list" else dv.operator or "between"
        second = _bound(dv.formula2) if operator in ("between", "notBetween") else None
        rule = (dv.type, operator, _bound(dv.formula1), second, dv.errorStyle or "stop")
        for rng in dv.sqref.ranges:
            for row, col in rng.cells:
                out[f"{get_column_letter(col)}{row}"] = rule
    return out


def _bound(formula):
    """A validation bound as a value: LibreOffice may write 100 where XlsxWriter wrote 100.0."""
    if formula is None:
        return None
    try:
        return float(formula)
    except ValueError:
        return formula


# The validation type each input kind must have, as the office suites store it.
KIND_TYPE = {"count": "whole", "percent": "decimal", "flag": "whole", "rating": "list"}


def test_values_and_validations_survive(through_libreoffice, generated, catalogue):
    out_dir, _ = generated
    for g, values, path in through_libreoffice:
        form = catalogue.form(g.form)
        layout = form_layout(form)
        ws = openpyxl.load_workbook(path)[layout.sheet_name]
        for (row_id, period), value in values.items():
            got = ws[layout.input_at(row_id, period).a1]
            assert got.value == pytest.approx(value) if not isinstance(value, str) else got.value == value
            assert not got.protection.locked
        # Each input cell's own validation, as generated, after the LibreOffice save.
        before = _validations(openpyxl.load_workbook(out_dir / g.path)[layout.sheet_name])
        after = _validations(ws)
        editable = {r.id for r in form.editable_rows(g.unit.code)}
        inputs = [c for c in layout.inputs if c.row_id in editable]
        assert inputs
        for cell in inputs:
            assert before.get(cell.a1, (None,))[0] == KIND_TYPE[cell.kind], (g.path, cell.a1)
            assert after.get(cell.a1) == before[cell.a1], (g.path, cell.a1)
            if cell.kind == "rating":
                assert after[cell.a1][2] == '"Đạt,Không đạt"'
        assert ws[layout.notes[0].a1].value == "Số liệu năm 2020 là ước tính"


def test_live_checks_recalculated_by_libreoffice_agree_with_the_rules(through_libreoffice, catalogue):
    checked = broken = 0
    for g, values, path in through_libreoffice:
        form = catalogue.form(g.form)
        ws = openpyxl.load_workbook(path, data_only=True)[form_layout(form).sheet_name]
        for st in form_layout(form).statuses:
            expected = rules.status_value(st.checks, lambda r, p, values=values: values.get((r, p)))
            assert ws.cell(st.row + 1, st.col + 1).value == expected, (g.path, st.row)
            checked += 1
            broken += expected != rules.CHECK_OK
    assert checked > 20 and broken > 5  # the random fills did break rules


def test_pdf_rendering_one_page_wide_with_everything(generated, catalogue, tmp_path):
    out_dir, files = generated
    firsts = {}
    for g in files:
        firsts.setdefault(g.form, g)
    pdfs = convert([out_dir / g.path for g in firsts.values()], tmp_path, "pdf", tmp_path / "profile")
    for form_id, pdf in zip(firsts, pdfs, strict=True):
        form = catalogue.form(form_id)
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        size = next(line for line in info.splitlines() if line.startswith("Page size:"))
        width, height = (float(x) for x in size.split()[2:5:2])
        assert "(A4)" in size and width > height  # A4 landscape
        page1 = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"],
                               capture_output=True, text=True, check=True).stdout
        assert f"PHỤ LỤC {form.number}" in page1
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page1
        layout = form_layout(form)
        # The first and last printed columns on the same page; the live check is not printed.
        headers = [x.text for x in layout.texts if x.role == "header" and x.col < layout.printed_cols]
        flat1 = "".join(page1.split())
        for needle in (headers[0], headers[-1]):
            assert "".join(needle.split()) in flat1, needle
        assert "Kiểmtra" not in flat1
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        # pdftotext splits some Vietnamese words by glyph position ("c ủa") and
        # interleaves the lines of neighbouring wrapped cells: compare word by word,
        # without white space.
        flat = "".join(text.split())
        for needle in (form.rows[-1].label, form.rows[0].label, "NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ"):
            assert all(word in flat for word in needle.split()), needle
