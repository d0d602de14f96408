"""Build one locked, validated, signed workbook (one unit × one appendix) in memory.

Pure: takes the catalogue objects and options, returns the file's bytes and its
identity; prints nothing and touches no file (see generate.py for the folder layer).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from . import rules
from .identity import IDENTITY_SHEET, PROPERTY_PREFIX, Identity, layout_fingerprint, sign
from .instructions import write_instructions
from .layout import SIGN_DATE, SheetLayout, form_layout
from .model import Catalogue, Form
from .registry import Registry, Unit
from .safebook import TextWorkbook
from .styles import CONFIRM, ERROR, MARKS, WARNING, Formats, lines_needed, role_size, row_height
from .textwidth import CELL_PAD_MM, column_mm, wrapped_lines

DEFAULT_PASSWORD = "cchc2020"
# The header and signature blocks: texts that hold names of any length (the issuer, the
# unit) or sit in ranges narrower than a long name; each wraps within its merged range,
# its row as high as its lines at its size, from the glyph-width bound (textwidth).
FRAME_ROLES = frozenset({"issuer", "unit_name", "nation", "motto", "sig_date", "sig_title",
                         "sig_hint", "prep_label"})
PROTECT_OPTIONS = {"select_locked_cells": True, "select_unlocked_cells": True,
                   "format_columns": True, "format_rows": True}


class ProtectedWorkbook(TextWorkbook):
    """An XlsxWriter workbook that also locks its structure (no adding, deleting,
    renaming, hiding or unhiding sheets). XlsxWriter has no API for this, so the
    ``<workbookProtection>`` element is written where the schema puts it: just before
    ``<bookViews>``."""

    structure_password = ""

    def _write_book_views(self) -> None:
        attributes = []
        if self.structure_password:
            # The legacy 16-bit hash, computed by XlsxWriter's own sheet-protection code.
            digest = self.worksheets_objs[0]._encode_password(self.structure_password)
            attributes.append(("workbookPassword", digest))
        attributes.append(("lockStructure", 1))
        self._xml_empty_tag("workbookProtection", attributes)
        super()._write_book_views()


@dataclass(frozen=True)
class GenerateOptions:
    """Everything a generated workbook depends on besides the unit and the form."""

    key: bytes
    generated_at: datetime
    deadline: date
    password: str = DEFAULT_PASSWORD


def _checked(result: int, what: str) -> None:
    # XlsxWriter reports bad validations and properties by return code, not exception.
    if result not in (0, None):
        raise RuntimeError(f"XlsxWriter refused {what} (code {result})")


@dataclass(frozen=True)
class Prefill:
    """Values to write into a new workbook's input cells: (row id, period id) → value,
    note key → text, preparer field → text. Used to send a unit its own values back."""

    values: dict = None
    notes: dict = None
    preparer: dict = None
    problems: dict = None   # (row id, period id) → what to fix (styles.MARKS: error)
    confirm: dict = None    # (row id, period id) → why to confirm (MARKS: confirm; maybe right)
    warnings: dict = None   # (row id, period id) → what to look at (MARKS: warning; read as meant)
    relabel: dict = None    # (sheet row, column) → a text shown instead of the layout's there
    final: bool = False     # a finished table (the city's own): every row filled, nothing to type


def new_workbook(buf: io.BytesIO, catalogue: Catalogue, options: GenerateOptions) -> tuple[ProtectedWorkbook, Formats]:
    """A structure-locked workbook writing into ``buf`` (text always written as text),
    with the formats of ``catalogue``'s kinds."""
    wb = ProtectedWorkbook(buf, {"in_memory": True, "strings_to_numbers": False,
                                 "strings_to_formulas": False, "strings_to_urls": False})
    wb.structure_password = options.password
    return wb, Formats(wb, catalogue.kinds)


def build_workbook(catalogue: Catalogue, registry: Registry, unit: Unit, form: Form,
                   options: GenerateOptions, prefill: Prefill | None = None) -> tuple[bytes, Identity]:
    """The workbook of ``form`` for ``unit``: (xlsx bytes, its signed identity)."""
    layout = form_layout(form)
    identity = sign(options.key, form=form.id, spec_version=form.version, unit=unit.code,
                    generated_at=options.generated_at.isoformat(),
                    fingerprint=layout_fingerprint(layout))
    buf = io.BytesIO()
    wb, fmt = new_workbook(buf, catalogue, options)
    ws = wb.add_worksheet(layout.sheet_name)
    write_form_sheet(ws, fmt, catalogue, registry, unit, form, layout, options, prefill or Prefill())
    guide = wb.add_worksheet("Hướng dẫn")
    write_instructions(guide, fmt, catalogue, registry, unit, form, options.deadline)
    guide.protect(options.password, PROTECT_OPTIONS)
    write_identity(wb, identity, options.password)
    wb.set_properties({"title": f"Phụ lục {form.number} - {unit.name}", "subject": form.title,
                       "author": registry.consolidator.name, "company": registry.issuer,
                       "comments": catalogue.plan.reference, "created": options.generated_at})
    ws.activate()
    wb.close()
    return buf.getvalue(), identity


