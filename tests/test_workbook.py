"""Generated workbooks read back with openpyxl: rows, locking, validation, identity, print."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import range_boundaries

from sheetio.cells import a1
from tests.conftest import FIXED_TIME, TEST_KEY
from tests.specedit import spec_dir_with
from tests.workbook_checks import identity_from_properties, identity_from_sheet, texts_match_layout
from xlsx_forms.identity import verify
from xlsx_forms.layout import form_layout
from xlsx_forms.spec_loader import load_catalogue
from xlsx_forms.writer import build_workbook

GOLDEN = Path(__file__).parent / "golden" / "fingerprints.json"
FINGERPRINTS_SCRIPT = Path(__file__).parents[1] / "scripts" / "update_fingerprints.py"
_spec = importlib.util.spec_from_file_location("update_fingerprints", FINGERPRINTS_SCRIPT)
FINGERPRINTS = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(FINGERPRINTS)
VALIDATION = {  # kind -> (openpyxl type, operator, formula1, formula2); "between" is implicit
    "count": ("whole", "greaterThanOrEqual", "0", None),
    "percent": ("decimal", None, "0", "100"),
    "flag": ("whole", None, "0", "1"),
    "rating": ("list", None, '"Đạt,Không đạt"', None),
    "note": ("textLength", "lessThanOrEqual", "1000", None),
}


@dataclass(frozen=True)
class Book:
    g: object          # the GeneratedFile
    form: object
    layout: object
    wb: object
    ws: object         # the form's sheet


@pytest.fixture(scope="module")
def books(generated, catalogue):
    out, files = generated
    result = []
    for g in files:
        form = catalogue.form(g.form)
        layout = form_layout(form)
        wb = openpyxl.load_workbook(out / g.path)
        result.append(Book(g, form, layout, wb, wb[layout.sheet_name]))
    return result


def test_one_workbook_per_assignment_and_manifest(generated, registry):
    out, files = generated
    assert len(files) == len(registry.assignments()) == 24
    for g in files:
        assert (out / g.unit.code / f"{g.form}_{g.unit.code}.xlsx").is_file()
    lines = (out / "manifest.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0] == "unit_code,unit_name,email,form,file"
    assert lines[1] == "vp,Văn phòng HĐND-UBND thành phố,vanphong@tp-hagiang.example,PL1,vp/PL1_vp.xlsx"
    assert len(lines) == 25


def test_sheets_and_protection(books, options):
    for b in books:
        g, wb, layout = b.g, b.wb, b.layout
        assert wb.sheetnames == [layout.sheet_name, "Hướng dẫn", "_cchc"]
        assert wb["_cchc"].sheet_state == "veryHidden"
        assert wb.security.lockStructure
        assert wb.security.workbookPassword  # hashed, never the plain text
        for ws in wb.worksheets:
            assert ws.protection.sheet, (g.path, ws.title)
            assert ws.protection.password and ws.protection.password != options.password


def test_rows_and_labels_in_seed_order(books, catalogue):
    for b in books:
        form, layout, ws = b.form, b.layout, b.ws
        assert texts_match_layout(ws, layout) == []
        labels = [t.text for t in layout.texts if t.role in ("label", "section")]
        if form.tables[0].layout == "transposed":
            labels = [t.text for t in layout.texts if t.role == "header"
                      and t.text in {r.label for r in form.rows}]
        assert labels == [r.label for r in form.rows]


def _unlocked_expected(form, layout, unit_code):
    editable = {r.id for r in form.editable_rows(unit_code)}
    cells = {c.a1 for c in layout.inputs if c.row_id in editable}
    cells |= {n.a1 for n in layout.notes if any(r in editable for r in n.rows)}
    cells |= {a1(p.row, c) for p in layout.preparer for c in range(p.col, p.last_col + 1)}
    return cells


def test_only_input_cells_are_unlocked(books, catalogue):
    for b in books:
        g, form, layout, ws = b.g, b.form, b.layout, b.ws
        unlocked = {c.coordinate for row in ws.iter_rows(min_row=1, max_row=layout.last_row + 5,
                                                          max_col=layout.ncols + 3)
                    for c in row if not c.protection.locked}
        assert unlocked == _unlocked_expected(form, layout, g.unit.code), g.path
        for other in b.wb.worksheets[1:]:
            assert all(c.protection.locked for row in other.iter_rows() for c in row)


def _validation_at(ws, address):
    found = []
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            min_col, min_row, max_col, max_row = range_boundaries(rng.coord)
            cell = ws[address]
            if min_row <= cell.row <= max_row and min_col <= cell.column <= max_col:
                found.append(dv)
    return found


def test_every_input_cell_has_its_kinds_validation(books, catalogue):
    for b in books:
        g, form, layout, ws = b.g, b.form, b.layout, b.ws
        editable = {r.id for r in form.editable_rows(g.unit.code)}
        for cell in layout.inputs:
            dvs = _validation_at(ws, cell.a1)
            if cell.row_id not in editable:
                assert dvs == [], (g.path, cell.a1)
                continue
            assert len(dvs) == 1, (g.path, cell.a1)
            dv, kind = dvs[0], catalogue.kinds[cell.kind]
            assert (dv.type, dv.operator, dv.formula1, dv.formula2) == VALIDATION[cell.kind]
            # "stop" is the schema default, which XlsxWriter leaves implicit.
            assert dv.showErrorMessage and dv.errorStyle in (None, "stop") and dv.showInputMessage
            assert (dv.promptTitle, dv.prompt) == (kind.input_title, kind.input_message)
            assert (dv.errorTitle, dv.error) == (kind.error_title, kind.error_message)
        for note in layout.notes:
            if any(r in editable for r in note.rows):
                assert _validation_at(ws, note.a1)[0].type == "textLength"


def test_percent_cells_show_a_percent_sign_and_store_the_number(books, catalogue):
    """85 means 85 %: the cell shows "85.00%" (a quoted "%", so the number is not scaled)
    and no reader takes its format for a percent or a date format (issue 10)."""
    from sheetio.cells import format_kind
    code = catalogue.kinds["percent"].number_format
    assert '"%"' in code and format_kind(code) == "" and format_kind(code.replace('"%"', "%")) == "percent"
    seen = 0
    for b in books:
        for cell in b.layout.inputs:
            assert b.ws[cell.a1].number_format == catalogue.kinds[cell.kind].number_format
            seen += cell.kind == "percent"
    assert seen
    from xlsx_forms.instructions import how_to_fill
    assert any("85%" in step and "0,85" in step for step in how_to_fill(catalogue.form("PL1"), catalogue.kinds))


def test_live_checks_and_missing_highlight(books, catalogue):
    for b in books:
        g, form, layout, ws = b.g, b.form, b.layout, b.ws
        for st in layout.statuses:
            value = ws.cell(st.row + 1, st.col + 1).value
            assert value.startswith("=IF(AND(") and all(r.short in value for r, _ in st.checks)
        blanks = {str(rng.sqref) for rng in ws.conditional_formatting
                  for rule in rng.rules if rule.type == "containsBlanks"}
        editable = {r.id for r in form.editable_rows(g.unit.code)}
        required = [r for r in form.input_rows if r.required and r.id in editable]
        assert len(blanks) == len(required)


def test_identity_in_hidden_sheet_and_properties_verifies(books):
    for b in books:
        g, wb = b.g, b.wb
        sheet_id, prop_id = identity_from_sheet(wb), identity_from_properties(wb)
        assert sheet_id == prop_id == g.identity
        assert (sheet_id.form, sheet_id.unit, sheet_id.spec_version) == (g.form, g.unit.code, b.form.version)
        assert sheet_id.generated_at == FIXED_TIME.isoformat()
        assert verify(TEST_KEY, sheet_id)
        assert not verify(b"another key of thirty-two bytes!", sheet_id)
        assert not verify(TEST_KEY, replace(sheet_id, unit="p-tran-phu" if g.unit.code != "p-tran-phu" else "vp"))


def _fingerprint_problems(catalogue, recorded: dict) -> list[str]:
    """What is wrong between the catalogue's layouts and the recorded fingerprints."""
    _, added, refused = FINGERPRINTS.merge(recorded, FINGERPRINTS.current(catalogue))
    return refused + [f"{what}: no fingerprint recorded; if this version is new, run {FINGERPRINTS.HOW}"
                      for what in added]


