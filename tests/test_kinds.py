"""Kinds as data (issue 11, item 4): a plan defines its own kinds on the six bases of
xlsx_forms/kinds.py, and they work end to end: the loader checks each kind row through its
base, the workbook validates and formats the cells from it, the harvest reads and checks
each value by it, and the consolidation aggregates by it (sum, tally, none)."""
from __future__ import annotations

import csv
import math
import random
from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
import pytest

from harvest.process import process
from harvest.run import harvest
from samples.fill import valid_values, write_values
from tests.conftest import FIXED_TIME, TEST_KEY
from tests.specedit import spec_dir_with
from xlsx_forms.errors import CchcError
from xlsx_forms.kinds import BASES
from xlsx_forms.layout import form_layout
from xlsx_forms.registry import load_registry
from xlsx_forms.spec_loader import load_catalogue
from xlsx_forms.writer import GenerateOptions, build_workbook

# Three kinds plan 372 does not have, as a plan's author writes them.
NEW_KINDS = """kinds:
  money:
    base: decimal
    label: "Số tiền (triệu đồng)"
    description: "Số tiền không âm, tính bằng triệu đồng (ví dụ 125,5)"
    input_title: "Nhập số tiền (triệu đồng)"
    input_message: "Nhập số tiền tính bằng triệu đồng, ví dụ 125,5. Không nhập chữ."
    error_title: "Số tiền không hợp lệ"
    error_message: "Ô này chỉ nhận số tiền không âm, tính bằng triệu đồng."
    decimals: 2
    max: 1000000000000
  grade:
    base: choice
    label: "Xếp loại"
    description: "Chọn trong danh sách: Tốt, Khá, Trung bình hoặc Yếu"
    choices: ["Tốt", "Khá", "Trung bình", "Yếu"]
    input_title: "Chọn xếp loại"
    input_message: "Chọn trong danh sách thả xuống: Tốt, Khá, Trung bình hoặc Yếu."
    error_title: "Xếp loại không hợp lệ"
    error_message: "Ô này chỉ nhận Tốt, Khá, Trung bình hoặc Yếu (chọn trong danh sách)."
  brief:
    base: text
    label: "Nội dung ngắn"
    description: "Văn bản ngắn, tối đa 200 ký tự"
    max_length: 200
    input_title: "Nhập nội dung ngắn"
    input_message: "Nhập nội dung, tối đa 200 ký tự."
    error_title: "Nội dung quá dài"
    error_message: "Nội dung tối đa 200 ký tự."
"""
PERIOD_SETS = """period_sets:
  quarters_2021:
    - {id: "Q1", label: "Quý I/2021"}
    - {id: "Q2", label: "Quý II/2021"}
    - {id: "Q3", label: "Quý III/2021"}
    - {id: "Q4", label: "Quý IV/2021"}
  year_2021:
    - {id: "2021", label: "Năm 2021"}
"""
FORM = """id: {id}
number: {number}
version: 1
title: "{title}"
periods: {periods}
rows:
  - {{id: {id}.1, stt: "1", label: "Kinh phí chi cho cải cách hành chính", kind: money, unit: "triệu đồng"}}
  - {{id: {id}.2, stt: "2", label: "Xếp loại kết quả thực hiện", kind: grade}}
  - {{id: {id}.3, stt: "3", label: "Kết quả nổi bật", kind: brief, required: false}}
"""
REGISTRY = """issuer: "UBND HUYỆN THỬ NGHIỆM"
place: "Huyện Thử Nghiệm"
consolidator: {name: "Phòng Nội vụ huyện", email: "noivu@huyen.example"}
units:
  - {code: o1, kind: office, name: "Phòng Tài chính", email: "o1@huyen.example", forms: [PL9, PL10]}
  - {code: w1, kind: ward, name: "UBND phường Một", email: "w1@huyen.example", forms: [PL9, PL10]}
  - {code: w2, kind: ward, name: "UBND phường Hai", email: "w2@huyen.example", forms: [PL9, PL10]}
  - {code: c1, kind: commune, name: "UBND xã Ba", email: "c1@huyen.example", forms: [PL9]}
"""
GRADES = {"o1": "Tốt", "w1": "Khá", "w2": "Tốt", "c1": "Yếu"}
TEXTS = {"o1": "Giảm 30% thời gian giải quyết hồ sơ", "w1": "=Một cửa điện tử", "w2": "", "c1": "Chưa có"}