def write_identity(wb: TextWorkbook, identity: Identity, password: str) -> None:
    """The identity, twice: a very hidden, protected sheet and custom document properties."""
    sheet = wb.add_worksheet(IDENTITY_SHEET)
    for i, (name, value) in enumerate(identity.items()):
        sheet.write_string(i, 0, name)
        sheet.write_string(i, 1, value)
        _checked(wb.set_custom_property(PROPERTY_PREFIX + name, value, "text"), f"property {name}")
    sheet.protect(password)
    sheet.very_hidden()


def write_form_sheet(ws, fmt: Formats, catalogue: Catalogue, registry: Registry, unit: Unit,
                     form: Form, layout: SheetLayout, options: GenerateOptions, prefill: Prefill) -> None:
    """``form``'s sheet for ``unit`` as the layout places it: header, table, live checks,
    signature block, page setup and protection, with ``prefill``'s values."""
    for col, width in enumerate(layout.widths):
        ws.set_column(col, col, width)
    # A unit's form names the body above it and the unit; the city's own table names the
    # city alone, as the body that issues it.
    issuer, name = ("", registry.issuer.upper()) if prefill.final else (registry.issuer, unit.name.upper())
    dynamic = {"issuer": issuer, "unit_name": name,
               "sig_date": SIGN_DATE.format(year=options.deadline.year),
               "attachment": catalogue.plan.attachment_line}
    dynamic.update({f"prep_label:{f.id}": f.label for f in catalogue.preparer_fields})
    relabel = prefill.relabel or {}
    heights: dict[int, float] = {}   # sheet row → points, for rows taller than one line

    def needs(row: int, points: float) -> None:
        heights[row] = max(heights.get(row, 0), points)
    for t in [*layout.texts, layout.unit_name]:
        text = relabel.get((t.row, t.col), dynamic.get(t.role, t.text))
        last = t.last_col if t.last_col is not None and t.last_col > t.col else t.col
        style = fmt.of(t.role)
        if t.role.split(":", 1)[0] in FRAME_ROLES:
            size = role_size(t.role)
            lines = wrapped_lines(text, frame_mm(layout.widths[t.col:last + 1]), size)
            if lines > 1:
                style = fmt.wrapped(t.role)
                needs(t.row, row_height(lines, size))
        else:
            lines = lines_needed(text, sum(layout.widths[t.col:last + 1]))
            if lines > 1:
                needs(t.row, row_height(lines))
        if last > t.col:
            ws.merge_range(t.row, t.col, t.row, last, text, style)
        else:
            ws.write_string(t.row, t.col, text, style)
    for row, col in layout.place_cells:
        ws.write_string(row, col, registry.place, fmt.of("place"))
    _write_inputs(ws, fmt, catalogue, unit, form, layout, prefill)
    for cell in layout.notes:   # a long note (the city's remarks) gets the height it needs
        text = (prefill.notes or {}).get(cell.key)
        if text:
            lines = lines_needed(text, layout.widths[cell.col])
            if lines > 1:
                needs(cell.row, row_height(lines))
    _write_statuses(ws, fmt, layout, prefill.values or {})
    _write_preparer(ws, fmt, catalogue, layout, prefill.preparer or {}, prefill.final)
    for row, points in heights.items():
        ws.set_row(row, points)
    _page_setup(ws, layout)
    ws.protect(options.password, PROTECT_OPTIONS)


def frame_mm(widths) -> float:
    """The inner width in mm of a range of columns of ``widths`` (set_column units)."""
    return sum(column_mm(w) for w in widths) - CELL_PAD_MM


def _write_value(ws, row: int, col: int, value, cell_format) -> None:
    # Text is always written as text (never a formula), numbers as numbers.
    if value is None:
        ws.write_blank(row, col, None, cell_format)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value, cell_format)
    else:
        ws.write_string(row, col, str(value), cell_format)


