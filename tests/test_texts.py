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
# A date after "từ" or "đến" is a day: "từ ngày 1/1/2011", not "từ 1/1/2011".
DATE_WITHOUT_NGAY = re.compile(r"\b(?:từ|đến)\s+\d{1,2}/\d{1,2}/\d{4}\b", re.IGNORECASE)


def test_scanners_catch_their_class():
    assert capital_slips("không đọc được Thư Mục «a»") == ["được Thư", "Thư Mục"]
    assert capital_slips("Tệp «Thư Mục» hỏng. Tệp khác") == []
    assert [DATE_NOT_DMY.search(t) is not None for t in ("05/03/2020", "5/03/2020", "2020-03-05", "5/3/20",
                                                         "5/3/2020", "12/2019", "23/3")] == \
        [True, True, True, True, False, False, False]
    assert [DATE_WITHOUT_NGAY.search(t) is not None for t in ("tính từ 1/1/2011", "Từ 01/01/2011", "đến 23/3/2020",
                                                              "từ ngày 1/1/2011 đến ngày 23/3/2020",
                                                              "Tính đến 23/3", "từ 20% trở lên")] == \
        [True, True, True, False, False, False]


@pytest.mark.parametrize("name, text", sorted(_catalogue_texts().items()))
def test_catalogue_texts(name, text):
    assert not capital_slips(text), name
    assert not DATE_NOT_DMY.search(text) and not DATE_WITHOUT_NGAY.search(text), name
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
def generated(tmp_path_factory):
    """PL1 and PL8 for every unit, due 5/3/2020 (a one-digit day and month)."""
    out = tmp_path_factory.mktemp("tpl")
    registry = load_registry(DEFAULT_REGISTRY, CATALOGUE_)
    options = GenerateOptions(deadline=date(2020, 3, 5), key=b"k" * 32,
                              generated_at=datetime(2020, 3, 1, tzinfo=timezone.utc))
    generate_all(CATALOGUE_, registry, out, options, forms=("PL1", "PL8"))
    return out


@pytest.fixture(scope="module")
def instructions(generated) -> dict[str, list[tuple]]:
    out = generated
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


# ---- Error lines: one style, whoever wrote the message (issue 14) -------------------------

# Words an error may start with in capitals; abbreviations (SMTP, HMAC, PL3) are all capitals.
PROPER_START = {"Excel", "LibreOffice", "Word", "Windows", "Thunderbird", "Outlook"}


def error_slips(message: str) -> list[str]:
    """What is wrong with an error line: not "Lỗi: " then a lower-case word (a place, a
    proper name or an abbreviation may come first), a name in ASCII quotes, brackets
    inside brackets."""
    slips = []
    if not message.startswith("Lỗi: "):
        return ["no «Lỗi: »"]
    rest = message[len("Lỗi: "):]
    first = re.match(r"\w+", rest)
    if first and first.group()[0].isupper() and not first.group().isupper() and first.group() not in PROPER_START:
        slips.append(f"capital «{first.group()}»")
    outside = re.sub(r"«[^»]*»", "«»", rest)
    if re.search(r"(?<!\w)'[^'\n]+'(?!\w)", outside) or '"' in outside:
        slips.append("ASCII quotes")
    depth = 0
    for ch in outside:
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(ch, 0)
        if depth > 1:
            slips.append("nested brackets")
            break
    return slips


def test_error_scanner_catches_its_class():
    assert error_slips("Lỗi: Thiếu tham số 'X'.") == ["capital «Thiếu»", "ASCII quotes"]
    assert error_slips("Lỗi: khóa (dấu vân tay: x (ghi trong y)).") == ["nested brackets"]
    assert error_slips("Lỗi: /a/Hồ sơ: không có «'x'» (SMTP).") == []
    assert error_slips("Lỗi: SMTP: Excel") == [] and error_slips("Error: x") == ["no «Lỗi: »"]


@pytest.mark.parametrize("message, shown", [
    ("Thiếu tham số 'THƯ_MỤC_NHẬN'.", "thiếu tham số «THƯ_MỤC_NHẬN»."),
    ("Không có tùy chọn '--bogus'. Có phải ý bạn là '--out'?",
     "không có tùy chọn «--bogus». Có phải ý bạn là «--out»?"),
    ("Có tài khoản SMTP nhưng chưa đặt mật khẩu.", "có tài khoản SMTP nhưng chưa đặt mật khẩu."),
    ("SMTP từ chối đăng nhập.", "SMTP từ chối đăng nhập."),
    ("Excel không mở được tệp.", "Excel không mở được tệp."),
    ("Ô D9 trống.", "ô D9 trống."),
    ("Documents/inbox: không có.", "Documents/inbox: không có."),      # a relative path stays
    ("Báo_cáo.xlsx: hỏng.", "Báo_cáo.xlsx: hỏng."),
    ("«Tệp 'a'.xlsx» không tồn tại.", "«Tệp 'a'.xlsx» không tồn tại."),   # quoted file names stay
    ('giá trị "o\'brien" sai', "giá trị «o'brien» sai"),
    ("không đọc được tệp o'brien.xlsx", "không đọc được tệp o'brien.xlsx"),
])
def test_house_style(message, shown):
    from cchc.i18n import house_style
    assert house_style(message) == shown


