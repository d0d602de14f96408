"""The city's Báo cáo tổng kết, drafted as .docx from a harvest, for the Board to edit.

It follows the plan's Đề cương (xlsx_forms.outline): the city's official header, then
every section with (a) the consolidated figures that belong to it (the section's
``figures``: forms of the plan), as a sentence on the trend and a small table of every
period, with a chart of the main series; (b) each unit's own text for that section,
labelled by unit; then the city's figures of every appendix as annex tables, and the
units missing or whose data could not be used. Pure: returns the document's bytes.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import datetime

from xlsx_forms.model import Catalogue, Form
from xlsx_forms.outline import Outline, Section
from xlsx_forms.registry import Registry
from xlsx_forms.report_doc import FONT, GUIDANCE_STYLE, MOTTO, NATION, _page, _para, _styles, _table, add_heading

from .charts import line_chart
from .city_appendices import UNITS_WITH
from .consolidate import CityValue
from .gaps import row_gaps

SIGNER = "TM. ỦY BAN NHÂN DÂN"
SIGNER_ROLE = "CHỦ TỊCH"
DRAFT_NOTE = ("Dự thảo do cchc lập từ số liệu tổng hợp và báo cáo của các đơn vị: Ban Tổ chức - Nội vụ "
              "biên tập lại trước khi trình ký.")


@dataclass
class ReportInput:
    """What the draft is made of (read from a harvest's outputs by the command)."""

    catalogue: Catalogue
    registry: Registry
    outline: Outline
    city: dict[str, dict[tuple[str, str], CityValue]]
    texts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)   # section → [(unit, text)]
    gaps: list[tuple[str, str, str]] = field(default_factory=list)   # (unit name, form, what is wrong)
    when: datetime | None = None
    year: int | None = None   # of the date line: the plan's deadline's (else the drafting time's)


def vi_number(value, decimals: int = 0) -> str:
    """A number as a Vietnamese text prints it: 1.234 and 87,5."""
    if value is None or isinstance(value, bool):
        return ""
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return str(value)
    text = f"{value:,.{decimals}f}" if decimals else f"{round(value):,d}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _decimals(catalogue: Catalogue, form: Form, row) -> int:
    kind = catalogue.kinds[row.kind]
    return 0 if kind.behaviour.whole and form.aggregate_of(row) not in ("mean", "weighted_mean") else \
        (kind.decimals if kind.decimals is not None else 2)


def _shown(catalogue: Catalogue, form: Form, row, cv: CityValue | None) -> str:
    if cv is None or cv.value is None:
        return "—"
    if isinstance(cv.value, str):
        return cv.value
    suffix = "%" if catalogue.kinds[row.kind].base == "percent" else ""
    return vi_number(cv.value, _decimals(catalogue, form, row)) + suffix


def _trend(catalogue: Catalogue, form: Form, values: dict[tuple[str, str], CityValue]) -> list[str]:
    """One sentence per number row with at least two periods: first → last figure."""
    sentences = []
    for row in form.input_rows:
        if not catalogue.kinds[row.kind].behaviour.numeric:
            continue
        known = [(p, values.get((row.id, p.id))) for p in form.periods]
        known = [(p, cv) for p, cv in known if cv is not None and isinstance(cv.value, (int, float))]
        if len(known) >= 2:
            (p0, v0), (p1, v1) = known[0], known[-1]
            shown_unit = "đơn vị có" if form.aggregate_of(row) == "count_true" else row.unit
            unit = f" {shown_unit.lower()}" if shown_unit and shown_unit not in ("%", "1/0") else ""
            lacking = [f"{p.label.lower()}: {_lacks(cv)}" for p, cv in known if _lacks(cv)]
            said = f" Số liệu chưa đủ ({'; '.join(lacking)})." if lacking else ""
            sentences.append(f"{row.label}: {_shown(catalogue, form, row, v0)}{unit} ({_period(p0)}), "
                             f"{_shown(catalogue, form, row, v1)}{unit} ({_period(p1)}).{said}")
    return sentences


TEXT_WIDTH_MM = 165   # A4 less the official margins (30 mm left, 15 mm right)


def _unit_of(form: Form, row) -> str:
    """The unit of measure a city figure is in: a yes/no row counted across units is a
    number of units."""
    return UNITS_WITH if form.aggregate_of(row) == "count_true" else row.unit