def _write_inputs(ws, fmt: Formats, catalogue: Catalogue, unit: Unit, form: Form,
                  layout: SheetLayout, prefill: Prefill) -> None:
    rows = form.input_rows if prefill.final else form.editable_rows(unit.code)
    editable = {r.id for r in rows}
    required = {r.id for r in form.input_rows if r.required and not prefill.final}
    first = None
    by_row: dict[tuple[str, bool], list] = {}
    values, notes = prefill.values or {}, prefill.notes or {}
    # Marked cells by severity, most pressing first (styles.MARKS): its colour is the first's.
    marks = {ERROR: prefill.problems or {}, CONFIRM: prefill.confirm or {}, WARNING: prefill.warnings or {}}
    for cell in layout.inputs:
        mine = cell.row_id in editable
        key = (cell.row_id, cell.period_id)
        mark = next((m for m in MARKS if key in marks[m]), None) if mine else None
        style = (fmt.value if prefill.final else fmt.marked[mark] if mark else fmt.input if mine
                 else fmt.locked_input)
        _write_value(ws, cell.row, cell.col, values.get(key) if mine else None, style[cell.kind])
        if mark:
            text = "\n".join(marks[m][key] for m in MARKS if marks[m].get(key))
            ws.write_comment(cell.row, cell.col, text,
                             {"author": "cchc", "x_scale": 3, "y_scale": 2.5, "font_name": "Times New Roman"})
        if mine:
            first = first or cell
            by_row.setdefault((cell.row_id, cell.kind), []).append(cell)
    for (row_id, kind_id), cells in ({} if prefill.final else by_row).items():
        rng = _range(cells)
        _validate(ws, rng, catalogue.kinds[kind_id])
        if row_id in required:
            ws.conditional_format(*rng, {"type": "blanks", "format": fmt.missing})
    note = catalogue.kinds["note"]
    for cell in layout.notes:
        mine = any(r in editable for r in cell.rows)
        _write_value(ws, cell.row, cell.col, notes.get(cell.key) if mine else None,
                     (fmt.value if prefill.final else fmt.input if mine else fmt.locked_input)["note"])
        if mine and not prefill.final:
            _validate(ws, (cell.row, cell.col, cell.row, cell.col), note)
    # Section rows have no inputs: give their empty cells the table's borders.
    for row, col in layout.empty_body_cells():
        ws.write_blank(row, col, None, fmt.of("blank_box"))
    if first is not None:
        ws.set_selection(first.row, first.col, first.row, first.col)


def _range(cells: list) -> tuple[int, int, int, int]:
    rows = [c.row for c in cells]
    cols = [c.col for c in cells]
    return min(rows), min(cols), max(rows), max(cols)


def _validate(ws, rng: tuple[int, int, int, int], kind) -> None:
    # The rule is derived from the kind's data by its base when the plan is loaded
    # (xlsx_forms.kinds); only the kind's texts are added here.
    spec = {"input_title": kind.input_title, "input_message": kind.input_message,
            "error_title": kind.error_title, "error_message": kind.error_message,
            "error_type": "stop", "ignore_blank": True,
            **{k: list(v) if isinstance(v, tuple) else v for k, v in kind.validation}}
    _checked(ws.data_validation(*rng, spec), f"validation of {kind.id}")


def _write_statuses(ws, fmt: Formats, layout: SheetLayout, values: dict) -> None:
    def addr(row_id: str, period: str) -> str:
        return layout.input_at(row_id, period).a1

    def value(row_id: str, period: str):
        return values.get((row_id, period))   # a number, a text the unit typed, or None
    for st in layout.statuses:
        ws.write_formula(st.row, st.col, rules.status_formula(st.checks, addr), fmt.of("status"),
                         rules.status_value(st.checks, value))
        ws.conditional_format(st.row, st.col, st.row, st.col,
                              {"type": "cell", "criteria": "!=", "value": f'"{rules.CHECK_OK}"', "format": fmt.problem})


def _write_preparer(ws, fmt: Formats, catalogue: Catalogue, layout: SheetLayout,
                    given: dict[str, str], final: bool = False) -> None:
    fields = {f.id: f for f in catalogue.preparer_fields}
    for cell in layout.preparer:
        f = fields[cell.field_id]
        style = fmt.preparer_line if final else fmt.preparer   # a printed line, not an input's fill
        if cell.last_col > cell.col:
            ws.merge_range(cell.row, cell.col, cell.row, cell.last_col, "", style)
        else:   # a narrow form: one column between the labels and the head's signature
            ws.write_blank(cell.row, cell.col, None, style)
        if given.get(cell.field_id):
            ws.write_string(cell.row, cell.col, given[cell.field_id], fmt.preparer)
        spec = {"validate": "length", "criteria": "<=", "value": f.max_length,
                "input_title": f.input_title, "input_message": f.input_message,
                "error_title": "Giá trị quá dài", "ignore_blank": True,
                "error_message": f"Tối đa {f.max_length} ký tự."}
        if cell.field_id == "email":
            spec = {**spec, "validate": "custom", "value": f'=ISNUMBER(FIND("@",{cell.a1}))',
                    "error_title": "Email không hợp lệ",
                    "error_message": "Nhập địa chỉ email có ký tự @, ví dụ ten@donvi.gov.vn."}
            spec.pop("criteria")
        _checked(ws.data_validation(cell.row, cell.col, cell.row, cell.col, spec),
                 f"validation of {cell.field_id}")


def _page_setup(ws, layout: SheetLayout) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.repeat_rows(*layout.header_rows)
    ws.print_area(0, 0, layout.last_row, layout.printed_cols - 1)   # the live check is not printed
    ws.set_footer('&C&"Times New Roman"&10Trang &P/&N')
    ws.freeze_panes(*layout.freeze)
    ws.hide_gridlines(2)  # a printed form: borders, not gridlines