def test_house_style_keeps_a_place_as_written():
    from cchc.i18n import Placed, house_style
    assert house_style(Placed("Hồ sơ/x: Không đọc được 'a'.", "Hồ sơ/x: ")) == "Hồ sơ/x: không đọc được «a»."


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """Templates made with the demo key (the samples' key), recorded in settings.json."""
    from samples.build_samples import DEMO_KEY
    templates = tmp_path_factory.mktemp("signed") / "templates"
    result = CliRunner().invoke(cli, ["generate", "--forms", "PL2", "--key-file", str(DEMO_KEY),
                                      "--out", str(templates)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return templates


SAMPLE_INBOX = str(__import__("pathlib").Path(__file__).parents[1] / "samples" / "inbox")
# (what goes wrong, the command line: {tmp} a fresh folder, {inbox} the sample inbox,
# {other_key} a key that did not sign the samples, {templates} signed templates, {blank}
# a blank planning workbook, {dir} a folder where a file is expected)
BAD_INVOCATIONS = [
    ("missing argument", ["harvest"]),
    ("missing argument of a subcommand", ["plan", "new"]),
    ("missing required option", ["feedback"]),
    ("unknown option", ["harvest", "{inbox}", "--bogus", "--out", "{tmp}/o"]),
    ("unknown option of the group", ["--bogus"]),
    ("unknown command", ["frobnicate"]),
    ("unknown subcommand", ["plan", "frob"]),
    ("option without its value", ["mail", "--smtp"]),
    ("extra argument", ["harvest", "{inbox}", "extra", "--out", "{tmp}/o"]),
    ("not a number", ["watch", "{inbox}", "--settle", "abc", "--out", "{tmp}/o"]),
    ("out of range", ["watch", "{inbox}", "--settle", "100", "--out", "{tmp}/o"]),
    ("not a choice", ["mail", "--security", "bad", "--out", "{tmp}/o"]),
    ("missing folder", ["harvest", "{tmp}/nope", "--out", "{tmp}/o"]),
    ("missing file", ["plan", "check", "{tmp}/nope.xlsx"]),
    ("missing registry", ["harvest", "{inbox}", "--units", "{tmp}/none.yaml", "--out", "{tmp}/o"]),
    ("folder for a file", ["generate", "--key-file", "{dir}", "--out", "{tmp}/o"]),
    ("bad date", ["generate", "--deadline", "32/13/2020", "--out", "{tmp}/o"]),
    ("unknown form", ["generate", "--forms", "PL99", "--out", "{tmp}/o"]),
    ("short key", ["harvest", "{inbox}", "--key-file", "{short_key}", "--out", "{tmp}/o"]),
    ("sending without a password", ["mail", "--send", "--smtp", "localhost:1", "--user", "u", "--out", "{tmp}/o"]),
    ("wrong key", ["harvest", "{inbox}", "--templates", "{templates}", "--key-file", "{other_key}",
                   "--out", "{tmp}/o"]),
    ("wrong key, none recorded", ["harvest", "{inbox}", "--templates", "{tmp}/none", "--key-file", "{other_key}",
                                  "--out", "{tmp}/o"]),
    ("plan with mistakes", ["plan", "check", "{blank}"]),
]


@pytest.mark.parametrize("args", [a for _, a in BAD_INVOCATIONS], ids=[n for n, _ in BAD_INVOCATIONS])
def test_error_lines_follow_one_style(tmp_path, monkeypatch, signed, args):
    from cchc.plan_commands import blank_workbook
    monkeypatch.delenv("CCHC_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("CCHC_HOME", str(tmp_path / "home"))
    other, short, blank = tmp_path / "other.key", tmp_path / "short.key", tmp_path / "blank.xlsx"
    other.write_text("ef" * 32)
    short.write_text("ab" * 8)
    blank.write_bytes(blank_workbook(datetime(2020, 3, 1, tzinfo=timezone.utc)))
    args = [a.format(tmp=tmp_path, inbox=SAMPLE_INBOX, other_key=other, short_key=short, templates=signed,
                     blank=blank, dir=tmp_path) for a in args]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Lỗi")]
    assert len(errors) == 1, result.stderr
    assert not error_slips(errors[0]), (errors[0], error_slips(errors[0]))
    assert all("'" not in line for line in result.stderr.splitlines() if line.startswith("Xem trợ giúp"))


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_operator_error_texts_follow_the_style(code):
    """cchc's own errors are written in the style the print template keeps."""
    what, rule, fix = CATALOGUE[code]
    assert not error_slips(f"Lỗi: {what}"), code
    assert not error_slips(f"Lỗi: {rule}. {fix}".replace("Lỗi: " + rule[:1], "Lỗi: " + rule[:1].lower(), 1))


def _date_slips(texts: dict[str, str]) -> dict[str, str]:
    return {where: text for where, text in texts.items()
            if DATE_NOT_DMY.search(text) or DATE_WITHOUT_NGAY.search(text)}


@pytest.mark.parametrize("make", ["new", "export"])
def test_authoring_workbook_dates_are_d_m_yyyy(tmp_path, make):
    """Every date of the planning workbook (its guide's examples too) reads 1/1/2011, and a
    date after "từ" or "đến" is "ngày 1/1/2011"."""
    path = tmp_path / "plan.xlsx"
    args = ["plan", "new", str(path)] if make == "new" else ["plan", "export", "--out", str(path)]
    assert CliRunner().invoke(cli, args, catch_exceptions=False).exit_code == 0
    # (The «Đề cương» sheet quotes the plan's outline as the signed plan prints it, dates
    # of cited resolutions included: tests/test_outline.py holds it to that text.)
    texts = {where: text for where, text in _workbook_texts(path.read_bytes()).items()
             if not where.startswith("Đề cương!")}
    assert any("23/3/2020" in t for t in texts.values())   # the scan reads the examples
    assert not _date_slips(texts)


def test_generated_workbook_dates_are_d_m_yyyy(generated):
    for path in sorted(generated.rglob("*.xlsx"))[:6]:
        texts = _workbook_texts(path.read_bytes())
        assert any("5/3/2020" in t for t in texts.values()), path
        assert not _date_slips(texts), path
