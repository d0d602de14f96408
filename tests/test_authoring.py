"""The authoring workbook: plan 372 round-trips through it, and every bad workbook is a
list of problems naming sheet, row and column (issue 11, items 1–3)."""
from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cchc.cli import cli
from xlsx_forms.authoring.assemble import flatten
from xlsx_forms.authoring.reader import read_workbook
from xlsx_forms.authoring.sheets import BY_NAME, ENUMS, FIRST_ROW, HEADER_ROW, SHEETS
from xlsx_forms.authoring.workflow import export_workbook
from xlsx_forms.plan import embedded_sources, load_plan
from xlsx_forms.yamlio import strip_meta

ROOT = Path(__file__).parents[1]
DEMO_KEY = ROOT / "samples" / "demo-hmac.key"
EPOCH = "1584921600"
CREATED = datetime(2020, 3, 23, tzinfo=timezone.utc)


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"SOURCE_DATE_EPOCH": EPOCH, **(env or {})})


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """Plan 372 exported into an authoring workbook by the command."""
    path = tmp_path_factory.mktemp("plan") / "kế hoạch 372.xlsx"
    result = run("plan", "export", "--out", path)
    assert result.exit_code == 0, result.output
    return path


def _same(outline):
    """An outline without where it was read from."""
    return dataclasses.replace(outline, source="")


def _files(folder: Path) -> dict[str, str]:
    """Each file's SHA-256, settings.json aside (it records the plan given): so also its
    line in the output marker, which records every file's digest."""
    def content(p: Path) -> bytes:
        if p.name != ".cchc-output":
            return p.read_bytes()
        return b"".join(line for line in p.read_bytes().splitlines(keepends=True)
                        if not line.rstrip().endswith(b" settings.json"))
    return {p.relative_to(folder).as_posix(): hashlib.sha256(content(p)).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "settings.json"}


def test_generate_from_the_exported_workbook_is_byte_identical(exported, tmp_path):
    plain, planned = tmp_path / "plain", tmp_path / "planned"
    first = run("generate", "--key-file", DEMO_KEY, "--out", plain)
    second = run("generate", "--plan", exported, "--key-file", DEMO_KEY, "--out", planned)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert f"Kế hoạch: {exported} (theo --plan)." in second.output
    bundle = load_plan(None)
    made = len(bundle.registry.assignments()) + len(bundle.registry.units)   # workbooks, report templates
    assert bundle.outline is not None and _same(load_plan(exported).outline) == _same(bundle.outline)
    assert _files(plain) == _files(planned) and len(_files(plain)) == made + 2   # manifest, marker
    assert sum(name.endswith(".docx") for name in _files(planned)) == len(bundle.registry.units)
    # The plan is recorded, and the later commands use it.
    harvested = run("harvest", ROOT / "samples" / "inbox", "--templates", planned, "--out", tmp_path / "s2")
    assert harvested.exit_code == 0, harvested.output
    assert f"Kế hoạch: {exported} (ghi khi tạo biểu mẫu" in harvested.output
    reference = run("harvest", ROOT / "samples" / "inbox", "--templates", plain, "--out", tmp_path / "s1")
    assert reference.exit_code == 0, reference.output
    for name in ("values.csv", "issues.csv", "ledger.csv", "status.csv", "city.csv", "sections.csv"):
        assert (tmp_path / "s1" / name).read_bytes() == (tmp_path / "s2" / name).read_bytes(), name


def test_export_read_export_is_stable(exported):
    again = export_workbook(exported, CREATED)
    assert again == export_workbook(None, CREATED)
    assert exported.read_bytes() == export_workbook(None, datetime.fromtimestamp(int(EPOCH), tz=timezone.utc))


def _no_empty(value):
    """YAML's ``rules: []`` or ``stt: ""`` and an empty cell mean the same."""
    if isinstance(value, dict):
        return {k: _no_empty(v) for k, v in value.items() if v not in ([], {}, "")}
    if isinstance(value, list):
        return [_no_empty(v) for v in value]
    return value


def test_the_workbook_reads_back_to_the_same_dicts(exported):
    base, forms, registry, outline = embedded_sources()
    found = read_workbook(exported.read_bytes(), exported)
    assert found.problems == []
    assert _no_empty(strip_meta(found.base)) == _no_empty(strip_meta(base))
    assert _no_empty(strip_meta(found.forms)) == _no_empty(strip_meta([f for _p, f in forms]))
    assert strip_meta(found.registry) == strip_meta(registry)
    # The Đề cương: the same outline (guidance is one cell: its last line end is not kept).
    assert _same(load_plan(exported).outline) == _same(load_plan(None).outline)
    assert [s["id"] for s in found.outline["sections"]] == [s["id"] for s in outline["sections"]]


