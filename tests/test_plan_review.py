"""Issue 11, second review: what a plan check accepted and the generator or the harvest
then could not use. Each class is a table of generated variants of the exported plan 372,
each asserting one Vietnamese message at its sheet, row and column header."""
from __future__ import annotations

import pytest

from harvest.issues import Code
from xlsx_forms.authoring.workflow import check_workbook
from xlsx_forms.ids import RESERVED_RE
from xlsx_forms.layout import FORM_COLUMNS

from .test_plan_messages import _mutated, exported, leaks  # noqa: F401  (exported: a fixture)


def one_message(source, tmp_path, changes, fragment, column=None):
    """The workbook ``source`` with ``changes``: exactly one problem, at the cell of the
    last change (or of ``column``, a (sheet, header, key) there), saying ``fragment``."""
    bad = tmp_path / "xấu.xlsx"
    cells = _mutated(source, bad, changes)
    problems = check_workbook(bad).problems
    assert len(problems) == 1, problems
    (where, text), = problems
    sheet, row, letter, shown = cells[-1]
    if column is not None:
        import openpyxl
        ws = openpyxl.load_workbook(bad)[column[0]]
        letter = next(openpyxl.utils.get_column_letter(c) for c in range(1, ws.max_column + 1)
                      if ws.cell(2, c).value == column[1])
        shown = column[1]
    assert where == f"Tệp {bad}, trang «{sheet}», dòng {row}, cột {letter} «{shown}»", problems
    assert fragment in text, text
    assert not leaks(text), (text, leaks(text))
    return text


COLUMNS = [
    ("stt, chi_tieu, periods", "có cột «chi_tieu» không dùng được"),
    ("stt, label, Periods, note", "có cột «Periods» không dùng được"),
    ("stt, label, label, periods, note", "ghi cột «label» hai lần"),
    ("stt, label, periods", "thiếu cột «note»"),
    ("label, periods, note", "thiếu cột «stt»"),
    ("stt, label, note", "thiếu cột «periods»"),
]


@pytest.mark.parametrize("value, fragment", COLUMNS)
def test_form_columns_are_those_the_writer_places(exported, tmp_path, value, fragment):  # noqa: F811
    text = one_message(exported, tmp_path, [("Biểu", "Các cột", "PL1", value)], fragment)
    assert ", ".join(f"«{c}»" for c in FORM_COLUMNS) in text   # the allowed values, as typed


SUMS = [   # (changes on PL2-R01: total PL2.0, parts PL2.1.a–d; PL6-R01/R02), fragment
    ([("Quy tắc", "Các dòng thành phần", "PL2-R01", "PL2.0, PL2.1.a")], "dòng tổng «PL2.0»"),
    ([("Quy tắc", "Các dòng thành phần", "PL2-R01", "PL2.1.a, PL2.1.b, PL2.1.a")], "ghi dòng «PL2.1.a» hai lần"),
    ([("Quy tắc", "Dòng tổng", "PL6-R02", "PL6.2.a"), ("Quy tắc", "Các dòng thành phần", "PL6-R02", "PL6.2, PL6.3.b")],
     "các quy tắc «PL6-R01», «PL6-R02» tính dòng «PL6.2.a» từ chính nó"),
]


@pytest.mark.parametrize("changes, fragment", SUMS, ids=[s[1] for s in SUMS])
def test_sum_rules_that_cannot_hold_are_refused(exported, tmp_path, changes, fragment):  # noqa: F811
    one_message(exported, tmp_path, changes, fragment)


RULE_IDS = ["PL2 R01", "V-NEGATIVE", "f-hmac", "PL2;R01", 'PL2"R01', "PL2:R01", "PL2.R01", "PL2-R01-quá-dài-x",
            "PL2-R0123456789012345"]


@pytest.mark.parametrize("value", RULE_IDS)
def test_rule_ids_are_safe_issue_codes(exported, tmp_path, value):  # noqa: F811
    one_message(exported, tmp_path, [("Quy tắc", "Mã quy tắc", "PL2-R02", value)], f"mã quy tắc «{value}» không hợp lệ")


