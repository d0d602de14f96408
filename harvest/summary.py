"""The consolidated summary workbook (Vietnamese), written with XlsxWriter.

Sheets: Tổng quan (overview and chart), one city-level sheet per appendix, one per-unit
breakdown per appendix, Tình trạng nộp (status), Vấn đề (issues). A city figure that
leaves some unit's value out (an unusable value, or one breaking an error rule) is
coloured and its comment names the units and why; on the per-unit sheets such values,
and values with warnings, are coloured and their codes listed at the end of the row. Text from returned
files is always written as text, so "=…" never becomes a formula. Rows are written in
order (constant-memory mode), so national-size harvests stay small in memory.
"""
from __future__ import annotations

import math
import re
from datetime import datetime
from typing import ClassVar

from xlsx_forms.layout import form_layout
from xlsx_forms.model import AGGREGATES, Catalogue, Form, hm_dmy
from xlsx_forms.registry import Registry
from xlsx_forms.safebook import StreamedWorksheet, TextWorkbook
from xlsx_forms.styles import FONT, HEADER_FILL, lines_needed, row_height
from xlsx_forms.textwidth import CELL_PAD_MM, column_mm, wrapped_lines

from .cellstore import OK
from .cellvalues import show
from .consolidate import CityValue
from .gaps import cell_comment, mark_text, row_gaps
from .issues import SEVERITY_VI, Issue
from .reconcile import LATE, LOCAL, MISSING, SUBMITTED, WITH_ERRORS, Reconciliation

STATUS_COLORS = {SUBMITTED: "#C6EFCE", LATE: "#FFEB9C", WITH_ERRORS: "#FFC7CE", MISSING: "#D9D9D9"}
LEFT_OUT_FILL = "#F8CBAD"   # a figure without some unit's value, or a value left out
FLAGGED_FILL = "#FFF2CC"    # a value with warnings: counted, worth a look
SHEET_UNSAFE = re.compile(r"[][:*?/\\]")   # characters Excel refuses in a sheet name
_PLAIN = (OK, "")


class _Fmt:
    def __init__(self, wb: TextWorkbook) -> None:
        base = {"font_name": FONT, "font_size": 11, "valign": "top"}
        self.title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.bold = wb.add_format({**base, "bold": True})
        self.text = wb.add_format({**base, "text_wrap": True})
        self.plain = wb.add_format(base)
        self.head = wb.add_format({**base, "bold": True, "bg_color": HEADER_FILL, "border": 1,
                                   "text_wrap": True, "align": "center", "valign": "vcenter"})
        self.cell = wb.add_format({**base, "border": 1, "text_wrap": True})
        self.unit = wb.add_format({**base, "border": 1, "text_wrap": True, "align": "center"})
        self.section = wb.add_format({**base, "border": 1, "text_wrap": True, "bold": True})
        self.count = wb.add_format({**base, "border": 1, "num_format": "#,##0"})
        self.date = wb.add_format({**base, "border": 1, "num_format": "dd/mm/yyyy hh:mm"})
        self.status = {s: wb.add_format({**base, "border": 1, "bg_color": c}) for s, c in STATUS_COLORS.items()}
        # City cells with values left out: the same formats, coloured.
        self.cell_out = wb.add_format({**base, "border": 1, "text_wrap": True, **self.MARKS["out"]})
        # Per-unit values: plain, left out, flagged; numbers in their kind's format.
        self._base, self._wb, self._by_code = base, wb, {}
        self.unit_text = {mark: wb.add_format({**base, **extra}) for mark, extra in self.MARKS.items()}

    MARKS: ClassVar[dict[str, dict]] = {"": {}, "out": {"bg_color": LEFT_OUT_FILL}, "flag": {"bg_color": FLAGGED_FILL}}

    def number(self, code: str, *, box: bool = True, mark: str = ""):
        """The format of a number shown with ``code`` (one per code, box and mark)."""
        key = (code, box, mark)
        if key not in self._by_code:
            self._by_code[key] = self._wb.add_format({**self._base, **({"border": 1} if box else {}),
                                                     "num_format": code, **self.MARKS[mark]})
        return self._by_code[key]


def _code(kind) -> str:
    return kind.behaviour.summary_format(kind)


