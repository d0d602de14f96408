"""What ``cchc plan check`` says: every message in the words of the workbook (its sheet,
row and the Vietnamese header of the column, no YAML key, no Python repr), and one
message per mistake (a cell left empty is not also a "missing field"; a kind that does
not load does not make every rule on its rows "not a number row"). Issue 11, review."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
import pytest

from xlsx_forms.authoring.names import Names, quoted
from xlsx_forms.authoring.sheets import ENUMS, FACT_HEADERS, FIRST_ROW, HEADER_ROW, SHEETS
from xlsx_forms.authoring.workflow import check_workbook, export_workbook
from xlsx_forms.errors import CchcError
from xlsx_forms.kinds import BASES, COMMON_FIELDS
from xlsx_forms.rules import RULE_TYPES
from xlsx_forms.spec_loader import KIND_FIELDS, RULE_KEYS, load_catalogue

from .specedit import spec_dir_with

CREATED = datetime(2020, 3, 23, tzinfo=timezone.utc)
# Every key of the YAML schema a message could leak, and every code of a drop-down list.
SCHEMA_KEYS = ({c.key.split(".")[-1] for s in SHEETS for c in s.columns if not c.key.startswith("^")}
               | KIND_FIELDS | set(COMMON_FIELDS) | set(RULE_KEYS)
               | {f.name for t in RULE_TYPES.values() for f in t.fields} | set(BASES)
               | {c for e in ENUMS.values() for c in e.values() if isinstance(c, str)}
               | {"plan", "period_sets", "kinds", "preparer_fields", "plausibility", "unit_kinds", "rules", "rows",
                  "tables", "sections", "responsible_units", "units", "forms", "consolidator", "evidence",
                  "year_jump", "unit_outlier", "groups", "None", "True", "False"})
# "email" is also the Vietnamese word (cột «Email», địa chỉ email).
SCHEMA_KEYS -= {"email"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "372.xlsx"
    path.write_bytes(export_workbook(None, CREATED))
    return path


def leaks(text: str) -> list[str]:
    """What in a message is not in the user's words: brackets, quotes or keys of the YAML
    schema outside «» (quoted values are the user's own data or labels)."""
    bare = re.sub(r"«[^«»]*(?:«[^«»]*»[^«»]*)*»", "«»", text)
    found = [ch for ch in "[]{}'\"" if ch in bare]
    found += [w for w in re.findall(r"[A-Za-z_]+", bare) if w in SCHEMA_KEYS]
    return found


def _cell(ws, sheet, column, key) -> tuple[int, int]:
    """(row, column) of ``column`` (1-based) in the row whose id is ``key``, or the first
    row holding a value in it."""
    if sheet.facts:
        return next(r for r in range(FIRST_ROW, ws.max_row + 1) if ws.cell(r, 1).value == column.header), 2
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(HEADER_ROW, c).value == column.header)
    if key is not None:
        ids = [c for c in range(1, ws.max_column + 1) if ws.cell(HEADER_ROW, c).value in
               ("Mã loại", "Mã kỳ", "Mã biểu", "Mã bảng", "Mã đơn vị", "Mã chỉ tiêu", "Mã quy tắc", "Mã", "Mục tiêu")]
        return next(r for r in range(FIRST_ROW, ws.max_row + 1) if any(str(ws.cell(r, c).value) == key
                                                                        for c in ids)), col
    return next(r for r in range(FIRST_ROW, ws.max_row + 1) if ws.cell(r, col).value not in (None, "")), col


def _mutated(source: Path, target: Path, changes) -> list[tuple[str, int, str, str]]:
    """``source`` with ``changes`` ((sheet name, column header, key value or None, new
    value) each) saved as ``target``: (sheet, row, letter, shown header) of each cell."""
    wb = openpyxl.load_workbook(source)
    cells = []
    for sheet_name, header, key, value in changes:
        sheet = next(s for s in SHEETS if s.name == sheet_name)
        column = next(c for c in sheet.columns if c.header == header)
        ws = wb[sheet_name]
        row, col = _cell(ws, sheet, column, key)
        ws.cell(row, col).value = value
        shown = f"{FACT_HEADERS[1]}: {header}" if sheet.facts else header
        cells.append((sheet_name, row, openpyxl.utils.get_column_letter(col), shown))
    wb.save(target)
    return cells