def test_every_field_of_the_plan_has_a_column():
    base, forms, registry, outline = embedded_sources()
    rows = flatten(base, [f for _p, f in forms], registry, outline)
    known = {s.target: {c.key for s2 in SHEETS if s2.target == s.target for c in s2.columns} for s in SHEETS}
    assert all(k in known[target] for target, items in rows.items() for item in items for k in item)


# --- bad workbooks: each a mutation of the exported plan 372 -------------------------------

def _find(ws, key_header: str, value: str) -> int:
    """The row whose column ``key_header`` (row 2) holds ``value``."""
    col = _col(ws, key_header)
    for r in range(FIRST_ROW, ws.max_row + 1):
        if str(ws.cell(r, col).value) == value:
            return r
    raise AssertionError(f"{value} not in {ws.title}")


def _col(ws, header: str) -> int:
    for c in range(1, ws.max_column + 1):
        if ws.cell(HEADER_ROW, c).value == header:
            return c
    raise AssertionError(f"{header} not in {ws.title}")


def _fact(ws, label: str) -> int:
    return next(r for r in range(FIRST_ROW, ws.max_row + 1) if ws.cell(r, 1).value == label)


def _letter(ws, header: str) -> str:
    return openpyxl.utils.get_column_letter(_col(ws, header))