def _cell(col: int, value, number_format, text_format) -> tuple:
    """A number as a number when a spreadsheet can hold it, anything else as text: the
    values were bounded when read, and this writer must not fail on one that was not."""
    if isinstance(value, float) and math.isfinite(value) or type(value) is int and abs(value) < 2 ** 53:
        return col, float(value), number_format
    return col, show(value), text_format


def _write_value(ws, row: int, col: int, value, number_format, text_format) -> None:
    """``_cell`` through the cell writers, on a sheet written cell by cell."""
    _, shown, style = _cell(col, value, number_format, text_format)
    (ws.write_string if type(shown) is str else ws.write_number)(row, col, shown, style)


def _table_head(ws, row: int, headers: list[str], widths: list[int], fmt: _Fmt) -> None:
    ws.set_row(row, row_height(max(lines_needed(h, w) for h, w in zip(headers, widths, strict=True))))
    for c, (h, w) in enumerate(zip(headers, widths, strict=True)):
        ws.set_column(c, c, w)
        ws.write_string(row, c, h, fmt.head)


def _name_line(ws, fmt: _Fmt, row: int, text: str, widths: list[float], bold_size: float = 0) -> None:
    """A title line that holds a name (the issuer, the place): on one line where it fits
    the sheet's columns ``widths``; else merged across them, wrapped, its row as high as
    its lines (Times New Roman glyph-width bound), so a long name is never cut on paper.
    ``bold_size``: the title's size (bold), 0 for plain text."""
    size = bold_size or fmt._base["font_size"]
    lines = wrapped_lines(text, sum(column_mm(w) for w in widths) - CELL_PAD_MM, size)
    style = fmt.title if bold_size else fmt.plain
    if lines == 1:
        ws.write_string(row, 0, text, style)
        return
    bold = {"bold": True, "font_size": size} if bold_size else {}
    wrapped = fmt._wb.add_format({**fmt._base, "text_wrap": True, **bold})
    ws.merge_range(row, 0, row, len(widths) - 1, text, wrapped)
    ws.set_row(row, row_height(lines, size))


def _print(ws, header_row: int) -> None:
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.freeze_panes(header_row + 1, 0)