# Every required column emptied, every column of a fixed list given a value not in it.
GENERATED = [(s.name, c.header, None) for s in SHEETS for c in s.columns if c.required] + \
    [(s.name, c.header, "Không có trong danh sách") for s in SHEETS for c in s.columns
     if c.type in ("enum", "yesno")]


@pytest.mark.parametrize("sheet, header, value", GENERATED, ids=[f"{s}-{h}-{v}" for s, h, v in GENERATED])
def test_each_broken_cell_is_one_message_in_the_workbooks_words(exported, tmp_path, sheet, header, value):
    bad = tmp_path / "xấu.xlsx"
    [(name, row, letter, shown)] = _mutated(exported, bad, [(sheet, header, None, value)])
    problems = check_workbook(bad).problems
    assert len(problems) == 1, problems
    where, text = problems[0]
    assert where == f"Tệp {bad}, trang «{name}», dòng {row}, cột {letter} «{shown}»", problems
    assert not leaks(text), (text, leaks(text))
    if value is not None:   # the list, as the user would pick from it
        column = next(c for s in SHEETS if s.name == sheet for c in s.columns if c.header == header)
        labels = ENUMS["yesno" if column.type == "yesno" else column.choices]
        assert ", ".join(f"«{label}»" for label in labels) in text


# (mistakes, as (sheet, column header, key of the row or None: the first, new value), the
# number of messages, fragments of them).
MISTAKES = [
    ([("Loại ô", "Nhỏ nhất", "count", 5000000000)], 1, ["«Lớn nhất» là 1000000000, phải lớn hơn «Nhỏ nhất»"]),
    ([("Loại ô", "Kiểu", "count", None)], 1, ["ô bắt buộc bị bỏ trống"]),
    ([("Loại ô", "Mã loại", "count", None)], 1, ["ô bắt buộc bị bỏ trống"]),
    ([("Loại ô", "Lớn nhất", "count", "nhiều")], 1, ["«nhiều» không phải số"]),
    ([("Loại ô", "Lớn nhất", "count", None)], 1, ["loại ô «count»: thiếu «Lớn nhất», bắt buộc với kiểu «Số nguyên»"]),
    ([("Loại ô", "Độ dài tối đa", "count", 10)], 1, ["«Độ dài tối đa» không dùng cho kiểu «Số nguyên»"]),
    ([("Loại ô", "Cách tổng hợp", "count", "Số đơn vị theo từng lựa chọn")], 1,
     ["«Cách tổng hợp» «Số đơn vị theo từng lựa chọn» không dùng được cho kiểu «Số nguyên»"]),
    ([("Loại ô", "Tiêu đề gợi ý", "note", "Một tiêu đề dài hơn ba mươi hai ký tự cho ô ghi chú")], 1,
     ["«Tiêu đề gợi ý» dài 51 ký tự, tối đa 32"]),
    ([("Kỳ báo cáo", "Mã kỳ", "2020", "2019")], 1, ["mã kỳ «2019» bị trùng"]),
    # A preparer field's texts have the limits of a kind's (Excel's, on a validation).
    ([("Người lập biểu", "Tiêu đề gợi ý", "phone", "Số điện thoại cơ quan hoặc di động")], 1,
     ["«Tiêu đề gợi ý» dài 34 ký tự, tối đa 32"]),
    ([("Người lập biểu", "Gợi ý khi nhập", "email", "Nhập địa chỉ. " * 20)], 1,
     ["«Gợi ý khi nhập» dài 279 ký tự, tối đa 255"]),
    ([("Biểu", "Số phụ lục", "PL2", 1)], 1, ["số phụ lục 1 bị trùng với biểu «PL1»"]),
    ([("Biểu", "Số phụ lục", "PL2", 1000)], 1, ["«Số phụ lục» là «1000», phải là số nguyên từ 1 đến 999"]),
    ([("Biểu", "Số phụ lục", "PL2", 0)], 1, ["«Số phụ lục» là «0», phải là số nguyên từ 1 đến 999"]),
    ([("Biểu", "Số phụ lục", "PL1", "hai")], 1, ["«hai» không phải số nguyên"]),
    ([("Biểu", "Mã biểu", "PL1", None)], 1, ["ô bắt buộc bị bỏ trống"]),
    ([("Bảng", "Mã bảng", "I", None)], 1, ["ô bắt buộc bị bỏ trống"]),
    ([("Đơn vị phụ trách", "Mã đơn vị", "vp", None)], 1, ["ô bắt buộc bị bỏ trống"]),
    ([("Loại đơn vị", "Tên loại", "office", None)], 1, ["ô bắt buộc bị bỏ trống"]),
    ([("Loại đơn vị", "Mã loại", "ward", None)], 1, ["ô bắt buộc bị bỏ trống"]),
    ([("Chỉ tiêu", "Mã chỉ tiêu", "PL2.1.a", None)], 1, ["ô bắt buộc bị bỏ trống"]),
    ([("Chỉ tiêu", "Loại ô", "PL2.1.a", "money")], 1, ["loại ô «money» chưa được khai báo"]),
    ([("Quy tắc", "Dòng so sánh", "PL2-R02", "PL2.99")], 1, ["dùng dòng «PL2.99» không có trong biểu"]),
    ([("Quy tắc", "Mức độ", "PL2-R02", None)], 1, ["ô bắt buộc bị bỏ trống"]),
    ([("Đối chiếu", "Ngưỡng", None, "tám mươi")], 1, ["«tám mươi» không phải số"]),
    ([("Kế hoạch", "Hạn nộp", None, None)], 1, ["thiếu «Hạn nộp»"]),
    ([("Kế hoạch", "Hạn nộp", None, "31/2/2020")], 1, ["ngày «31/2/2020» không hợp lệ"]),
    # A date that is one, but none a workbook holds: refused where it stands, as text or date.
    *[([("Kế hoạch", "Hạn nộp", None, typed)], 1, [f"ngày {shown} nằm ngoài khoảng sổ tính ghi được"])
      for typed, shown in (("1/1/0001", "1/1/1"), ("28/2/1900", "28/2/1900"), ("0999-12-31", "31/12/999"))],
    # Serial numbers of the 1900 system, named as the program that stored them shows them.
    ([("Kế hoạch", "Hạn nộp", None, 1)], 1, ["ngày 1/1/1900 nằm ngoài khoảng sổ tính ghi được"]),
    ([("Kế hoạch", "Hạn nộp", None, 59)], 1, ["ngày 28/2/1900 nằm ngoài khoảng sổ tính ghi được"]),
    ([("Kế hoạch", "Hạn nộp", None, 60)], 1, ["ngày 29/2/1900 không có thật"]),
    ([("Kế hoạch", "Hạn nộp", None, -5)], 1, ["ngày «-5» không hợp lệ"]),
    ([("Kế hoạch", "Hạn nộp", None, 0.4375)], 1, ["ngày «0.4375» không hợp lệ"]),
    ([("Người lập biểu", "Mã", "phone", "fax")], 1, ["«Mã» phải là đúng các ô «name», «phone», «email»"]),
    # A list that is empty is said to be so, never left blank («các đơn vị phụ trách: »).
    ([("Chỉ tiêu", "Đơn vị phụ trách", "PL2.1.a", "vp")], 1, ["các đơn vị phụ trách: chưa khai báo"]),
    # A character no workbook or document can hold (typed as Excel's _xHHHH_ escape), in any text.
    *[([(sheet, header, key, f"Chữ{escape}lạ")], 1, [f"ký tự điều khiển {shown}"])
      for (sheet, header, key), (escape, shown) in zip(
          [("Đơn vị", "Tên đơn vị", "vp"), ("Biểu", "Tên biểu", "PL1"), ("Kế hoạch", "Tên ngắn", None),
           ("Người lập biểu", "Nhãn trên biểu", "phone"), ("Đề cương", "Đề mục", None)],
          [("_x0001_", "U+0001"), ("_x001F_", "U+001F"), ("_x0008_", "U+0008"), ("_xFFFE_", "U+FFFE"),
           ("_x000B_", "U+000B")], strict=True)],
    # Independent mistakes: one message each.
    ([("Chỉ tiêu", "Loại ô", "PL1.1", "money"), ("Quy tắc", "Dòng so sánh", "PL2-R02", "PL2.99")], 2,
     ["«money»", "«PL2.99»"]),
    ([("Loại ô", "Kiểu", "count", None), ("Loại ô", "Lớn nhất", "percent", 200), ("Biểu", "Bộ kỳ", "PL2", "x")],
     3, ["ô bắt buộc bị bỏ trống", "«Lớn nhất» của một tỷ lệ là 200", "bộ kỳ «x» chưa được khai báo"]),
]


