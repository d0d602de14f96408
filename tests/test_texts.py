"""What the console, the messages and the instructions sheet say (issue 14, "What the
console and the help say"): ``cchc forms`` shows each appendix's rows, periods and checks;
every catalogue of texts is scanned for the classes of slips the issue lists."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import openpyxl
import pytest
from click.testing import CliRunner

from cchc.cli import cli
from harvest.cellvalues import show, show_date
from harvest.issues import Code, unit_called
from mailer.messages import feedback_letter, mailout_letter, reminder_letter
from xlsx_forms.describe import catalogue_lines, describe_form, row_ref
from xlsx_forms.errors import CATALOGUE
from xlsx_forms.generate import generate_all
from xlsx_forms.instructions import how_to_fill
from xlsx_forms.registry import DEFAULT_REGISTRY, load_registry
from xlsx_forms.rules import rule_type
from xlsx_forms.spec_loader import default_catalogue
from xlsx_forms.styles import COLOUR_VI, INPUT_FILL, MISSING_FILL
from xlsx_forms.writer import GenerateOptions

CATALOGUE_ = default_catalogue()


@pytest.fixture(scope="module")
def forms_output() -> str:
    result = CliRunner().invoke(cli, ["forms", "--fixes"], catch_exceptions=False)
    assert result.exit_code == 0
    return result.output


# (form, a line that must be in its block): a row with its kind, unit of measure,
# requirement and consolidation; a section header; periods; a rule with its type's
# Vietnamese name and the rows it reads by STT and label; a typo fix.
EXPECTED = [
    ("PL1", "  Kỳ báo cáo: Năm 2015; Năm 2016; Năm 2017; Năm 2018; Năm 2019; Năm 2020 (Tính đến 23/3)."),
    ("PL1", "    1    Số lượng văn bản chỉ đạo, điều hành"),
    ("PL1", "         Số lượng; đơn vị tính: Văn bản; bắt buộc; tổng hợp: tổng các đơn vị"),
    ("PL1", "    6    Đo lường sự hài lòng của người dân, tổ chức (nếu có) (đề mục, không nhập số liệu)"),
    ("PL1", "         Tỷ lệ %; đơn vị tính: %; không bắt buộc; tổng hợp: trung bình có trọng số (theo số mẫu), "
            "trọng số là «Số lượng mẫu đã khảo sát» (thuộc STT 6)"),
    ("PL1", "    PL1-R01 (Cần có; lỗi, phải sửa): Có mức độ hài lòng chung (STT 6) thì số lượng mẫu đã khảo sát "
            "phải lớn hơn 0."),
    ("PL1", "        Dòng cần có số liệu: «Số lượng mẫu đã khảo sát» (thuộc STT 6)"),
    ("PL1", "        Cột Kiểm tra hiện: «Có mức hài lòng nhưng chưa có mẫu khảo sát»"),
    ("PL2", "        Dòng so sánh: STT 2 «Số VBQPL được đề nghị sửa đổi, bổ sung, thay thế, bãi bỏ hoặc ban hành "
            "mới sau rà soát»"),
    ("PL2", "  Sửa lỗi chính tả so với văn bản gốc (tên phụ lục): «thuế chẽ» → «thể chế»"),
    ("PL2", "  Sửa lỗi chính tả so với văn bản gốc (STT 3 «Số VBQPL đã được xử lý theo thẩm quyền hoặc kiến "
            "nghị cơ quan có thẩm quyền sau rà soát»): «kiểm nghị» → «kiến nghị»"),
    ("PL4", "  Kỳ báo cáo: Giai đoạn 2001-2010 (Tính đến 12/2010); Giai đoạn 2011-2020 (Tính đến 12/2019)."),
    ("PL4", "        Dòng tổng: «Số đơn vị sự nghiệp thuộc UBND cấp huyện» (bảng I)"),
    ("PL6", "    PL6-R01 (Tổng bằng; lỗi, phải sửa): Chỉ tiêu STT 2 phải bằng tổng bốn dòng con của nó."),
    ("PL8", "         Đánh giá; bắt buộc; tổng hợp: đơn vị chịu trách nhiệm; đơn vị đánh giá: Ban TC-NV"),
    ("PL8", "        Số liệu: Phụ lục 7, STT 1 «Tỷ lệ văn bản hành chính được trao đổi dưới dạng điện tử» ≥ 90; "
            "kỳ xét: Năm 2020 (Tính đến 23/3), nếu chưa có thì Năm 2019; cần xác nhận khi đánh giá «Đạt» mà "
            "số liệu chưa đạt"),
]


def _block(output: str, form_id: str) -> list[str]:
    # (the first block opens with the line saying which plan is used)
    head = f"{form_id}  Phụ lục "
    (block,) = [b[b.index(head):] for b in output.split("\n\n") if head in b]
    return block.splitlines()


@pytest.mark.parametrize("form_id, line", EXPECTED)
def test_forms_shows_rows_periods_checks(forms_output, form_id, line):
    assert line in _block(forms_output, form_id)


@pytest.mark.parametrize("form", list(CATALOGUE_.forms.values()), ids=list(CATALOGUE_.forms))
def test_forms_block_covers_every_row_period_and_rule(forms_output, form):
    """Every row (label), period and rule (code, type name, each operand row) of the spec is shown."""
    block = "\n".join(_block(forms_output, form.id))
    assert f"Phiên bản đặc tả {form.version}; {len(form.input_rows)} chỉ tiêu × {len(form.periods)} kỳ" in block
    assert all(row.label in block for row in form.rows)
    assert all(p.label in block for p in form.periods)
    for rule in form.rules:
        assert f"{rule.code} ({rule_type(rule).label}; " in block
        assert all(row_ref(form, form.row(r)) in block for r in rule.row_ids)
    assert all(f"«{fix.wrong}» → «{fix.right}»" in block for _, fix in form.all_fixes())


def test_forms_without_fixes_hides_them():
    lines = catalogue_lines(CATALOGUE_)
    assert not any("Sửa lỗi chính tả" in line for line in lines)
    assert describe_form(CATALOGUE_, CATALOGUE_.form("PL2"), fixes=False) == \
        [line for line in describe_form(CATALOGUE_, CATALOGUE_.form("PL2"), fixes=True) if "Sửa lỗi" not in line]


@pytest.mark.parametrize("row_id, expected", [
    ("PL2.2", "STT 2 «Số VBQPL được đề nghị sửa đổi, bổ sung, thay thế, bãi bỏ hoặc ban hành mới sau rà soát»"),
    ("PL3.1", "STT 1 «Tổng số TTHC của cơ quan, đơn vị»"),             # "1." printed
    ("PL3.6.b", "«Số lượng PAKN đã giải quyết trong năm» (thuộc STT 6)"),   # "-" printed
    ("PL2.1.a", "«Nghị quyết của HĐND cấp huyện» (thuộc STT 1)"),     # "" printed
    ("PL2.0", "«Tổng số văn bản quy phạm pháp luật (VBQPL) chủ trì soạn thảo đã được ban hành»"),  # no STT above
    ("PL4.II.b", "«Sự nghiệp y tế cấp huyện» (bảng II)"),             # transposed table
])
def test_row_ref(row_id, expected):
    form = CATALOGUE_.form(row_id.split(".")[0])
    assert row_ref(form, form.row(row_id)) == expected


# ---- The catalogues of texts, scanned for the classes of slips of issue 14 ----------------

def _catalogue_texts() -> dict[str, str]:
    """Every catalogued text a person reads: issue templates, operator errors, rule texts,
    kinds' texts, the instructions' steps."""
    texts = {f"Code.{c.name}": c.template for c in Code}
    texts.update({f"errors.{k}": ". ".join(v) for k, v in CATALOGUE.items()})
    for form in CATALOGUE_.forms.values():
        for rule in form.rules:
            texts[f"{rule.code}.message"], texts[f"{rule.code}.short"] = rule.message, rule.short
        for i, step in enumerate(how_to_fill(form, CATALOGUE_.kinds), 1):
            texts[f"{form.id}.step{i}"] = step
    for kind in CATALOGUE_.kinds.values():
        for name in ("label", "description", "input_title", "input_message", "error_title", "error_message",
                     "instruction"):
            texts[f"kind.{kind.id}.{name}"] = getattr(kind, name)
    texts["plan.data_range"] = CATALOGUE_.plan.data_range
    return texts


@pytest.fixture(scope="module")
def letters() -> dict[str, str]:
    """The bodies of the three kinds of letters, for a deadline with a one-digit day and month."""
    registry = load_registry(DEFAULT_REGISTRY, CATALOGUE_)
    unit, due = registry.unit("vp"), date(2020, 3, 5)
    made = {
        "mailout": mailout_letter(CATALOGUE_, registry, unit, [], ["PL1", "PL3"], due),
        "reminder": reminder_letter(CATALOGUE_, registry, unit, ["PL1"], {"PL3": ["PL3: ô D9: lỗi"]}, [], due),
        "feedback": feedback_letter(CATALOGUE_, registry, unit, {"PL3": 2}, [], due, confirm={"PL1": 1}),
    }
    return {name: "\n".join(letter.lines) for name, letter in made.items()}


# Common nouns title-cased by mistake mid-sentence ("Thư Mục", "chưa nộp Tệp"): a capital
# after a lower-case word is a slip for these words (proper names, menu items and the
# choices «Đạt»/«Không đạt» are not in the list).
WRONG_CAPITALS = ("Tệp", "Thư", "Mục", "Đơn", "Vị", "Biểu", "Mẫu", "Lỗi", "Cảnh", "Dòng", "Cột", "Ô", "Ngày",
                  "Hạn", "Khóa", "Sổ", "Trang", "Số", "Phiên", "Bản", "Giá", "Trị", "Kỳ", "Chỉ", "Tiêu", "Người",
                  "Thư", "Tổng", "Hợp", "Ghi", "Chú",
                  # administrative words of a place's name ("của Thành phố Hà Giang"): registry.in_sentence
                  "Thành", "Thị", "Tỉnh", "Huyện", "Quận", "Phường", "Xã")
_WORDS = re.compile(r"\w+|[^\w\s]")


def capital_slips(text: str) -> list[str]:
    """Word pairs where a listed noun is capitalised after a lower-case word or inside a
    title-cased pair ("Thư Mục"); quotations «…» are left alone (they quote files and cells)."""
    found = []
    for line in text.splitlines():   # a line (a cell, a paragraph) starts afresh
        words = _WORDS.findall(re.sub(r"«[^»]*»", "«»", line))
        found += [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)
                  if b in WRONG_CAPITALS and a.isalpha() and (a.islower() or a in WRONG_CAPITALS)]
    return found


DATE_NOT_DMY = re.compile(r"\b0\d/\d|\d/0\d/|\b\d{4}-\d\d-\d\d\b|\b\d{1,2}/\d{1,2}/\d{2}\b(?!\d)")


def test_scanners_catch_their_class():
    assert capital_slips("không đọc được Thư Mục «a»") == ["được Thư", "Thư Mục"]
    assert capital_slips("Tệp «Thư Mục» hỏng. Tệp khác") == []
    assert [DATE_NOT_DMY.search(t) is not None for t in ("05/03/2020", "5/03/2020", "2020-03-05", "5/3/20",
                                                         "5/3/2020", "12/2019", "23/3")] == \
        [True, True, True, True, False, False, False]


@pytest.mark.parametrize("name, text", sorted(_catalogue_texts().items()))
def test_catalogue_texts(name, text):
    assert not capital_slips(text), name
    assert not DATE_NOT_DMY.search(text), name
    assert "..." not in text and not text.rstrip().endswith("…"), name          # no cut-offs
    if "{deadline}" in text:   # deadlines are "chậm nhất ngày", as the plan says
        assert all(m.group(1) == "chậm nhất ngày " for m in re.finditer(r"(.{0,15})\{deadline\}", text)), name


# Texts that reach offices (letters quote issue messages; a correction workbook's comments
# are issue messages): never the program's name. Only the codes never attributed to a unit
# (the inbox's own entries, an unregistered unit) speak to the consolidator alone.
OPERATOR_ONLY = {Code.F_NOT_READ, Code.F_SYSTEM_FILE, Code.F_UNKNOWN_UNIT}


@pytest.mark.parametrize("code", [c for c in Code if c not in OPERATOR_ONLY], ids=str)
def test_office_issue_messages_never_name_the_program(code):
    assert "cchc" not in code.template.lower()


def test_letters(letters):
    for name, body in letters.items():
        assert "cchc" not in body.lower(), name
        assert not capital_slips(body) and not DATE_NOT_DMY.search(body), name
        assert "..." not in body, name
    assert "chậm nhất ngày 5/3/2020" in letters["mailout"] and "chậm nhất ngày 5/3/2020" in letters["reminder"]
    assert f"nền {COLOUR_VI[INPUT_FILL]}" in letters["mailout"]


@pytest.mark.parametrize("form", list(CATALOGUE_.forms.values()), ids=list(CATALOGUE_.forms))
def test_instruction_steps_and_rule_texts(form):
    steps = how_to_fill(form, CATALOGUE_.kinds)
    assert steps[0] == f"Chỉ nhập vào các ô nền {COLOUR_VI[INPUT_FILL]}; các ô khác đã được khóa."
    assert any(f"Ô nền {COLOUR_VI[MISSING_FILL]} là ô bắt buộc còn trống" in s for s in steps)
    assert all(s.strip() for s in steps)   # no empty step
    for rule in form.rules:
        # A rule names indicators by STT, never "dòng N" (a sheet's line), and says "không được".
        assert not re.search(r"\bdòng \d", rule.message, re.IGNORECASE), rule.code
        assert "phải không" not in rule.message, rule.code


@pytest.fixture(scope="module")
def instructions(tmp_path_factory) -> dict[str, list[tuple]]:
    out = tmp_path_factory.mktemp("tpl")
    registry = load_registry(DEFAULT_REGISTRY, CATALOGUE_)
    options = GenerateOptions(deadline=date(2020, 3, 5), key=b"k" * 32,
                              generated_at=datetime(2020, 3, 1, tzinfo=timezone.utc))
    generate_all(CATALOGUE_, registry, out, options, forms=("PL1", "PL8"))
    sheets = {}
    for path in (out / "vp" / "PL1_vp.xlsx", out / "vp" / "PL8_vp.xlsx"):
        ws = openpyxl.load_workbook(path)["Hướng dẫn"]
        sheets[path.stem] = [tuple(c.value for c in row) for row in ws.iter_rows()]
    return sheets


def test_instructions_sheet_reads_naturally(instructions):
    for name, rows in instructions.items():
        text = "\n".join(str(v) for row in rows for v in row if v is not None)
        keys = [row[0] for row in rows]
        assert "Gửi về" in keys and "Nơi nhận" not in keys, name
        assert "Chậm nhất ngày 5/3/2020" in text and "từ ngày 1/1/2011" in text, name
        assert "Trong biểu hiện" not in text and "((" not in text and not re.search(r"\([^()]*\([^()]*\)\)", text)
        assert "–" not in text.replace("Tổ chức - Nội vụ", ""), name   # our separators are commas
        assert not capital_slips(text) and not DATE_NOT_DMY.search(text), name
        # Steps are numbered 1, 2, … with no empty row between them.
        numbered = [i for i, key in enumerate(keys) if key and re.fullmatch(r"\d+\.", str(key))]
        assert numbered == list(range(numbered[0], numbered[0] + len(numbered))), name
    pl1 = "\n".join(str(v) for row in instructions["PL1_vp"] for v in row if v is not None)
    assert "Lỗi, phải sửa trước khi gửi. Có mức độ hài lòng chung (STT 6) thì số lượng mẫu đã khảo sát phải lớn " \
           "hơn 0. Cột Kiểm tra hiện: «Có mức hài lòng nhưng chưa có mẫu khảo sát»." in pl1
    assert "không được nhỏ hơn" in pl1 and "có thể nhập số thập phân" in pl1


# ---- Numbers and dates as messages write them ------------------------------------------

@pytest.mark.parametrize("value, text", [
    (0.00005, "0,00005"), (-0.000035, "-0,000035"), (0.0001, "0,0001"), (12.5, "12,5"),
    (1234567.891, "1234567,891"), (1e15 + 0.5, "1000000000000000,5"), (85.0, "85"),
    (1e17, "1e+17"), (1e-7, "1e-07"),   # no count or rate has these: they stay visibly odd
])
def test_numbers_never_in_scientific_notation_for_ordinary_magnitudes(value, text):
    assert show(value) == text


@pytest.mark.parametrize("serial, text", [(43895, "5/3/2020"), (43913, "23/3/2020"), (43895.25, "06:00 5/3/2020")])
def test_dates_in_messages_are_d_m_yyyy(serial, text):
    assert show_date(serial) == text


def test_units_are_named_by_name():
    registry = load_registry(DEFAULT_REGISTRY, CATALOGUE_)
    assert unit_called(registry, "vp") == f"«{registry.unit('vp').name}»"
    assert unit_called(registry, "khong-co") == "mã «khong-co»"
    assert "{unit}" not in Code.R_UNASSIGNED.template and "{unit}" not in Code.F_HMAC.template


# English words (and reST markup) that leak when a code docstring reaches a user: the
# authoring workbook showed each kind's docstring in «Hướng dẫn» and «Loại ô» (issue 11).
ENGLISH = ("whole", "numbers", "number", "summed", "default", "shown", "places", "free", "characters",
           "text", "counts", "amounts", "percentages", "stored", "choices", "never", "kept", "the", "with",
           "and", "of", "or", "by", "up")
_ASCII_WORD = re.compile(r"(?<![\w.@/\\-])[A-Za-z]+(?![\w.@/\\-])")


def english_slips(text: str) -> list[str]:
    """Listed English words standing alone (not inside an id, a path, an address or a
    formula) and reST literals; quotations «…» are left alone (they quote codes)."""
    text = re.sub(r"«[^»]*»", "«»", text)
    return [w for w in _ASCII_WORD.findall(text) if w.lower() in ENGLISH] + (["``"] if "``" in text else [])


def _workbook_texts(data: bytes) -> dict[str, str]:
    """Every text of a workbook a user reads: cells, drop-down lists and the input and
    error messages of data validations, sheet by sheet."""
    import io
    wb = openpyxl.load_workbook(io.BytesIO(data))
    texts = {}
    for ws in wb.worksheets:
        texts[f"{ws.title}!name"] = ws.title
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    texts[f"{ws.title}!{cell.coordinate}"] = cell.value
                if cell.comment is not None:
                    texts[f"{ws.title}!{cell.coordinate}.comment"] = cell.comment.text
        for i, dv in enumerate(ws.data_validations.dataValidation):
            for name in ("formula1", "prompt", "promptTitle", "error", "errorTitle"):
                if isinstance(getattr(dv, name), str):
                    texts[f"{ws.title}!dv{i}.{name}"] = getattr(dv, name)
    for name in wb.defined_names:
        texts[f"name.{name}"] = wb.defined_names[name].attr_text
    return texts


def test_english_scanner_catches_its_class():
    assert english_slips("Số nguyên: Counts: whole numbers, summed by default") == \
        ["Counts", "whole", "numbers", "summed", "by", "default"]
    assert english_slips("shown with ``decimals`` places") == ["shown", "with", "places", "``"]
    assert english_slips("mã «the» trong ô D9, tệp a_the.xlsx, Kiểu!$A$1:$A$6, x@the.vn") == []


@pytest.mark.parametrize("make", ["new", "export"])
def test_authoring_workbook_has_no_english(tmp_path, make):
    """``cchc plan new`` and ``plan export`` (plan 372): no sheet, cell, list or message in English."""
    path = tmp_path / "plan.xlsx"
    args = ["plan", "new", str(path)] if make == "new" else ["plan", "export", "--out", str(path)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    texts = _workbook_texts(path.read_bytes())
    assert any("Số nguyên" in t for t in texts.values())   # the scan reads the kinds' texts
    slips = {where: found for where, text in texts.items() if (found := english_slips(text))}
    assert not slips