def test_a_rule_id_twice_is_refused(exported, tmp_path):  # noqa: F811
    one_message(exported, tmp_path, [("Quy tắc", "Mã quy tắc", "PL3-R02", "PL2-R01")], "mã quy tắc «PL2-R01» bị trùng")


def test_reserved_shape_covers_the_harvest_catalogue():
    assert all(RESERVED_RE.match(code) for code in Code)


@pytest.mark.parametrize("value", ["PL2,7", "PL2 7", "PL2:7", "PL2;7", "PL2/7", "Chỉ.7", "x" * 41])
def test_row_ids_have_the_id_shape(exported, tmp_path, value):  # noqa: F811
    one_message(exported, tmp_path, [("Chỉ tiêu", "Mã chỉ tiêu", "PL2.7", value)], f"mã dòng «{value}» không hợp lệ")


# A number typed as text is read as the harvest reads a Vietnamese number.
TEXT_NUMBERS = [("100.000", 100000), ("1.000.000.000", 1000000000), ("2 000 000", 2000000), ("92,5", 92.5),
                ("1.234,5", 1234.5), ("92.5", 92.5), ("5000000", 5000000), ("-3", -3)]


@pytest.mark.parametrize("text, number", TEXT_NUMBERS)
def test_a_number_typed_as_text_reads_the_vietnamese_way(exported, tmp_path, text, number):  # noqa: F811
    from xlsx_forms.authoring.reader import read_workbook
    bad = tmp_path / "số.xlsx"
    _mutated(exported, bad, [("Loại ô", "Lớn nhất", "count", text), ("Kiểm tra hợp lý", "Năm: tăng gấp", None, text)])
    found = read_workbook(bad.read_bytes(), bad)
    assert not found.problems, found.problems
    assert found.base["kinds"]["count"]["max"] == number
    assert found.base["plausibility"]["year_jump"]["rise"] == number


@pytest.mark.parametrize("text", ["100,000", "1,000,000", "12,345"])
def test_a_number_that_could_be_two_is_refused(exported, tmp_path, text):  # noqa: F811
    one_message(exported, tmp_path, [("Loại ô", "Lớn nhất", "count", text)], f"«{text}» không rõ là số nào")


# Sheets and columns: (a change of the workbook's structure, where the one message is, fragment).
def _rename_sheet(old, new):
    def change(wb):
        wb[old].title = new
        return f"trang «{new}»"
    return change


def _header(sheet, old, new):
    def change(wb):
        ws = wb[sheet]
        col = next(c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value == old)
        ws.cell(2, col).value = new
        from openpyxl.utils import get_column_letter
        return f"trang «{sheet}», dòng 2, cột {get_column_letter(col)} «{new}»"
    return change


def _extra(sheet, header):
    def change(wb):
        ws = wb[sheet]
        col = ws.max_column + 1
        ws.cell(2, col).value, ws.cell(3, col).value = header, "x"
        from openpyxl.utils import get_column_letter
        return f"trang «{sheet}», dòng 2, cột {get_column_letter(col)} «{header}»"
    return change


def _emptied(sheet):
    def change(wb):
        ws = wb[sheet]
        for row in ws.iter_rows(min_row=3):
            for cell in row:
                cell.value = None
        return f"trang «{sheet}», dòng 3"
    return change


def _fact_label(sheet, old, new):
    def change(wb):
        ws = wb[sheet]
        row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == old)
        ws.cell(row, 1).value = new
        return f"trang «{sheet}», dòng {row}, cột A «Thông tin»"
    return change


STRUCTURE = [
    (_rename_sheet("Quy tắc", "Quy tac"), "(có phải «Quy tắc»?)"),
    (_rename_sheet("Chỉ tiêu", "Chi tieu"), "(có phải «Chỉ tiêu»?)"),
    (_rename_sheet("Đối chiếu", "Doi chieu"), "(có phải «Đối chiếu»?)"),
    (_header("Chỉ tiêu", "Loại ô", "Loai o"), "(có phải «Loại ô»?)"),
    (_header("Chỉ tiêu", "Mã chỉ tiêu", "Ma chi tieu"), "(có phải «Mã chỉ tiêu»?)"),
    (_header("Quy tắc", "Dòng tổng", "Dong tong"), "(có phải «Dòng tổng»?)"),
    (_header("Loại ô", "Lớn nhất", "Lon nhat"), "(có phải «Lớn nhất»?)"),
    (_extra("Chỉ tiêu", "Loại ô"), "cột «Loại ô» có hai lần"),
    (_extra("Biểu", "Mã biểu"), "cột «Mã biểu» có hai lần"),
    (_emptied("Người lập biểu"), "cần đúng ba dòng, «Mã» lần lượt là «name», «phone», «email»"),
    (_emptied("Loại đơn vị"), "trang chưa có dòng nào"),
    (_emptied("Loại ô"), "trang chưa có dòng nào"),
    (_fact_label("Kế hoạch", "Cơ quan ban hành", "Co quan ban hanh"), "(có phải «Cơ quan ban hành»?)"),
]