@pytest.mark.parametrize("changes, count, fragments", MISTAKES, ids=[str(m[0]) for m in MISTAKES])
def test_one_mistake_is_one_message(exported, tmp_path, changes, count, fragments):
    bad = tmp_path / "xấu.xlsx"
    cells = _mutated(exported, bad, changes)
    problems = check_workbook(bad).problems
    assert len(problems) == count, problems
    text = "\n".join(f"{w}: {p}" for w, p in problems)
    assert all(f in text for f in fragments), text
    for sheet, row, _letter, _shown in cells:   # each at its own row
        assert f"trang «{sheet}», dòng {row}" in text, text
    assert not [leak for _w, p in problems for leak in leaks(p)], text
    assert not [p for _w, p in problems if EMPTY_LIST.search(p)], text


# A message ending on a list with nothing in it: «phụ trách: », «dùng một trong .».
EMPTY_LIST = re.compile(r"(?::|một trong)\s*(?:[.;,)]|$)")


@pytest.mark.parametrize("items, expected", [
    ([], "chưa khai báo"), (["vp"], "«vp»"), (["a", "b"], "«a», «b»"), ((i for i in ()), "chưa khai báo"),
])
def test_a_listed_value_set_is_never_blank(items, expected):
    assert quoted(items) == expected
    assert not EMPTY_LIST.search(f"dùng một trong {quoted(items)}.")
    assert Names().values("aggregate", iter(())) == "chưa khai báo"