# (sheet, (key column, key value) or a fact label, column header, new value, fragments)
BAD = [
    ("Chỉ tiêu", ("Mã chỉ tiêu", "PL1.1"), "Loại ô", "money", ["loại ô «money» chưa được khai báo"]),
    ("Chỉ tiêu", ("Mã chỉ tiêu", "PL2.7"), "Mã chỉ tiêu", "PL2.6", ["trùng"]),
    ("Chỉ tiêu", ("Mã chỉ tiêu", "PL1.6.c"), "Trọng số theo", "PL1.3",
     ["«Trọng số theo» «PL1.3» không phải dòng nhập số liệu"]),
    ("Chỉ tiêu", ("Mã chỉ tiêu", "PL1.2"), "Biểu", "PL9", ["biểu «PL9» không có trong trang «Biểu»"]),
    ("Chỉ tiêu", ("Mã chỉ tiêu", "PL1.2"), "Tên chỉ tiêu", None, ["ô bắt buộc bị bỏ trống"]),
    ("Chỉ tiêu", ("Mã chỉ tiêu", "PL1.2"), "Bắt buộc", "Hơi",
     ["«Hơi» không có trong danh sách; chọn một trong «Có», «Không»"]),
    ("Chỉ tiêu", ("Mã chỉ tiêu", "PL4.I.a"), "Bảng", "IX", ["bảng «IX» của biểu PL4"]),
    ("Chỉ tiêu", ("Mã chỉ tiêu", "PL8.1"), "Đơn vị phụ trách", "nobody", ["nobody"]),
    ("Biểu", ("Mã biểu", "PL1"), "Bộ kỳ", "decades", ["bộ kỳ «decades» chưa được khai báo"]),
    ("Biểu", ("Mã biểu", "PL2"), "Số phụ lục", "hai", ["«hai» không phải số nguyên"]),
    ("Biểu", ("Mã biểu", "PL3"), "Mã biểu", "PL2", ["mã biểu «PL2» bị trùng"]),
    ("Quy tắc", ("Mã quy tắc", "PL2-R02"), "Dòng so sánh", "PL2.99", ["PL2.99"]),
    ("Quy tắc", ("Mã quy tắc", "PL2-R02"), "Mức độ", "Nghiêm trọng", ["chọn một trong «Lỗi», «Cảnh báo»"]),
    ("Quy tắc", ("Mã quy tắc", "PL2-R01"), "Các dòng thành phần", "PL2.1.a, PL2.1.b, PL2.1.c, PL2.8",
     ["PL2.8"]),
    ("Quy tắc", ("Mã quy tắc", "PL2-R01"), "Loại quy tắc", "Gần bằng", ["không có trong danh sách"]),
    ("Đơn vị", ("Mã đơn vị", "tckh"), "Biểu được giao", "PL1, PL99", ["phụ lục lạ «PL99»"]),
    ("Đơn vị", ("Mã đơn vị", "tckh"), "Loại đơn vị", "thon", ["«thon» không hợp lệ", "ward (UBND phường)"]),
    ("Đơn vị", ("Mã đơn vị", "kinh-te"), "Mã đơn vị", "tckh", ["«tckh» bị trùng"]),
    ("Đơn vị", ("Mã đơn vị", "tckh"), "Email", "tckh-at-example", ["không phải địa chỉ email"]),
    ("Kỳ báo cáo", ("Mã kỳ", "2001-2010"), "Chưa trọn kỳ", "Nửa", ["chọn một trong «Có», «Không»"]),
    ("Loại ô", ("Mã loại", "count"), "Lớn nhất", "nhiều", ["«nhiều» không phải số"]),
    ("Loại ô", ("Mã loại", "count"), "Lớn nhất", None, ["thiếu «Lớn nhất», bắt buộc với kiểu «Số nguyên»"]),
    ("Loại ô", ("Mã loại", "count"), "Nhỏ nhất", 5000000000,
     ["«Lớn nhất» là 1000000000, phải lớn hơn «Nhỏ nhất» là 5000000000"]),
    ("Loại ô", ("Mã loại", "count"), "Kiểu", "Phân số", ["«Phân số» không có trong danh sách"]),
    ("Loại ô", ("Mã loại", "count"), "Ngưỡng hợp lý", 2000000000,
     ["«Ngưỡng hợp lý» là 2000000000, không được lớn hơn «Lớn nhất»"]),
    ("Loại ô", ("Mã loại", "count"), "Cách tổng hợp", "Số đơn vị theo từng lựa chọn",
     ["«Cách tổng hợp» «Số đơn vị theo từng lựa chọn» không dùng được cho kiểu «Số nguyên»"]),
    ("Loại ô", ("Mã loại", "rating"), "Danh sách chọn", "Đạt", ["ít nhất hai lựa chọn"]),
    ("Loại ô", ("Mã loại", "rating"), "Danh sách chọn", "Đạt, đạt", ["bị trùng"]),
    ("Loại ô", ("Mã loại", "note"), "Độ dài tối đa", 0, ["«Độ dài tối đa» là «0», phải là số nguyên từ 1"]),
    ("Loại ô", ("Mã loại", "note"), "Tiêu đề gợi ý", "Một tiêu đề dài hơn ba mươi hai ký tự cho ô ghi chú",
     ["tối đa 32"]),
    ("Loại ô", ("Mã loại", "note"), "Kiểu", "Số nguyên", ["phải có loại ô «note» kiểu «Chữ (ghi chú, văn bản ngắn)»"]),
    ("Loại ô", ("Mã loại", "flag"), "Mã loại", "percent", ["mã loại ô «percent» bị trùng"]),
    ("Chỉ tiêu", ("Mã chỉ tiêu", "PL1.1"), "Cách tổng hợp", "Số đơn vị theo từng lựa chọn",
     ["«Cách tổng hợp» «Số đơn vị theo từng lựa chọn» không dùng được cho loại ô «count»"]),
    ("Loại đơn vị", ("Mã loại", "commune"), "Mã loại", "ward", ["mã loại đơn vị «ward» bị trùng"]),
    ("Loại đơn vị", ("Mã loại", "office"), "Tên loại", None, ["ô bắt buộc bị bỏ trống"]),
    ("Đề cương", ("Mã mục", "P1"), "Cấp", 2, ["mục đầu tiên phải có «Cấp» là 1"]),
    ("Đề cương", ("Mã mục", "I"), "Cấp", 4, ["«Cấp» 4 sâu hơn mục trước"]),
    ("Đề cương", ("Mã mục", "I.2"), "Cấp", "hai", ["«hai» không phải số nguyên"]),
    ("Đề cương", ("Mã mục", "I.2"), "Mã mục", "I.1", ["mã mục «I.1» bị trùng"]),
    ("Kế hoạch", "Đề cương: mã", "Giá trị", None, ["«Đề cương: mã» thiếu"]),
    ("Đối chiếu", ("Mục tiêu", "PL8.5"), "Ngưỡng", "tám mươi", ["«tám mươi» không phải số"]),
    ("Đối chiếu", ("Mục tiêu", "PL8.5"), "Chỉ tiêu số liệu", "PL1.99", ["không phải dòng số liệu của PL1"]),
    ("Kế hoạch", "Hạn nộp", "Giá trị", "31/2/2020", ["ngày «31/2/2020» không hợp lệ"]),
    ("Kế hoạch", "Căn cứ", "Giá trị", None, ["thiếu «Căn cứ»"]),
    ("Kế hoạch", "Email nhận báo cáo", "Giá trị", None, ["trường «Email nhận báo cáo» thiếu"]),
]