def _lacks(cv: CityValue | None) -> str:
    """What a city figure lacks, in a few words ("" when whole)."""
    if cv is None:
        return ""
    parts = ([f"thiếu {len(cv.missing)} đơn vị"] if cv.missing else []) + \
            ([f"không tính {len(cv.excluded)} giá trị"] if cv.excluded else [])
    return ", ".join(parts)


def _period(period) -> str:
    """A period label inside a sentence's brackets: "năm 2020, tính đến 23/3", never nested brackets."""
    return period.label.lower().replace(" (", ", ").replace(")", "")


def _whole(data: ReportInput) -> str:
    """How the report names the whole it consolidates: "toàn Thành phố Hà Giang"."""
    return f"toàn {data.registry.place}" if data.registry.place else "toàn địa bàn"


INCOMPLETE_MARK = "*"   # beside a figure that lacks some units' values (explained in Ghi chú)


def _figure_table(doc, catalogue: Catalogue, form: Form, values: dict[tuple[str, str], CityValue],
                  registry: Registry) -> None:
    from docx.shared import Mm, Pt
    responsible = bool(form.responsible_units)
    head = ["STT", form.label_header, "Đơn vị tính"] + [p.label for p in form.periods] + \
        (["Đơn vị báo cáo"] if responsible else []) + ["Ghi chú"]
    fixed = [10, 46 if len(form.periods) > 1 else 70, 16] + ([24] if responsible else []) + [30]
    period_mm = (TEXT_WIDTH_MM - sum(fixed)) / len(form.periods)
    widths = fixed[:3] + [period_mm] * len(form.periods) + fixed[3:]
    order = {u.code: i for i, u in enumerate(registry.units)}
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    table.autofit = False
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        _cell(cell, text, bold=True)
    for row in form.rows:
        cells = table.add_row().cells
        shown = [row.stt, row.label, "" if not row.is_input else _unit_of(form, row)]
        shown += [(_shown(catalogue, form, row, values.get((row.id, p.id)))
                   + (INCOMPLETE_MARK if _lacks(values.get((row.id, p.id))) else "")) if row.is_input else ""
                  for p in form.periods]
        shown += [form.responsible_units.get(row.responsible, "")] if responsible else []
        shown += [row_gaps(form, row.id, values, registry, order).replace("\n", "; ") if row.is_input else ""]
        for cell, text in zip(cells, shown, strict=True):
            _cell(cell, text, bold=not row.is_input)
    for column, width in zip(table.columns, widths, strict=True):   # the grid (LibreOffice) and each cell (Word)
        column.width = Mm(width)
        for c in column.cells:
            c.width = Mm(width)
    for r in table.rows:
        for c in r.cells:
            for p in c.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(10)


