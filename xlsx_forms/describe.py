"""What ``cchc forms`` prints: each appendix's rows, periods and checks, in Vietnamese
(pure: returns lines, prints nothing).

Rows are named as a person finds them on the printed form: by their STT and label
(``STT 2 «Số VBQPL …»``); a sub-row without a number of its own by its label and the
numbered row it belongs to, a row of a transposed table by its table.
"""
from __future__ import annotations

from .model import AGGREGATES, COMPARISONS, Catalogue, Form, Row, numbered
from .rules import rule_type

SEVERITY_VI = {"error": "lỗi, phải sửa", "warning": "cảnh báo, kiểm tra lại"}
# The parts of a form a typo fix may be in (spec_loader: ``*_fixes``), as a reader calls them.
PART_VI = {"title": "tên phụ lục", "footnote": "ghi chú cuối biểu", "stt_header": "tiêu đề cột STT"}


def row_ref(form: Form, row: Row) -> str:
    """How a person finds ``row`` on the form: 'STT 2 «…»', '«…» (thuộc STT 6)' for a
    sub-row, '«…» (bảng I)' for a row of a transposed table, else '«…»'."""
    if numbered(row.stt):
        return f"STT {numbered(row.stt)} «{row.label}»"
    table = next((t for t in form.tables if row in t.rows), None)
    if table is not None and table.layout == "transposed":
        return f"«{row.label}» (bảng {table.id})"
    parent = form.parent(row)
    return f"«{row.label}» (thuộc STT {numbered(parent.stt)})" if parent else f"«{row.label}»"


def _row_line(form: Form, row: Row) -> str:
    """One row: its STT and label, then (next line) for an input row its kind, unit of
    measure, whether it is required and how the city figure is made of the units' values."""
    stt = row.stt.strip() or "·"
    if not row.is_input:
        return f"    {stt:<4} {row.label} (đề mục, không nhập số liệu)"
    kind = form.kind_of(row)
    facts = [kind.label]
    if row.unit:
        facts.append(f"đơn vị tính: {row.unit}")
    facts.append("bắt buộc" if row.required else "không bắt buộc")
    how = AGGREGATES[form.aggregate_of(row)]
    if row.weight:
        how += f", trọng số là {row_ref(form, form.row(row.weight))}"
    facts.append(f"tổng hợp: {how[:1].lower()}{how[1:]}")
    if row.responsible:
        facts.append(f"đơn vị đánh giá: {form.responsible_units.get(row.responsible, row.responsible)}")
    return f"    {stt:<4} {row.label}\n         {'; '.join(facts)}"


def _rule_lines(form: Form) -> list[str]:
    """Each check: code, severity, type (its Vietnamese name), message, and the rows it
    reads, operand by operand, by STT and label."""
    lines = []
    for rule in form.rules:
        kind = rule_type(rule)
        lines.append(f"    {rule.code} ({kind.label}; {SEVERITY_VI[rule.severity]}): {rule.message}.")
        for fld in kind.fields:
            rows = "; ".join(row_ref(form, form.row(r)) for r in rule.rows_of(fld.name))
            lines.append(f"        {fld.label}: {rows}")
        lines.append(f"        Cột Kiểm tra hiện: «{rule.short}»")
    return lines


def _evidence_lines(catalogue: Catalogue, form: Form) -> list[str]:
    """PL8: each target the harvest compares with a consolidated figure of another appendix."""
    lines = ["  Đối chiếu đánh giá với số liệu tổng hợp của thành phố (cảnh báo, xin đơn vị xác nhận):"]
    for e in form.evidence:
        other = catalogue.form(e.form)
        labels = {p.id: p.label for p in other.periods}
        when = ", nếu chưa có thì ".join(labels.get(p, p) for p in e.periods)
        decides = ("đánh giá «Đạt» mà số liệu chưa đạt" if e.decides == "against"
                   else "đánh giá khác với số liệu, «Đạt» hay «Không đạt»")
        target = numbered(form.row(e.target).stt)
        lines += [f"    STT {target}: «{e.requirement}»" if target else f"    {row_ref(form, form.row(e.target))}",
                  f"        Số liệu: Phụ lục {other.number}, {row_ref(other, other.row(e.row))} "
                  f"{COMPARISONS[e.compare]} {show_number(e.threshold)}; kỳ xét: {when}; cần xác nhận khi {decides}"]
    return lines


def show_number(x: float) -> str:
    """80.0 → '80', 92.5 → '92,5' (a Vietnamese decimal comma)."""
    return str(int(x)) if float(x).is_integer() else str(x).replace(".", ",")


def describe_form(catalogue: Catalogue, form: Form, fixes: bool = False) -> list[str]:
    """The lines of one appendix: heading, counts, periods, rows, checks (the rules, and
    for PL8 the figures its ratings are compared with) and, with ``fixes``, the typos of
    the seed corrected in it."""
    lines = [f"{form.id}  Phụ lục {form.number}: {form.title}",
             f"  Phiên bản đặc tả {form.version}; {len(form.input_rows)} chỉ tiêu × {len(form.periods)} kỳ; "
             f"{len(form.rules)} kiểm tra.",
             f"  Kỳ báo cáo: {'; '.join(p.label for p in form.periods)}.",
             "  Chỉ tiêu (STT, nội dung; dòng dưới: loại ô, đơn vị tính, bắt buộc hay không, cách tổng hợp):"]
    for table in form.tables:
        if table.title:
            lines.append(f"    {table.title}")
        lines += [part for row in table.rows for part in _row_line(form, row).split("\n")]
    if form.rules:
        lines.append("  Kiểm tra (mã, loại kiểm tra, mức độ, nội dung; các dòng được đối chiếu):")
        lines += _rule_lines(form)
    elif not form.evidence:
        lines.append("  Kiểm tra: không có.")
    if form.evidence:
        lines += _evidence_lines(catalogue, form)
    if fixes:
        for where, fix in form.all_fixes():
            place = PART_VI.get(where) or row_ref(form, form.row(where))
            lines.append(f"  Sửa lỗi chính tả so với văn bản gốc ({place}): «{fix.wrong}» → «{fix.right}»")
    return lines


def catalogue_lines(catalogue: Catalogue, fixes: bool = False) -> list[str]:
    """Every appendix of the catalogue, one block each, separated by an empty line."""
    lines: list[str] = []
    for form in catalogue.forms.values():
        if lines:
            lines.append("")
        lines += describe_form(catalogue, form, fixes)
    return lines