def test_each_form_version_has_its_recorded_layout_fingerprint(catalogue):
    """One (form, spec version) is one layout: returned files are verified against it."""
    assert _fingerprint_problems(catalogue, json.loads(GOLDEN.read_text())) == []


@pytest.mark.parametrize("old, new, bump, expected", [
    ("label: \"Nghị quyết của HĐND cấp huyện\"", "label: \"Nghị quyết HĐND cấp huyện\"", False,
     "PL2 version 1: the layout changed but the version did not; bump `version` in xlsx_forms/specs/pl2.yaml"),
    ("label: \"Nghị quyết của HĐND cấp huyện\"", "label: \"Nghị quyết HĐND cấp huyện\"", True,
     "PL2 version 2: no fingerprint recorded; if this version is new, run python scripts/update_fingerprints.py"),
    ("unit: \"Văn bản\"}\n  - {id: PL2.1,", "unit: \"Văn bản (cái)\"}\n  - {id: PL2.1,", False,
     "PL2 version 1: the layout changed but the version did not"),
    ("version: 1", "version: 1", False, None),
])
def test_a_layout_change_needs_a_version_bump_and_a_recorded_fingerprint(tmp_path, old, new, bump, expected):
    spec_dir = spec_dir_with(tmp_path, "pl2.yaml", old, new)
    if bump:
        text = (spec_dir / "pl2.yaml").read_text(encoding="utf-8")
        (spec_dir / "pl2.yaml").write_text(text.replace("version: 1", "version: 2", 1), encoding="utf-8")
    problems = _fingerprint_problems(load_catalogue(spec_dir), json.loads(GOLDEN.read_text()))
    assert (problems == []) if expected is None else (len(problems) == 1 and expected in problems[0])