def _overview(wb, fmt, catalogue, registry, rec, results_count, issues, inbox, when) -> None:
    ws = wb.add_worksheet("Tổng quan")
    ws.set_column(0, 0, 34)
    ws.set_column(1, 9, 13)
    ws.write_string(0, 0, catalogue.plan.summary_heading, fmt.title)
    _name_line(ws, fmt, 1, f"{catalogue.plan.reference} — {registry.issuer}", [34] + [13] * 9)
    ws.write_string(2, 0, f"Thư mục đã đọc: {inbox} — lập lúc {hm_dmy(when.astimezone(LOCAL))}", fmt.plain)
    complete, with_errors, missing = rec.unit_tally()
    facts = [("Số tệp đã đọc", results_count),
             *((f"Tệp {outcome.label}", n) for outcome, n in rec.outcome_counts().items()),
             ("Số đơn vị", len(registry.units)), ("Đơn vị đã nộp đủ, không lỗi", complete),
             ("Đơn vị có lỗi", with_errors), ("Đơn vị còn thiếu phụ lục", missing),
             ("Tổng số lỗi", sum(i.severity == "error" for i in issues)),
             ("Tổng số cảnh báo", sum(i.severity == "warning" for i in issues)),
             # Values of the files used that no total counts (their status is not ok).
             ("Số liệu không được tính vào tổng hợp", sum(len(r.values.left_out()) for r in rec.used.values()))]
    r = 4
    for label, value in facts:
        ws.write_string(r, 0, label, fmt.cell)
        ws.write_number(r, 1, value, fmt.count)
        r += 1
    r += 1
    head_row = r
    headers = ["Phụ lục", "Được giao", SUBMITTED, LATE, WITH_ERRORS, MISSING, "Lỗi", "Cảnh báo"]
    for c, h in enumerate(headers):
        ws.write_string(r, c, h, fmt.head)
    r += 1
    for form in catalogue.forms.values():
        sts = [s.status for s in rec.statuses if s.form == form.id]
        assigned = sum(1 for u in registry.units if form.id in u.forms)
        errs = sum(i.severity == "error" and i.form == form.id for i in issues)
        warns = sum(i.severity == "warning" and i.form == form.id for i in issues)
        ws.write_string(r, 0, f"{form.id} – Phụ lục {form.number}", fmt.cell)
        for c, v in enumerate([assigned, sts.count(SUBMITTED), sts.count(LATE), sts.count(WITH_ERRORS),
                               sts.count(MISSING), errs, warns], 1):
            ws.write_number(r, c, v, fmt.count)
        r += 1
    chart = wb.add_chart({"type": "bar", "subtype": "stacked"})
    for c, status in enumerate([SUBMITTED, LATE, WITH_ERRORS, MISSING], 2):
        chart.add_series({"name": ["Tổng quan", head_row, c], "categories": ["Tổng quan", head_row + 1, 0, r - 1, 0],
                          "values": ["Tổng quan", head_row + 1, c, r - 1, c],
                          "fill": {"color": STATUS_COLORS[status]}, "border": {"color": "#7F7F7F"}})
    chart.set_title({"name": "Tình trạng nộp theo phụ lục", "name_font": {"name": FONT, "size": 12}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    ws.insert_chart(r + 1, 0, chart, {"x_scale": 1.6, "y_scale": 1.1})
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)  # the overview is one page, chart included


def _city_sheet(wb, fmt, form: Form, city: dict[tuple[str, str], CityValue], registry: Registry,
                order: dict[str, int]) -> None:
    """The city's figures of one appendix, in the template's order of columns (STT, label,
    unit of measure, periods), each table under its title, the responsible unit where the
    form has one, then how each row is consolidated and who is missing."""
    ws = wb.add_worksheet(f"Phụ lục {form.number}")
    responsible = bool(form.responsible_units)
    headers = ["STT", form.label_header, "Đơn vị tính"] + [p.label for p in form.periods] + \
              ([form.responsible_header] if responsible else []) + ["Cách tổng hợp", "Đơn vị còn thiếu số liệu"]
    widths = [6, 60, 12] + [13] * len(form.periods) + ([22] if responsible else []) + [22, 45]
    _name_line(ws, fmt, 0, f"PHỤ LỤC {form.number} — SỐ LIỆU TỔNG HỢP TOÀN {registry.place.upper()}", widths,
               bold_size=14)
    ws.write_string(1, 0, form.title, fmt.bold)
    _table_head(ws, 3, headers, widths, fmt)
    r = 4
    last = len(headers) - 1
    first_period = 3
    for table in form.tables:
        if table.title and len(form.tables) > 1:
            ws.set_row(r, row_height(lines_needed(table.title, sum(widths))))
            ws.merge_range(r, 0, r, last, table.title, fmt.section)
            r += 1
        for row in table.rows:
            listed = row_gaps(form, row.id, city, registry, order) if row.is_input else ""
            how = form.aggregate_of(row) if row.is_input else ""
            shown_unit = "Đơn vị" if how == "count_true" else row.unit
            texts = [(row.label, widths[1]), (listed, widths[-1]), (shown_unit, widths[2])]
            if row.is_input:
                texts += [(AGGREGATES[how], widths[-2])]
            if responsible:
                texts += [(form.responsible_units.get(row.responsible, ""), widths[-3])]
            ws.set_row(r, row_height(min(25, max(lines_needed(t, w) for t, w in texts))))
            ws.write_string(r, 0, row.stt, fmt.cell)
            ws.write_string(r, 1, row.label, fmt.cell if row.is_input else fmt.section)
            if not row.is_input:
                for c in range(2, last + 1):
                    ws.write_blank(r, c, None, fmt.cell)
                r += 1
                continue
            ws.write_string(r, 2, shown_unit, fmt.unit)
            for c, period in enumerate(form.periods, first_period):
                cv = city[(row.id, period.id)]
                out = bool(cv.excluded)
                text_fmt = fmt.cell_out if out else fmt.cell
                if cv.value is None:
                    ws.write_blank(r, c, None, text_fmt)
                else:
                    number_fmt = fmt.number(_code(form.kind_of(row)), mark="out" if out else "")
                    _write_value(ws, r, c, cv.value, number_fmt, text_fmt)
                if cv.missing or out:
                    ws.write_comment(r, c, cell_comment(cv, form, registry),
                                     {"x_scale": 2, "y_scale": 1.5, "font_name": FONT})
            if responsible:
                ws.write_string(r, last - 2, form.responsible_units.get(row.responsible, ""), fmt.cell)
            ws.write_string(r, last - 1, AGGREGATES[how], fmt.cell)
            ws.write_string(r, last, listed, fmt.cell)
            r += 1
    _print(ws, 3)
    ws.freeze_panes(4, 2)


def unit_sheet_names(forms: list[Form]) -> dict[str, str]:
    """Form id → the name of its per-unit sheet: the form's id (a plan's own: PL1, KQ…)
    and «theo đơn vị». Excel forbids []:*?/ and the backslash, names of 32 characters or
    more, and takes two names differing in case for one: an id cut to the same 31
    characters as another's is named by its number instead (unique in a plan)."""
    names: dict[str, str] = {}
    taken = {f"Phụ lục {f.number}".casefold() for f in forms}     # the city sheets
    for form in forms:
        for name in (f"{SHEET_UNSAFE.sub('-', form.id)} theo đơn vị"[:31], f"Phụ lục {form.number} theo đơn vị"[:31],
                     *(f"Biểu {i} theo đơn vị" for i in range(1, len(forms) + 2))):
            if name.casefold() not in taken:
                break
        names[form.id] = name
        taken.add(name.casefold())
    return names


def _unit_sheet(wb, fmt, form: Form, registry: Registry, rec: Reconciliation, name: str) -> None:
    """One row per unit × indicator, periods across (Excel's row limit allows about 80,000
    units even for the largest appendix), on sheet ``name``. Which file each unit's
    values came from is on the status sheet."""
    ws = wb.add_worksheet(name, StreamedWorksheet)
    headers = ["Mã đơn vị", "Tên đơn vị", form.label_header] + [p.label for p in form.periods] + \
              ["Số liệu không được tính / cần xem lại"]
    _table_head(ws, 0, headers, [16, 34, 60] + [13] * len(form.periods) + [40], fmt)
    marks_col = len(headers) - 1
    inputs = form_layout(form).inputs
    # Layout inputs run row by row, period by period: position → (row index, column).
    where = {}
    rows = {}
    for i, cell in enumerate(inputs):
        rows.setdefault(cell.row_id, len(rows))
        where[i] = (rows[cell.row_id], 3 + [p.id for p in form.periods].index(cell.period_id))
    codes = [_code(form.kinds[c.kind]) for c in inputs]
    label_lines = {row.id: lines_needed(row.label, 60) for row in form.rows}
    r = 1
    for unit in registry.units:
        res = rec.used.get((unit.code, form.id))
        if res is None:
            continue
        editable = form.editable_rows(unit.code)
        first = {row.id: r + k for k, row in enumerate(editable)}
        cells: dict[int, list] = {}
        said: dict[int, list[str]] = {}   # sheet row → what its marked values are
        marks = res.values.marks()
        for i, value, _ in res.values.filled():
            row_id = inputs[i].row_id
            if row_id in first:
                status, flags = marks.get(i, _PLAIN) if marks else _PLAIN
                kind = "" if status == OK and not flags else "flag" if status == OK else "out"
                if kind:
                    said.setdefault(first[row_id], []).append(mark_text(inputs[i].period_id, status, flags, form))
                cells.setdefault(first[row_id], []).append(
                    (where[i][1], value, fmt.number(codes[i], box=False, mark=kind), fmt.unit_text[kind]))
        name_lines = lines_needed(unit.name, 34)
        for row in editable:
            # Printed, a row is as tall as its wrapped label, name or marks need.
            lines = max(label_lines[row.id], name_lines)
            if r in said:
                lines = max(lines, lines_needed("; ".join(said[r]), 40))
            ws.set_row(r, row_height(min(25, lines)))
            line = [(0, unit.code, fmt.plain), (1, unit.name, fmt.text), (2, row.label, fmt.text)]
            for col, value, number_format, text_format in cells.get(r, ()):
                if value is not None:
                    line.append(_cell(col, value, number_format, text_format))
                elif text_format is not fmt.unit_text[""]:
                    line.append((col, None, text_format))   # a formula without a value: coloured
            if r in said:
                line.append((marks_col, "; ".join(said[r]), fmt.text))
            ws.write_cells(r, line)
            r += 1
    ws.autofilter(0, 0, max(r - 1, 1), len(headers) - 1)
    _print(ws, 0)            # one page wide: a unit's numbers never print apart from its name
    ws.freeze_panes(1, 3)


def _status_sheet(wb, fmt, registry: Registry, rec: Reconciliation, reports: dict[str, str]) -> None:
    ws = wb.add_worksheet("Tình trạng nộp", StreamedWorksheet)
    headers = ["Mã đơn vị", "Tên đơn vị", "Phụ lục", "Tình trạng", "Tệp", "Lưu lúc", "Người lập biểu",
               "Điện thoại", "Email", "Số lỗi", "Số cảnh báo", "Tệp không dùng được vì", "Báo cáo"]
    widths = [16, 34, 8, 16, 40, 17, 24, 15, 26, 8, 10, 40, 14]
    _table_head(ws, 0, headers, widths, fmt)
    names = {u.code: u.name for u in registry.units}
    for r, s in enumerate(rec.statuses, 1):
        wrapped = (names.get(s.unit, ""), s.file, s.preparer, s.email, s.reason)
        ws.set_row(r, row_height(min(25, max(lines_needed(t, widths[c])
                                             for t, c in zip(wrapped, (1, 4, 6, 8, 11), strict=True)))))
        saved = (5, s.saved_at.astimezone(LOCAL).replace(tzinfo=None), fmt.date) if s.saved_at else (5, None, fmt.cell)
        report = reports.get(s.unit, "")   # the unit's narrative report (harvest.sections)
        ws.write_cells(r, [(0, s.unit, fmt.cell), (1, names.get(s.unit, ""), fmt.cell), (2, s.form, fmt.cell),
                           (3, s.status, fmt.status.get(s.status, fmt.cell)), (4, s.file, fmt.cell), saved,
                           (6, s.preparer, fmt.cell), (7, s.phone, fmt.cell), (8, s.email, fmt.cell),
                           (9, s.errors, fmt.count), (10, s.warnings, fmt.count), (11, s.reason, fmt.cell),
                           (12, report, fmt.status.get(report, fmt.cell))])
    ws.autofilter(0, 0, max(len(rec.statuses), 1), len(headers) - 1)
    _print(ws, 0)


def _issues_sheet(wb, fmt, issues: list[Issue], registry: Registry) -> None:
    ws = wb.add_worksheet("Vấn đề", StreamedWorksheet)
    headers = ["Mức độ", "Mã", "Đơn vị", "Phụ lục", "Tệp", "Trang", "Ô", "Nội dung"]
    widths = [10, 16, 24, 8, 34, 12, 7, 100]
    _table_head(ws, 0, headers, widths, fmt)
    names = {u.code: u.name for u in registry.units}   # a person reads names, not codes
    for r, i in enumerate(issues, 1):
        texts = [SEVERITY_VI[i.severity], i.code, names.get(i.unit_code, i.unit_code), i.form, i.file,
                 i.sheet, i.cell, i.message]
        ws.set_row(r, row_height(min(40, max(lines_needed(t, w) for t, w in zip(texts, widths, strict=True)))))
        ws.write_cells(r, [(c, text, fmt.text) for c, text in enumerate(texts)])
    ws.autofilter(0, 0, max(len(issues), 1), len(headers) - 1)
    _print(ws, 0)


def write_summary(path, catalogue: Catalogue, registry: Registry, rec: Reconciliation,
                  city: dict[str, dict], issues: list[Issue], results_count: int,
                  inbox: str, when: datetime, reports: dict[str, str] | None = None) -> None:
    """Write the summary workbook to ``path`` (rows stream through temporary files);
    ``reports``: unit → status of its narrative report, a column of the status sheet."""
    wb = TextWorkbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                              "strings_to_numbers": False, "strings_to_urls": False})
    fmt = _Fmt(wb)
    _overview(wb, fmt, catalogue, registry, rec, results_count, issues, inbox, when)
    order = {u.code: i for i, u in enumerate(registry.units)}
    for form in catalogue.forms.values():
        _city_sheet(wb, fmt, form, city[form.id], registry, order)
    sheet_names = unit_sheet_names(list(catalogue.forms.values()))
    for form in catalogue.forms.values():
        _unit_sheet(wb, fmt, form, registry, rec, sheet_names[form.id])
    _status_sheet(wb, fmt, registry, rec, reports or {})
    _issues_sheet(wb, fmt, issues, registry)
    wb.set_properties({"title": f"Tổng hợp {catalogue.plan.short or catalogue.plan.code}".strip(),
                       "author": registry.consolidator.name,
                       "created": when})
    wb.close()