def _money(unit: str, period: str) -> float:
    return round(100.25 * (1 + list(GRADES).index(unit)) + 0.5 * len(period), 2)


def plan_dir(tmp_path: Path) -> Path:
    """The specs of plan 372 plus the new kinds, two period sets and two forms using them."""
    folder = spec_dir_with(tmp_path, "catalogue.yaml", "kinds:\n", NEW_KINDS)
    cat = folder / "catalogue.yaml"
    cat.write_text(cat.read_text(encoding="utf-8").replace("period_sets:\n", PERIOD_SETS, 1), encoding="utf-8")
    (folder / "pl9.yaml").write_text(FORM.format(id="PL9", number=9, title="BÁO CÁO QUÝ CCHC NĂM 2021",
                                                 periods="quarters_2021"), encoding="utf-8")
    (folder / "pl10.yaml").write_text(FORM.format(id="PL10", number=10, title="BÁO CÁO NĂM CCHC 2021",
                                                  periods="year_2021"), encoding="utf-8")
    (folder / "units.yaml").write_text(REGISTRY, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    folder = plan_dir(tmp_path_factory.mktemp("plan"))
    catalogue = load_catalogue(folder)
    return catalogue, load_registry(folder / "units.yaml", catalogue)


OPTIONS = GenerateOptions(key=TEST_KEY, generated_at=FIXED_TIME, deadline=date(2021, 12, 31))


def _template(plan, unit: str, form_id: str, out: Path) -> Path:
    catalogue, registry = plan
    data, _ = build_workbook(catalogue, registry, registry.unit(unit), catalogue.form(form_id), OPTIONS)
    path = out / f"template-{unit}-{form_id}.xlsx"
    path.write_bytes(data)
    return path


def _filled(plan, unit: str, form_id: str, values: dict, out: Path) -> bytes:
    catalogue, _ = plan
    path = out / f"{unit}-{form_id}.xlsx"
    write_values(_template(plan, unit, form_id, out), catalogue.form(form_id), values, path,
                 saved_at=datetime(2021, 12, 20, 9, tzinfo=timezone.utc))
    return path.read_bytes()


@pytest.fixture(scope="module")
def harvested(plan, tmp_path_factory):
    """Every unit's PL9 and PL10, filled with known values and harvested."""
    catalogue, registry = plan
    inbox, work = tmp_path_factory.mktemp("inbox"), tmp_path_factory.mktemp("work")
    for unit in registry.units:
        for form_id in unit.forms:
            form = catalogue.form(form_id)
            values = {}
            for p in form.periods:
                values[(f"{form_id}.1", p.id)] = _money(unit.code, p.id)
                values[(f"{form_id}.2", p.id)] = GRADES[unit.code]
                if TEXTS[unit.code]:
                    values[(f"{form_id}.3", p.id)] = TEXTS[unit.code]
            (inbox / f"{unit.code}-{form_id}.xlsx").write_bytes(_filled(plan, unit.code, form_id, values, work))
    out = tmp_path_factory.mktemp("out") / "summary"
    return harvest(inbox, out, catalogue, registry, TEST_KEY, date(2021, 12, 31),
                   now=datetime(2021, 12, 25, tzinfo=timezone.utc))


def test_new_kinds_load_with_derived_validation_and_formats(plan):
    kinds = plan[0].kinds
    assert dict(kinds["money"].validation) == {"validate": "decimal", "criteria": ">=", "value": 0}
    assert kinds["money"].number_format == "#,##0.00"
    assert dict(kinds["grade"].validation) == {"validate": "list", "source": ("Tốt", "Khá", "Trung bình", "Yếu")}
    assert dict(kinds["brief"].validation) == {"validate": "length", "criteria": "<=", "value": 200}
    assert [kinds[k].default_aggregate for k in ("money", "grade", "brief", "rating")] == \
        ["sum", "tally", "none", "responsible"]


@pytest.mark.parametrize("form_id", ["PL9", "PL10"])
def test_workbook_cells_follow_their_kind(plan, tmp_path, form_id):
    catalogue, _ = plan
    form = catalogue.form(form_id)
    wb = openpyxl.load_workbook(_template(plan, "w1", form_id, tmp_path))
    layout = form_layout(form)
    ws = wb[layout.sheet_name]
    expected = {"money": ("decimal", "greaterThanOrEqual", "0"),
                "grade": ("list", None, '"Tốt,Khá,Trung bình,Yếu"'),
                "brief": ("textLength", "lessThanOrEqual", "200")}
    assert len(layout.inputs) == 3 * len(form.periods)
    for cell in layout.inputs:
        found = [dv for dv in ws.data_validations.dataValidation if cell.a1 in dv.sqref]
        assert [(dv.type, dv.operator, dv.formula1) for dv in found] == [expected[cell.kind]]
        assert ws[cell.a1].number_format == catalogue.kinds[cell.kind].number_format
        assert ws[cell.a1].alignment.horizontal == BASES[catalogue.kinds[cell.kind].base].align
    guide = "\n".join(str(c.value) for row in wb["Hướng dẫn"].iter_rows() for c in row if c.value)
    for kid in ("money", "grade", "brief", "note"):
        assert catalogue.kinds[kid].label in guide and catalogue.kinds[kid].description in guide
    assert "nếu không phát sinh thì nhập 0" in guide


def test_city_values_sum_tally_and_keep_texts_per_unit(plan, harvested):
    catalogue, registry = plan
    units9 = [u.code for u in registry.units if "PL9" in u.forms]
    for form_id, units in (("PL9", units9), ("PL10", ["o1", "w1", "w2"])):
        city = harvested.city[form_id]
        for p in catalogue.form(form_id).periods:
            assert math.isclose(city[(f"{form_id}.1", p.id)].value, sum(_money(u, p.id) for u in units))
            tally = {g: sum(GRADES[u] == g for u in units) for g in catalogue.kinds["grade"].choices}
            assert city[(f"{form_id}.2", p.id)].value == "; ".join(f"{g}: {n}" for g, n in tally.items() if n)
            text = city[(f"{form_id}.3", p.id)]
            assert text.value is None and text.reporting == sum(bool(TEXTS[u]) for u in units)
    assert harvested.city["PL9"][("PL9.2", "Q1")].value == "Tốt: 2; Khá: 1; Yếu: 1"
    with open(harvested.out_dir / "values.csv", encoding="utf-8-sig", newline="") as f:
        rows = {(r["unit_code"], r["row_id"], r["period"]): r for r in csv.DictReader(f)}
    assert rows[("o1", "PL9.1", "Q3")]["value"] == "101.25" and rows[("o1", "PL9.1", "Q3")]["status"] == "ok"
    assert rows[("c1", "PL9.2", "Q4")]["value"] == "Yếu"
    assert rows[("o1", "PL10.3", "2021")]["value"] == TEXTS["o1"]
    assert rows[("w1", "PL9.3", "Q2")]["value"] == "'=Một cửa điện tử"   # text kept, never a formula
    assert ("w2", "PL9.3", "Q1") not in rows
    assert not [i for i in harvested.issues if i.severity == "error"]


def test_summary_shows_the_tally_and_the_aggregation(harvested):
    wb = openpyxl.load_workbook(harvested.out_dir / "tong-hop-cchc.xlsx")
    ws = wb["Phụ lục 9"]
    rows = {ws.cell(r, 1).value: [c.value for c in ws[r]] for r in range(5, ws.max_row + 1)}
    money, grade, brief = rows["1"], rows["2"], rows["3"]
    # STT, label, unit of measure, the four quarters, how consolidated, who is missing
    assert money[3] == pytest.approx(sum(_money(u, "Q1") for u in GRADES))
    assert ws.cell(5, 4).number_format == "#,##0.00"
    assert grade[3:7] == ["Tốt: 2; Khá: 1; Yếu: 1"] * 4 and grade[7] == "Số đơn vị theo từng lựa chọn"
    assert brief[3:7] == [None] * 4 and brief[7] == "Không tổng hợp (xem từng đơn vị)"
    per_unit = [[c.value for c in r] for r in wb["PL9 theo đơn vị"].iter_rows(min_row=2)]
    assert ["o1", "Phòng Tài chính", "Kết quả nổi bật"] + [TEXTS["o1"]] * 4 in [r[:7] for r in per_unit]


# One table for every kind: a raw cell value → (value read, issue codes at the cell).
CELLS = [
    ("count", 12.0, 12, []), ("count", "1.234", 1234, ["V-TEXT-NUMBER"]), ("count", 2.5, None, ["V-NOT-INTEGER"]),
    ("count", -1, None, ["V-NEGATIVE"]), ("count", 1e10, None, ["V-MAGNITUDE"]),
    ("percent", 85, 85.0, []), ("percent", "85%", 85.0, ["V-TEXT-NUMBER"]),
    ("percent", 0.85, 85.0, ["V-PERCENT-ASSUMED"]), ("percent", 120, None, ["V-PERCENT-RANGE"]),
    ("flag", 1, 1, []), ("flag", 2, None, ["V-FLAG"]),
    ("rating", "Đạt", "Đạt", []), ("rating", "đạt", "Đạt", ["V-RATING-CASE"]), ("rating", "Tốt", None, ["V-RATING"]),
    ("money", 1234.56, 1234.56, []), ("money", "1.234,5", 1234.5, ["V-TEXT-NUMBER"]),
    ("money", "mười triệu", None, ["V-NOT-NUMBER"]), ("money", -5, None, ["V-NEGATIVE"]),
    ("money", 2e12, None, ["V-MAGNITUDE"]), ("money", "85%", None, ["V-NOT-NUMBER"]),
    ("grade", "Trung bình", "Trung bình", []), ("grade", " trung  BÌNH ", "Trung bình", ["V-RATING-CASE"]),
    ("grade", "Xuất sắc", None, ["V-RATING"]), ("grade", "Đạt", None, ["V-RATING"]), ("grade", 3, None, ["V-RATING"]),
    ("brief", "Đã hoàn thành", "Đã hoàn thành", []), ("brief", 2021, "2021", []),
    ("brief", "x" * 250, "x" * 200, ["V-TEXT-LONG"]),
]


@pytest.mark.parametrize("kind, raw, value, codes", CELLS)
def test_each_kind_reads_and_checks_a_value(plan, kind, raw, value, codes):
    from harvest.cellvalues import parse
    got, problems = parse(raw, plan[0].kinds[kind])
    assert got == value and type(got) is type(value)
    assert [p.code for p in problems] == codes


BAD_CELLS = [   # (row, raw, code, words of its Vietnamese message)
    ("PL9.1", "mười triệu", "V-NOT-NUMBER", "không phải là số. Ô này chỉ nhận Số tiền không âm, tính bằng triệu đồng"),
    ("PL9.1", -3.5, "V-NEGATIVE", "là số âm"),
    ("PL9.2", "Xuất sắc", "V-RATING", "Ô này chỉ nhận «Tốt», «Khá», «Trung bình» hoặc «Yếu»"),
    ("PL9.3", "Nội dung " * 30, "V-TEXT-LONG", "dài 270 ký tự, vượt giới hạn 200 ký tự"),
]


@pytest.mark.parametrize("row, raw, code, words", BAD_CELLS)
def test_bad_values_are_issues_at_their_cell(plan, tmp_path, row, raw, code, words):
    catalogue, registry = plan
    form = catalogue.form("PL9")
    values = valid_values(form, "w1", random.Random(1))
    values[(row, "Q2")] = raw
    data = _filled(plan, "w1", "PL9", values, tmp_path)
    result = process("w1.xlsx", data, 0, catalogue, registry, TEST_KEY)
    cell = form_layout(form).input_at(row, "Q2").a1
    found = [i for i in result.issues if i.cell == cell]
    assert [i.code for i in found] == [code] and words in found[0].message
    assert found[0].message.startswith(f"w1.xlsx, trang «{form_layout(form).sheet_name}», ô {cell}: ")
    others = [i for i in result.issues if i.cell != cell]
    assert others == []   # the sample filler's values are valid for every kind


# A kind row, a row or a registry the loader refuses: (file, old text, new text, message words).
BAD_SPECS = [
    ("catalogue.yaml", "    base: decimal\n", "    base: money\n",
     "«base» «money» không có; chọn một trong «integer», «decimal»"),
    ("catalogue.yaml", '    choices: ["Tốt", "Khá", "Trung bình", "Yếu"]\n', "",
     ": thiếu «choices», bắt buộc với kiểu «choice»"),
    ("catalogue.yaml", '    choices: ["Tốt", "Khá", "Trung bình", "Yếu"]\n', '    choices: ["Tốt"]\n',
     "ít nhất hai lựa chọn"),
    ("catalogue.yaml", '    choices: ["Tốt", "Khá", "Trung bình", "Yếu"]\n', '    choices: ["Tốt", "tốt"]\n',
     "bị trùng"),
    ("catalogue.yaml", '    choices: ["Tốt", "Khá", "Trung bình", "Yếu"]\n', '    choices: "Tốt, Khá"\n',
     "phải là danh sách"),
    ("catalogue.yaml", "    decimals: 2\n", "    decimals: 2\n    min: 5000000000000\n",
     "«max» là 1000000000000, phải lớn hơn «min» là 5000000000000"),
    ("catalogue.yaml", "    decimals: 2\n", "    decimals: 2\n    plausible_max: 5000000000000\n",
     "loại ô «money»: «plausible_max» là 5000000000000, không được lớn hơn «max»"),
    ("catalogue.yaml", "    decimals: 2\n", "    decimals: 2\n    aggregate: tally\n",
     "«aggregate» «tally» không dùng được cho kiểu «decimal»; dùng một trong «sum», «mean»"),
    ("catalogue.yaml", "    decimals: 2\n", "    decimals: 2\n    colour: red\n",
     "«colour» không dùng cho kiểu «decimal»"),
    ("catalogue.yaml", "    max_length: 200\n", "    max_length: 0\n",
     "«max_length» là «0», phải là số nguyên từ 1 đến 32767"),
    ("catalogue.yaml", '    input_title: "Chọn xếp loại"\n', f'    input_title: "{"x" * 40}"\n', "tối đa 32"),
    ("catalogue.yaml", "    max: 100\n", "    max: 150\n", "«max» của một tỷ lệ là 150, phải từ 100 trở xuống"),
    ("catalogue.yaml", "  commune: \"UBND xã\"\n", "", "loại đơn vị «commune» chưa được khai báo"),
    ("pl9.yaml", "kind: grade}", "kind: grades}",
     "loại ô «grades» chưa được khai báo; các loại ô của kế hoạch: «brief», «count»"),
    ("pl9.yaml", "kind: grade}", "kind: grade, aggregate: sum}",
     "«aggregate» «sum» không dùng được cho loại ô «grade»; dùng một trong «tally», «responsible»"),
]


@pytest.mark.parametrize("name, old, new, words", BAD_SPECS)
def test_bad_kind_rows_are_clear_errors(tmp_path, name, old, new, words):
    folder = plan_dir(tmp_path)
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CchcError) as err:
        load_catalogue(folder)
    message = str(err.value)
    assert words in message and f"{path}, dòng " in message and "đặc tả biểu mẫu sai" in message


def test_registry_unit_kinds_are_the_plans(plan, tmp_path):
    catalogue, _ = plan
    bad = tmp_path / "units.yaml"
    bad.write_text(REGISTRY.replace("kind: commune", "kind: district"), encoding="utf-8")
    with pytest.raises(CchcError) as err:
        load_registry(bad, catalogue)
    assert "«district» không hợp lệ" in str(err.value) and "commune (UBND xã)" in str(err.value)


def test_a_form_with_responsible_units_names_itself_in_the_registry_error(catalogue, tmp_path):
    from xlsx_forms.registry import DEFAULT_REGISTRY
    text = DEFAULT_REGISTRY.read_text(encoding="utf-8").replace("forms: [PL1, PL2]}", "forms: [PL1, PL2, PL8]}", 1)
    path = tmp_path / "units.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CchcError) as err:
        load_registry(path, catalogue)
    assert "được giao PL8 nhưng không chịu trách nhiệm mục nào của PL8" in str(err.value)
    assert "«Đơn vị báo cáo»" in str(err.value)