def test_the_fingerprint_script_adds_new_versions_and_refuses_a_changed_one(tmp_path):
    golden = tmp_path / "fingerprints.json"
    golden.write_text(GOLDEN.read_text())
    (tmp_path / "a").mkdir()
    changed = spec_dir_with(tmp_path / "a", "pl2.yaml", "Nghị quyết của HĐND cấp huyện", "Nghị quyết HĐND")
    run = [sys.executable, str(FINGERPRINTS_SCRIPT), "--golden", str(golden)]
    assert subprocess.run([*run, "--check"]).returncode == 0
    refused = subprocess.run([*run, "--specs", str(changed)], capture_output=True, text=True)
    assert refused.returncode == 2 and "bump `version`" in refused.stderr
    assert golden.read_text() == GOLDEN.read_text()
    bumped = changed / "pl2.yaml"
    bumped.write_text(bumped.read_text(encoding="utf-8").replace("version: 1", "version: 2", 1), encoding="utf-8")
    assert subprocess.run([*run, "--specs", str(changed), "--check"], capture_output=True).returncode == 1
    assert subprocess.run([*run, "--specs", str(changed)], capture_output=True).returncode == 0
    recorded = json.loads(golden.read_text())
    assert recorded["PL2"]["1"] == json.loads(GOLDEN.read_text())["PL2"]["1"]   # old versions are kept
    assert recorded["PL2"]["2"] == FINGERPRINTS.current(load_catalogue(changed))["PL2"]["2"]
    assert subprocess.run([*run, "--specs", str(changed), "--check"]).returncode == 0


