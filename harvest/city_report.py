"""The city's Báo cáo tổng kết, drafted as .docx from a harvest, for the Board to edit.

It follows the plan's Đề cương (xlsx_forms.outline): the city's official header, then
every section with (a) the consolidated figures that belong to it (the section's
``figures``: forms of the plan), as a sentence on the trend per row (harvest.report_text)
and a table of every period (harvest.report_table), with a chart of the main series; (b)
each unit's own text for that section, labelled by unit; then the city's figures of every
appendix as annex tables, and the units missing or whose data could not be used
(harvest.report_gaps). Pure: returns the document's bytes.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

from xlsx_forms.model import Catalogue, Form
from xlsx_forms.outline import Outline, Section
from xlsx_forms.registry import Registry, in_sentence
from xlsx_forms.report_doc import GUIDANCE_STYLE, _page, _para, _styles, _table, add_heading, official_header

from .charts import line_chart
from .city_appendices import UNITS_WITH, assigned, figure_notes
from .consolidate import CityValue
from .report_gaps import Gap, closing_list, gap_line, none_usable
from .report_table import Column, add_table, period_headers
from .report_text import lacks_any, period_words, row_names, sentence_rows, shown, trend, vi_number

__all__ = ["ReportInput", "build_city_report", "closing", "vi_number"]

SIGNER = "TM. ỦY BAN NHÂN DÂN"
SIGNER_ROLE = "CHỦ TỊCH"
DRAFT_NOTE = ("Dự thảo do cchc lập từ số liệu tổng hợp và báo cáo của các đơn vị: Ban Tổ chức - Nội vụ "
              "biên tập lại trước khi trình ký.")
CLOSING_HEADING = "ĐƠN VỊ CHƯA NỘP HOẶC SỐ LIỆU KHÔNG DÙNG ĐƯỢC"
INCOMPLETE_MARK = "*"   # beside a figure that lacks some units' values (explained in Ghi chú)


@dataclass
class ReportInput:
    """What the draft is made of (read from a harvest's outputs by the command)."""

    catalogue: Catalogue
    registry: Registry
    outline: Outline
    city: dict[str, dict[tuple[str, str], CityValue]]
    texts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)   # section → [(unit, text)]
    gaps: list[Gap] = field(default_factory=list)   # from the status: appendices and reports
    when: datetime | None = None
    year: int | None = None   # of the date line: the plan's deadline's (else the drafting time's)


def closing(data: ReportInput) -> list[Gap]:
    """The closing list of the draft: the status's gaps and the units the figures lack."""
    return closing_list(data.catalogue, data.registry, data.city, data.gaps)


def _unit_of(form: Form, row) -> str:
    """The unit of measure a city figure is in: a yes/no row counted across units is a
    number of units."""
    return UNITS_WITH if form.aggregate_of(row) == "count_true" else row.unit


def _whole(data: ReportInput) -> str:
    """How the report names the whole it consolidates: "toàn thành phố Hà Giang"."""
    return f"toàn {in_sentence(data.registry.place)}" if data.registry.place else "toàn địa bàn"


def _figure_table(doc, catalogue: Catalogue, form: Form, values: dict[tuple[str, str], CityValue],
                  registry: Registry):
    """The form's rows by period, with the units of measure, the responsible unit (PL8)
    and what each row's figures lack (Ghi chú)."""
    rows = form.rows
    bold = [not r.is_input for r in rows]
    group, headers = period_headers([p.label for p in form.periods])

    def column(header, texts, **how):
        return Column(header, list(zip(texts, bold, strict=True)), **how)

    columns = [column(form.stt_header, [r.stt for r in rows], narrow=True),
               column(form.label_header, [r.label for r in rows], label=True)]
    if "unit" in form.columns:
        columns.append(column("Đơn vị tính", [_unit_of(form, r) if r.is_input else "" for r in rows]))
    first = len(columns)
    for p, header in zip(form.periods, headers, strict=True):
        columns.append(column(header, [shown(catalogue, r, values.get((r.id, p.id)), sign=r.unit != "%")
                                       + (INCOMPLETE_MARK if lacks_any(values.get((r.id, p.id))) else "")
                                       if r.is_input else "" for r in rows], narrow=True))
    if form.responsible_units:
        columns.append(column(form.responsible_header or "Đơn vị báo cáo",
                              [form.responsible_units.get(r.responsible, "") for r in rows]))
    columns.append(column("Ghi chú", ["; ".join(figure_notes(form, registry, values, [r.id]))
                                      if r.is_input else "" for r in rows]))
    return add_table(doc, columns, (first, first + len(form.periods) - 1, group) if group else None)


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
    group, labels = period_headers([p.label for p in form.periods])
    # Short labels, printed whole: "2015" … "2020*", the part year explained under the axis.
    partial = frozenset(i for i, p in enumerate(form.periods) if p.partial)
    ticks = [f"{label.split()[0]}*" if i in partial and label.split() else label for i, label in enumerate(labels)]
    note = "; ".join(f"{ticks[i]}: {period_words(form.periods[i])}, chưa đủ năm" for i in sorted(partial))
    png = line_chart(f"Phụ lục {form.number}", ticks, series, unit, partial,
                     f"{group}{' (' + note + ')' if note else ''}")
    doc.add_picture(io.BytesIO(png), width=Mm(160))
    _para(doc, f"Biểu đồ {number}: {form.title} (số liệu tổng hợp {place})", italic=True, size=12,
          after=6)
    return True


def _section(doc, data: ReportInput, section: Section, charts: list[int]) -> None:
    add_heading(doc, section)
    forms = [data.catalogue.forms[f] for f in section.figures if f in data.catalogue.forms]
    names = row_names([(f, r) for f in forms for r in sentence_rows(data.catalogue, f, data.city.get(f.id, {}))])
    for fid in section.figures:
        form = data.catalogue.forms.get(fid)
        if form is None:
            continue
        values = data.city.get(fid, {})
        if not assigned(form, data.registry):
            doc.add_paragraph(f"Phụ lục {form.number} ({form.title}): không đơn vị nào được giao.")
            continue
        absent = none_usable(form, data.registry, data.gaps)
        if absent:   # one sentence, not a table of dashes naming every unit in each row
            doc.add_paragraph(absent)
            continue
        doc.add_paragraph(f"Số liệu tổng hợp {_whole(data)} (Phụ lục {form.number}: {form.title}):")
        for row in sentence_rows(data.catalogue, form, values):
            doc.add_paragraph(f"- {trend(data.catalogue, form, row, values, names[(form.id, row.id)])}")
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


def build_city_report(data: ReportInput) -> bytes:
    """The drafted report as .docx bytes."""
    import docx
    doc = docx.Document()
    _page(doc)
    _styles(doc)
    year = data.year or (data.when or datetime.now()).year
    official_header(doc, [(data.registry.issuer.upper(), True)], "Số:        /BC-UBND", data.registry.place, year)
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
    for form in (f for f in data.catalogue.forms.values() if assigned(f, data.registry)):
        _para(doc, f"Phụ lục {form.number}: {form.title}", bold=True, size=13, before=8, after=4)
        absent = none_usable(form, data.registry, data.gaps)
        if absent:
            doc.add_paragraph(absent)
            continue
        _figure_table(doc, data.catalogue, form, data.city.get(form.id, {}), data.registry)
    _para(doc, CLOSING_HEADING, bold=True, size=14, before=12, after=4)
    gaps = closing(data)
    if gaps:
        for gap in gaps:
            doc.add_paragraph(f"- {gap_line(gap, data.catalogue)}.")
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