@pytest.mark.parametrize("change, fragment", STRUCTURE, ids=[s[1] for s in STRUCTURE])
def test_a_sheet_or_column_wrong_is_one_message(exported, tmp_path, change, fragment):  # noqa: F811
    import openpyxl
    wb = openpyxl.load_workbook(exported)
    place = change(wb)
    bad = tmp_path / "xấu.xlsx"
    wb.save(bad)
    problems = check_workbook(bad).problems
    assert len(problems) == 1, problems
    (where, text), = problems
    assert where == f"Tệp {bad}, {place}", problems
    assert fragment in text, text
    assert not leaks(text), (text, leaks(text))


def test_a_preparer_row_missing_is_named(exported, tmp_path):  # noqa: F811
    import openpyxl
    wb = openpyxl.load_workbook(exported)
    ws = wb["Người lập biểu"]
    ws.delete_rows(5)   # the «email» row
    bad = tmp_path / "xấu.xlsx"
    wb.save(bad)
    (where, text), = check_workbook(bad).problems
    assert where == f"Tệp {bad}, trang «Người lập biểu», dòng 4, cột A «Mã»", where
    assert "thiếu dòng «email»" in text, text


# Plausibility thresholds: each message names the header of its own row.
PLAUSIBILITY = [
    ({"Năm: tăng gấp": None}, "dòng 3, cột B «Giá trị: Năm: tăng gấp»", "thiếu «Năm: tăng gấp»"),
    ({"Đơn vị: số độ lệch": None}, "dòng 9, cột B «Giá trị: Đơn vị: số độ lệch»", "thiếu «Đơn vị: số độ lệch»"),
    ({"Đơn vị: số đơn vị tối thiểu": None}, "dòng 12, cột B «Giá trị: Đơn vị: số đơn vị tối thiểu»",
     "thiếu «Đơn vị: số đơn vị tối thiểu»"),
    ("all", "dòng 3", "chưa có ngưỡng nào («Năm: …», «Đơn vị: …») mà đã có nhóm so sánh (trang «Nhóm so sánh»)"),
]


@pytest.mark.parametrize("cleared, place, fragment", PLAUSIBILITY, ids=[p[2] for p in PLAUSIBILITY])
def test_plausibility_messages_name_headers(exported, tmp_path, cleared, place, fragment):  # noqa: F811
    import openpyxl
    wb = openpyxl.load_workbook(exported)
    ws = wb["Kiểm tra hợp lý"]
    for r in range(3, ws.max_row + 1):
        if cleared == "all" or ws.cell(r, 1).value in cleared:
            ws.cell(r, 2).value = None
    bad = tmp_path / "xấu.xlsx"
    wb.save(bad)
    (where, text), = check_workbook(bad).problems
    assert where == f"Tệp {bad}, trang «Kiểm tra hợp lý», {place}", where
    assert fragment in text and not leaks(text), text


def test_own_note_columns_and_sheets_are_allowed(exported, tmp_path):  # noqa: F811
    import openpyxl
    wb = openpyxl.load_workbook(exported)
    ws = wb["Chỉ tiêu"]
    col = ws.max_column + 1
    ws.cell(2, col).value, ws.cell(3, col).value = "Ghi chú của tổ soạn thảo", "xem lại"
    wb.create_sheet("Ghi chú").cell(1, 1).value = "việc còn lại"
    bad = tmp_path / "ghi-chú.xlsx"
    wb.save(bad)
    assert check_workbook(bad).problems == []