# The YAML folder format names its keys (what its user typed), still in Vietnamese
# sentences and with no Python repr.
YAML = [
    ("catalogue.yaml", "    description: \"Số nguyên không âm (0", "    descriptio: \"Số nguyên không âm (0",
     ["thiếu «description»", "«descriptio» không dùng cho kiểu «integer»"]),
    ("catalogue.yaml", "    base: integer", "    base: fraction",
     ["«base» «fraction» không có; chọn một trong «integer», «decimal»"]),
    ("pl2.yaml", "severity: error", "severity: fatal",
     ["«severity» «fatal» không có; dùng một trong «error», «warning»"]),
    ("catalogue.yaml", "  default_deadline: 2020-03-23", "  default_deadline: soon",
     ["catalogue.yaml, dòng 13:", "«default_deadline» là «soon», không phải ngày"]),   # the key's own line
    *[("catalogue.yaml", "  default_deadline: 2020-03-23", f"  default_deadline: {typed}",
       [f"«default_deadline»: ngày {shown} nằm ngoài khoảng sổ tính ghi được (1/3/1900–31/12/9999)"])
      for typed, shown in (("0001-01-01", "1/1/1"), ("1900-02-28", "28/2/1900"))],
    # Names that a file system or Excel takes for another's (case), or a number no sheet
    # name can hold.
    ("pl2.yaml", "id: PL2\n", "id: pl1\n", ["mã biểu «pl1» bị trùng (chỉ khác chữ hoa, thường với «PL1»)"]),
    ("pl2.yaml", "number: 2\n", "number: 1000000000000000000000000\n", ["phải là số nguyên từ 1 đến 999"]),
    ("pl2.yaml", "number: 2\n", "number: 2.5\n", ["«number» là «2.5», phải là số nguyên từ 1 đến 999"]),
    ("pl2.yaml", "number: 2\n", f"number: 2\ntitle2: \"{'Ti' * 16400}\"\n", ["chuỗi dài 32800 ký tự, quá 32767"]),
    # An unquoted value YAML takes for a date that is none, wherever it stands; a date and time.
    ("catalogue.yaml", "  default_deadline: 2020-03-23", "  default_deadline: 2020-02-30",
     ["dòng 13", "«2020-02-30» không phải ngày có thật; một chữ thì đặt trong ngoặc kép"]),
    ("catalogue.yaml", "  default_deadline: 2020-03-23", "  default_deadline: 1900-02-29",
     ["«1900-02-29» không phải ngày có thật"]),
    ("catalogue.yaml", '  short: "CCHC 2011-2020"', "  short: 2021-13-01",
     ["dòng 8", "«2021-13-01» không phải ngày có thật"]),
    ("catalogue.yaml", "  default_deadline: 2020-03-23", "  default_deadline: 2020-03-23 10:00:00",
     ["«default_deadline» là ngày giờ «2020-03-23 10:00:00»; chỉ ghi ngày"]),
    # A value of another type where a text or a yes/no goes (it would crash generate, or
    # reach a template or an e-mail subject as Python writes it), at any depth.
    *[(name, old, new, fragments) for name, old, new, fragments in [
        ("catalogue.yaml", '  reference: "Kế hoạch số 372/KH-UBND ngày 12/3/2020 của UBND thành phố"',
         "  reference: 2020-01-01", ["dòng 10", "«reference» là «2020-01-01», không phải chữ"]),
        ("catalogue.yaml", '  short: "CCHC 2011-2020"', "  short: {a: 1, b: 2}",
         ["dòng 8", "«short» là một bảng khóa–giá trị, không phải chữ"]),
        ("catalogue.yaml", '  summary_title: "TỔNG HỢP PHỤ LỤC THỐNG KÊ TỔNG KẾT CCHC 2011-2020"',
         "  summary_title: [a]", ["«summary_title» là một danh sách, không phải chữ"]),
        ("catalogue.yaml", "partial: true}", "partial: maybe}", ["«partial» là «maybe», không phải có/không"]),
        ("catalogue.yaml", 'label: "Năm 2020 (Tính đến 23/3)"', "label: 2020-03-23",
         ["«label» là «2020-03-23», không phải chữ"]),
        ("pl1.yaml", 'label: "Số lượng văn bản chỉ đạo, điều hành"', "label: [a]",
         ["pl1.yaml, dòng 10", "«label» là một danh sách, không phải chữ"]),
        ("pl1.yaml", 'unit: "Văn bản"}', "unit: 2020-01-01, required: false}",
         ["«unit» là «2020-01-01», không phải chữ"]),
        ("pl1.yaml", 'unit: "Văn bản"}', 'unit: "Văn bản", required: maybe}',
         ["«required» là «maybe», không phải có/không"]),
    ]],
]