def _cell(cell, text: str, *, bold: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    cell.text = ""
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.font.name, run.font.bold = FONT, bold
    fmt = paragraph.paragraph_format   # a table cell: no indent, not justified, tight
    fmt.first_line_indent, fmt.space_after, fmt.line_spacing = 0, 0, 1.0
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT


def _chart(doc, catalogue: Catalogue, form: Form, values: dict[tuple[str, str], CityValue], number: int,
           place: str) -> bool:
    """A chart of the form's main series (its number rows of the first unit of measure
    that has figures); False when there is nothing to draw."""
    from docx.shared import Mm
    rows = [r for r in form.input_rows if catalogue.kinds[r.kind].behaviour.numeric
            and form.aggregate_of(r) in ("sum", "mean", "weighted_mean") and len(form.periods) > 1]
    # Each series stays with its row: the unit of measure is the row's, not found again by
    # label (two rows may share one) nor by position (rows without figures are left out).
    drawn = [(r, [values[(r.id, p.id)].value if (r.id, p.id) in values
                  and isinstance(values[(r.id, p.id)].value, (int, float)) else None for p in form.periods])
             for r in rows]
    drawn = [(r, points) for r, points in drawn if sum(v is not None for v in points) >= 2]
    if not drawn:
        return False
    unit = drawn[0][0].unit
    series = [(r.label, points) for r, points in drawn if r.unit == unit]
    png = line_chart(f"Phụ lục {form.number}", [p.label for p in form.periods], series, unit)
    doc.add_picture(io.BytesIO(png), width=Mm(160))
    _para(doc, f"Biểu đồ {number}: {form.title} (số liệu tổng hợp {place})", italic=True, size=12,
          after=6)
    return True


def _section(doc, data: ReportInput, section: Section, charts: list[int]) -> None:
    add_heading(doc, section)
    for fid in section.figures:
        form = data.catalogue.forms.get(fid)
        if form is None:
            continue
        values = data.city.get(fid, {})
        doc.add_paragraph(f"Số liệu tổng hợp {_whole(data)} (Phụ lục {form.number}: {form.title}):")
        for sentence in _trend(data.catalogue, form, values):
            doc.add_paragraph(f"- {sentence}")
        _figure_table(doc, data.catalogue, form, values, data.registry)
        charts[0] += _chart(doc, data.catalogue, form, values, charts[0] + 1, _whole(data))
    for unit_name, text in data.texts.get(section.id, ()):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        p = doc.add_paragraph()
        label = p.add_run(f"{unit_name}: ")
        label.bold = True
        p.add_run(lines[0] if lines else "")
        for line in lines[1:]:   # the unit's own paragraphs stay paragraphs
            doc.add_paragraph(line)
    if section.id in data.outline.leaves and not section.figures and not data.texts.get(section.id):
        doc.add_paragraph("(Chưa có nội dung từ các đơn vị: Ban Tổ chức - Nội vụ bổ sung.)", style=GUIDANCE_STYLE)


def _header(doc, data: ReportInput, year: int) -> None:
    left, right = _table(doc, (64, 101))
    _para(left, data.registry.issuer.upper(), bold=True, size=12)
    _para(left, "", size=6)
    _para(left, "Số:        /BC-UBND", size=13)
    _para(right, NATION, bold=True, size=12)
    _para(right, MOTTO, bold=True, underline=True, size=13)
    _para(right, "", size=6)
    _para(right, f"{data.registry.place}, ngày    tháng    năm {year}", italic=True, size=13)


def build_city_report(data: ReportInput) -> bytes:
    """The drafted report as .docx bytes."""
    import docx
    doc = docx.Document()
    _page(doc)
    _styles(doc)
    year = data.year or (data.when or datetime.now()).year
    _header(doc, data, year)
    _para(doc, data.outline.kind, bold=True, size=14, before=12)
    _para(doc, data.outline.title, bold=True, size=14, after=6)
    _para(doc, DRAFT_NOTE, italic=True, size=12, after=12)
    charts = [0]
    for section in data.outline.sections:
        _section(doc, data, section, charts)
    doc.add_page_break()
    _para(doc, "PHỤ LỤC SỐ LIỆU TỔNG HỢP", bold=True, size=14, after=2)
    _para(doc, f"(Số liệu tổng hợp {_whole(data)}; {INCOMPLETE_MARK}: số liệu chưa đủ, xem cột Ghi chú)",
          italic=True, size=12, after=6)
    for form in data.catalogue.forms.values():
        _para(doc, f"Phụ lục {form.number}: {form.title}", bold=True, size=13, before=8, after=4)
        _figure_table(doc, data.catalogue, form, data.city.get(form.id, {}), data.registry)
    _para(doc, "ĐƠN VỊ CHƯA NỘP HOẶC SỐ LIỆU KHÔNG DÙNG ĐƯỢC", bold=True, size=14, before=12, after=4)
    if data.gaps:
        for unit_name, form_id, what in data.gaps:
            doc.add_paragraph(f"- {unit_name} ({form_id}): {what}.")
    else:
        doc.add_paragraph("Tất cả các đơn vị đã nộp đủ, số liệu dùng được.")
    left, right = _table(doc, (80, 85))
    _para(left, "Nơi nhận:", bold=True, italic=True, size=12, align="left", before=12)
    _para(left, "- UBND tỉnh;", size=11, align="left")
    _para(left, "- Lưu: VT.", size=11, align="left")
    _para(right, SIGNER, bold=True, size=13, before=12)
    _para(right, SIGNER_ROLE, bold=True, size=13)
    props = doc.core_properties
    props.title, props.author = f"{data.outline.kind} - {data.registry.issuer}", data.registry.consolidator.name
    if data.when:
        props.created = props.modified = data.when.replace(tzinfo=None)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