def test_print_setup_and_view(books, catalogue):
    for b in books:
        g, layout, ws = b.g, b.layout, b.ws
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        # fitToWidth 1 is the schema default, left implicit.
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)
        first, last = layout.header_rows
        assert ws.print_title_rows == f"${first + 1}:${last + 1}"
        assert ws.freeze_panes == a1(*layout.freeze)
        assert ws["B2"].value is None and ws["A2"].value == g.unit.name.upper()
        assert ws["A1"].font.name == "Times New Roman"
        assert ws[a1(*layout.freeze)].font.name == "Times New Roman"


def test_instructions_sheet(books, registry, catalogue):
    for b in books:
        g, wb, form = b.g, b.wb, b.form
        text = "\n".join(str(c.value) for row in wb["Hướng dẫn"].iter_rows() for c in row if c.value)
        assert "Chậm nhất ngày 23/3/2020" in text
        assert registry.consolidator.email in text and g.unit.name in text
        has_percent = any(r.kind == "percent" for r in form.input_rows)
        assert (catalogue.kinds["percent"].instruction in text) == has_percent
        assert all(rule.code in text and rule.message in text for rule in form.rules)


def test_deterministic_for_the_same_inputs(catalogue, registry, options):
    unit, form = registry.unit("vp"), catalogue.form("PL3")
    first, id1 = build_workbook(catalogue, registry, unit, form, options)
    second, id2 = build_workbook(catalogue, registry, unit, form, options)
    assert first == second and id1 == id2
    later = replace(options, generated_at=FIXED_TIME.replace(hour=9))
    third, id3 = build_workbook(catalogue, registry, unit, form, later)
    assert third != first and id3.template_id != id1.template_id


def test_xlsxwriter_refusals_are_errors_not_silence(catalogue, registry, options, monkeypatch):
    # XlsxWriter returns -2 for an input title over 32 characters instead of raising.
    kinds = dict(catalogue.kinds)
    kinds["count"] = replace(kinds["count"], input_title="x" * 40)
    broken = replace(catalogue, kinds=kinds)
    with pytest.warns(UserWarning, match="input title"), \
            pytest.raises(RuntimeError, match="validation of count"):
        build_workbook(broken, registry, registry.unit("vp"), catalogue.form("PL1"), options)


def test_prefilled_workbook_is_harvested_with_its_values(catalogue, registry, options):
    import random

    from harvest.process import process
    from samples.fill import valid_values
    from xlsx_forms.writer import Prefill
    form = catalogue.form("PL3")
    values = valid_values(form, "vp", random.Random(3))
    data, _ = build_workbook(catalogue, registry, registry.unit("vp"), form, options,
                             Prefill(values=values, notes={"PL3.2": "=đã rà soát"},
                                     preparer={"name": "Lê Thị Hà", "phone": "0219 3866 123"}))
    result = process("x.xlsx", data, 0, catalogue, registry, TEST_KEY)
    assert result.accepted and {k: v.value for k, v in result.values.items()} == values
    assert result.notes["PL3.2"].value == "=đã rà soát" and result.preparer[0] == "Lê Thị Hà"


def test_prefilled_live_checks_carry_their_true_result(catalogue, registry, options):
    """A viewer that does not recalculate still shows which rules a pre-filled workbook breaks."""
    import random

    from samples.fill import valid_values
    from xlsx_forms.writer import Prefill
    form = catalogue.form("PL2")
    values = {**valid_values(form, "tu-phap", random.Random(5)), ("PL2.3", "2019"): 50, ("PL2.2", "2019"): 1}
    data, _ = build_workbook(catalogue, registry, registry.unit("tu-phap"), form, options, Prefill(values=values))
    import io
    ws = openpyxl.load_workbook(io.BytesIO(data), data_only=True)["Phụ lục 2"]
    layout = form_layout(form)
    shown = {st.checks[0][0].code: ws.cell(st.row + 1, st.col + 1).value for st in layout.statuses}
    assert shown["PL2-R02"] == "Đã xử lý > được đề nghị." and shown["PL2-R01"] == "Khớp"