def _mutate(source: Path, target: Path, sheet: str, key, header: str, value) -> tuple[int, str]:
    """Write ``source`` with one cell changed into ``target``: (row, column letter) of it."""
    wb = openpyxl.load_workbook(source)
    ws = wb[sheet]
    if isinstance(key, tuple):
        row, col = _find(ws, *key), _col(ws, header)
    else:
        row, col = _fact(ws, key), 2
    ws.cell(row, col).value = value
    wb.save(target)
    return row, openpyxl.utils.get_column_letter(col)


@pytest.mark.parametrize("sheet, key, header, value, fragments", BAD,
                         ids=[f"{b[0]}-{b[2]}-{b[3]}" for b in BAD])
def test_a_bad_workbook_is_a_message_with_sheet_row_and_column(exported, tmp_path, sheet, key, header, value,
                                                               fragments):
    bad = tmp_path / "xấu.xlsx"
    row, letter = _mutate(exported, bad, sheet, key, header, value)
    before = bad.read_bytes()
    result = run("plan", "check", bad)
    assert result.exit_code == 2, result.output
    assert bad.read_bytes() == before   # the user's file is never modified
    lines = [line for line in result.output.splitlines() if line.startswith(f"Tệp {bad}")]
    shown_header = header if isinstance(key, tuple) else f"Giá trị: {key}"
    wanted = f"Tệp {bad}, trang «{sheet}», dòng {row}, cột {letter} «{shown_header}»"
    hits = [line for line in lines if all(f in line for f in fragments)]
    assert hits, result.output
    assert len(lines) == 1, result.output   # one mistake, one message (its dependants are not reported)
    # The problem is named at its cell (a rule's or a form's problem at least at its row).
    assert any(line.startswith(wanted) for line in hits) or \
        any(line.startswith(f"Tệp {bad}, trang «{sheet}», dòng {row}") for line in hits), result.output
    assert "Lỗi:" in result.output


def test_every_problem_is_reported_not_only_the_first(exported, tmp_path):
    one, both = tmp_path / "one.xlsx", tmp_path / "both.xlsx"
    _mutate(exported, one, "Chỉ tiêu", ("Mã chỉ tiêu", "PL1.1"), "Loại ô", "money")
    _mutate(one, both, "Quy tắc", ("Mã quy tắc", "PL2-R02"), "Dòng so sánh", "PL2.99")
    result = run("plan", "check", both)
    assert result.exit_code == 2
    assert "loại ô «money»" in result.output and "PL2.99" in result.output
    assert "2 lỗi" in result.output


def test_check_of_a_good_workbook_says_what_it_holds(exported):
    result = run("plan", "check", exported)
    assert result.exit_code == 0, result.output
    catalogue = load_plan(None).catalogue
    rows = sum(len(f.input_rows) for f in catalogue.forms.values())
    assert result.output.strip() == f"Kế hoạch hợp lệ: 8 biểu, {rows} chỉ tiêu, 15 đơn vị."


def test_new_writes_a_blank_workbook_with_drop_downs(tmp_path):
    path = tmp_path / "mới.xlsx"
    result = run("plan", "new", path)
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Hướng dẫn" and set(BY_NAME) <= set(wb.sheetnames)
    guide = " ".join(str(c.value) for row in wb["Hướng dẫn"].iter_rows() for c in row if c.value)
    assert "cchc plan check" in guide and all(f"Trang «{s.name}»" in guide for s in SHEETS)
    for sheet in SHEETS:
        ws = wb[sheet.name]
        assert ws.freeze_panes is not None
        if sheet.facts:
            continue
        headers = [ws.cell(HEADER_ROW, c + 1).value for c in range(len(sheet.columns))]
        assert headers == [c.header for c in sheet.columns]
        lists = {next(iter(dv.sqref.ranges)).min_col: dv.formula1 for dv in ws.data_validations.dataValidation}
        for i, column in enumerate(sheet.columns, start=1):
            if column.type in ("enum", "yesno") or column.source:
                assert i in lists, (sheet.name, column.header)
    rows = wb["Chỉ tiêu"]
    kinds = {dv.formula1 for dv in rows.data_validations.dataValidation}
    assert any("'Loại ô'!" in f for f in kinds)
    assert wb["Danh mục"].sheet_state == "hidden"
    assert [wb["Danh mục"].cell(r, 2).value for r in (2, 3)] == list(ENUMS["layout"])
    # The blank workbook is a plan with nothing in it: check says what is missing, by sheet.
    check = run("plan", "check", path)
    assert check.exit_code == 2 and "trang «Kế hoạch»" in check.output
    # … but never about what a new user cannot guess: the signature block and the note kind.
    assert "Người lập biểu" not in check.output and "«note»" not in check.output
    assert [wb["Người lập biểu"].cell(r, 1).value for r in range(HEADER_ROW + 1, HEADER_ROW + 4)] == \
        ["name", "phone", "email"]