@pytest.mark.parametrize("written", ['"2020-03-23"', '"23/3/2020"', "' 23 / 3 / 2020 '", "2020-03-23"])
def test_a_deadline_written_as_text_is_read_as_the_workbook_reads_it(tmp_path, written):
    catalogue = load_catalogue(spec_dir_with(tmp_path, "catalogue.yaml", "  default_deadline: 2020-03-23",
                                             f"  default_deadline: {written}"))
    assert catalogue.plan.default_deadline == date(2020, 3, 23)


@pytest.mark.parametrize("name, old, new, fragments", YAML, ids=[y[2].strip() for y in YAML])
def test_yaml_messages_name_keys_but_no_repr(tmp_path, name, old, new, fragments):
    with pytest.raises(CchcError) as err:
        load_catalogue(spec_dir_with(tmp_path, name, old, new))
    text = str(err.value)
    assert all(f in text for f in fragments), text
    problems = [line.split(": ", 1)[-1] for line in text.splitlines()]
    assert not any(ch in p for p in problems for ch in "[]{}'\""), text


@pytest.mark.parametrize("bound, value", [("MAX_COLS", 8), ("MAX_ROWS", 20)])
def test_a_form_the_harvest_could_not_read_back_is_refused(monkeypatch, bound, value):
    # Its returns would all be refused as beyond the reader's bounds (sheetio.cells).
    from xlsx_forms import spec_loader
    monkeypatch.setattr(spec_loader, bound, value)
    with pytest.raises(CchcError) as err:
        load_catalogue(Path(spec_loader.__file__).parent / "specs")
    text = str(err.value)
    assert "quá giới hạn" in text and "mà phần tổng hợp đọc được" in text and "«PL1»" in text
