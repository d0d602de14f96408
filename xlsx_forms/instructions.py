"""The "Hướng dẫn" (instructions) sheet of each generated workbook."""
from __future__ import annotations

from datetime import date

from .model import Catalogue, Form, Kind, dmy
from .registry import Registry, Unit
from .styles import COLOUR_VI, INPUT_FILL, LOCKED_INPUT_FILL, MISSING_FILL, Formats, lines_needed, row_height

KEY_WIDTH, TEXT_WIDTH, WIDE_WIDTH = 24, 60, 40
PROSE = 1.1   # characters of running text per unit of column width (styles.lines_needed)
SEVERITY_VI = {"error": "Lỗi, phải sửa trước khi gửi", "warning": "Cảnh báo, cần kiểm tra lại"}
# The cells a unit types into, by the colour a fresh template shows them in: the words of
# the instructions sheet and of the letter sending the templates (where_to_type).
INPUT_CELLS = f"ô nền {COLOUR_VI[INPUT_FILL]}"
REQUIRED_CELLS = f"ô nền {COLOUR_VI[MISSING_FILL]}"   # a required cell while empty (conditional format)


def where_to_type(forms: list[Form], unit_code: str) -> str:
    """Which cells of ``forms`` the unit types into, named by the colours a fresh template
    shows: its required cells are light orange until filled, the others light yellow."""
    required = any(r.required for f in forms for r in f.editable_rows(unit_code))
    return f"các {REQUIRED_CELLS} (bắt buộc) và các {INPUT_CELLS}" if required else f"các {INPUT_CELLS}"


def _required_step(used: list[Kind]) -> str:
    """What to put in an empty required cell: a number when the form asks for numbers,
    else the first choice kind's choices, else a text."""
    numbers = any(k.behaviour.numeric for k in used)
    choice = next((k for k in used if k.choices), None)
    what = ("nhập số liệu; nếu không phát sinh thì nhập 0" if numbers or not used
            else f"chọn {' hoặc '.join(choice.choices)}" if choice else "nhập nội dung")
    return f"{REQUIRED_CELLS[0].upper()}{REQUIRED_CELLS[1:]} là ô bắt buộc còn trống: {what}."


def how_to_fill(form: Form, kinds: dict[str, Kind]) -> list[str]:
    """The filling rules shown to the office, in order (a kind's own step from its
    ``instruction`` in catalogue.yaml)."""
    ids = {r.kind for r in form.input_rows}
    used = [k for kid, k in kinds.items() if kid in ids]
    steps = [f"Chỉ nhập vào các {INPUT_CELLS}; các ô khác đã được khóa.", _required_step(used)]
    steps += [k.instruction for k in used if k.instruction]
    if any(k.behaviour.numeric for k in used):
        steps.append("Nhập số, không nhập chữ; không dùng dấu chấm hay dấu phẩy để phân cách hàng nghìn.")
    steps += [
        "Không thêm, xóa, đổi tên trang tính, dòng hoặc cột; không chép số liệu sang tệp mới: "
        "tệp mới sẽ không được nhận diện.",
        "Điền họ tên, điện thoại, email của người lập biểu ở cuối biểu.",
        "Lưu tệp dạng .xlsx (giữ nguyên tên hoặc đổi tên tùy ý) và gửi lại chính tệp này.",
    ]
    if form.rules:
        steps.insert(len(steps) - 3, "Cột Kiểm tra tự động hiện «Khớp» hoặc nêu điểm chưa khớp, kể cả ô nhập chữ "
                     "thay vì số; cột này không được in. Sửa các điểm chưa khớp trước khi gửi.")
    if form.responsible_units:
        steps.insert(1, "Đơn vị chỉ đánh giá các mục tiêu ghi tên đơn vị mình ở cột «"
                     f"{form.responsible_header}»; mục tiêu của đơn vị khác có nền "
                     f"{COLOUR_VI[LOCKED_INPUT_FILL]} và đã khóa.")
    return steps


def write_instructions(ws, fmt: Formats, catalogue: Catalogue, registry: Registry, unit: Unit,
                       form: Form, deadline: date) -> None:
    """Fill the instructions sheet ``ws`` for ``unit``'s copy of ``form``."""
    ws.set_column(0, 0, KEY_WIDTH)
    ws.set_column(1, 1, TEXT_WIDTH)
    ws.set_column(2, 2, WIDE_WIDTH)
    ws.hide_gridlines(2)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    r = 0

    def line(key: str, text: str, key_role: str = "doc_key", text_role: str = "doc_text") -> None:
        nonlocal r
        ws.write_string(r, 0, key, fmt.of(key_role))
        ws.merge_range(r, 1, r, 2, text, fmt.of(text_role))
        lines = max(lines_needed(text, TEXT_WIDTH + WIDE_WIDTH, PROSE), lines_needed(key, KEY_WIDTH))
        if lines > 1:
            ws.set_row(r, row_height(lines))
        r += 1

    ws.write_string(r, 0, f"HƯỚNG DẪN ĐIỀN PHỤ LỤC {form.number}", fmt.of("doc_title"))
    r += 2
    cons = registry.consolidator
    # One sentence, commas only: the registry's names carry dashes of their own.
    send_to = ", ".join(p for p in (cons.name + (f" (người nhận: {cons.contact})" if cons.contact else ""),
                                    f"email {cons.email}", cons.channel and f"qua {cons.channel}") if p)
    for key, text in [
        ("Đơn vị báo cáo", unit.name),
        ("Biểu mẫu", f"Phụ lục {form.number}: {form.title}"),
        ("Căn cứ", catalogue.plan.reference),
        ("Hạn gửi", f"Chậm nhất ngày {dmy(deadline)}"),
        ("Gửi về", send_to),
        ("Phạm vi số liệu", catalogue.plan.data_range),
    ]:
        line(key, text)
    r += 1
    ws.write_string(r, 0, "Cách điền", fmt.of("doc_heading"))
    r += 1
    for i, step in enumerate(how_to_fill(form, catalogue.kinds), 1):
        line(f"{i}.", step)
    r += 1
    ws.write_string(r, 0, "Các loại ô nhập liệu", fmt.of("doc_heading"))
    r += 1
    line("Loại ô", "Được nhập", "doc_head", "doc_head")
    # The kinds of the form's rows, in the plan's order, then the note column's.
    used = [k for k in catalogue.kinds if any(row.kind == k for row in form.input_rows)] + ["note"]
    for kid in dict.fromkeys(used):
        kind = catalogue.kinds[kid]
        line(kind.label, kind.description, "doc_cell", "doc_cell")
    if form.rules:
        r += 1
        ws.write_string(r, 0, "Các kiểm tra số liệu", fmt.of("doc_heading"))
        r += 1
        line("Mã kiểm tra", "Mức độ, nội dung và điều cột Kiểm tra hiện khi chưa khớp", "doc_head", "doc_head")
        for rule in form.rules:
            line(rule.code, f"{SEVERITY_VI[rule.severity]}. {rule.message}. Cột Kiểm tra hiện: «{rule.short}».",
                 "doc_cell", "doc_cell")