def test_new_and_export_never_replace_a_file(tmp_path):
    path = tmp_path / "có rồi.xlsx"
    path.write_bytes(b"mine")
    for args in (("plan", "new", path), ("plan", "export", "--out", path)):
        result = run(*args)
        assert result.exit_code == 2 and "Lỗi:" in result.output and "tệp đã có" in result.output
        assert path.read_bytes() == b"mine"


def test_a_file_that_is_no_workbook_is_one_message(tmp_path):
    path = tmp_path / "kế hoạch.xlsx"
    path.write_bytes(b"%PDF-1.4 not a workbook")
    result = run("plan", "check", path)
    assert result.exit_code == 2 and f"Lỗi: {path}" in result.output and "PDF" in result.output
    generate = run("generate", "--plan", path, "--out", tmp_path / "t")
    assert generate.exit_code == 2 and "PDF" in generate.output


def test_a_plan_folder_works_like_the_embedded_plan(tmp_path):
    folder = tmp_path / "plan"
    folder.mkdir()
    for p in (ROOT / "xlsx_forms" / "specs").glob("*.yaml"):
        (folder / p.name).write_bytes(p.read_bytes())
    result = run("forms", "--plan", folder, "--templates", tmp_path / "none")
    assert result.exit_code == 0 and f"Kế hoạch: {folder} (theo --plan)." in result.output
    assert "PL8  Phụ lục 8" in result.output
    (folder / "units.yaml").unlink()
    generate = run("generate", "--plan", folder, "--out", tmp_path / "t", "--key-file", DEMO_KEY)
    assert generate.exit_code == 2 and "kế hoạch không có danh sách đơn vị" in generate.output


def test_a_changed_plan_is_pointed_out(exported, tmp_path):
    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(exported.read_bytes())
    out = tmp_path / "t"
    assert run("generate", "--plan", plan, "--key-file", DEMO_KEY, "--out", out, "--forms", "PL2").exit_code == 0
    other = run("forms", "--templates", out)
    assert f"Kế hoạch: {plan} (ghi khi tạo biểu mẫu" in other.output and "Chú ý" not in other.output
    _mutate(exported, plan, "Biểu", ("Mã biểu", "PL2"), "Tên biểu", "Biểu đã sửa")
    changed = run("forms", "--templates", out)
    assert changed.exit_code == 0 and "Chú ý: nội dung kế hoạch" in changed.output
    embedded = run("forms", "--templates", out, "--plan", ROOT / "xlsx_forms" / "specs")
    assert "Chú ý: kế hoạch này khác kế hoạch đã dùng khi tạo biểu mẫu" in embedded.output


def test_help_texts_name_no_plan_of_their_own():
    for args in ((), ("generate",), ("harvest",), ("mail",), ("feedback",), ("forms",), ("rollup",), ("plan",),
                 ("plan", "export")):
        text = run(*args, "--help").output
        assert "Hà Giang" not in text and "2011-2020" not in text and "23/3/2020" not in text, args
    assert "kế hoạch có sẵn 372/KH-UBND" in " ".join(run("--help").output.split())
    for command in ("generate", "harvest", "mail", "feedback", "forms", "rollup"):
        assert "--plan" in run(command, "--help").output


def test_a_form_that_does_not_load_is_reported_once_not_at_every_unit(exported, tmp_path):
    """One mistake, one message: units assigned a form that failed to load are not
    reported again as assigned an unknown form."""
    bad = tmp_path / "bad.xlsx"
    _mutate(exported, bad, "Biểu", ("Mã biểu", "PL1"), "Số phụ lục", "hai")
    result = run("plan", "check", bad)
    assert result.exit_code == 2 and "«hai» không phải số nguyên" in result.output, result.output
    assert "phụ lục lạ «PL1»" not in result.output
