"""One level up: fill a template issued by the level above (the province) with this
harvest's city figures, so that the province harvests cities like any other units.

The parent's template is the province's file, signed with the province's key, which the
city does not have: it is never modified. Its cells are written into a copy, through
openpyxl, which keeps what the province's harvest checks (identity properties and sheet,
protection, locked texts, validations). Rows are matched by row id through the layout of
this plan's form: the template's identity must name a form of this plan at the same
version with the same locked layout (fingerprint), else nothing is filled.

Every figure that is not the whole city's says so in the row's note (units missing,
values left out, a flag rolled up as "at least one unit"), and in the result's ``flags``
for the console: a consolidated figure never travels silently incomplete.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from sheetio.reader import read_book
from xlsx_forms.errors import CchcError
from xlsx_forms.identity import PROPERTY_PREFIX, layout_fingerprint
from xlsx_forms.layout import form_layout
from xlsx_forms.model import Catalogue, Form, Row
from xlsx_forms.registry import Registry

from .cellvalues import parse, show
from .city_appendices import figure_notes, periods_label
from .consolidate import CityValue
from .identify import MARKS, first_layout_difference, identity_from, normalized_text
from .issues import SHORT_VI
from .process import GAPS_PROPERTY, gaps_json

NOTE_SEP = "; "


@dataclass
class Rollup:
    """A filled copy of the parent's template and what was done to it."""

    data: bytes
    form: str
    unit: str                   # the city's code in the parent's registry
    filled: int = 0
    flags: list[str] = field(default_factory=list)   # Vietnamese, one per incomplete figure


def _parent_form(data: bytes, name: str, catalogue: Catalogue, registry: Registry) -> tuple[Form, str]:
    """The form of this plan the parent's template is, and the unit it is addressed to:
    refused unless its identity names a form of this plan at the same version and layout,
    its locked texts are where that layout puts them, and it is addressed to this city."""
    book = read_book(data, None, **MARKS)
    if book.failure:
        raise CchcError("ROLLUP_TEMPLATE", name, problem=book.failure)
    identity = identity_from(book.properties)
    if identity is None:
        raise CchcError("ROLLUP_TEMPLATE", name, problem="tệp không có thông tin nhận diện của biểu mẫu cchc")
    form = catalogue.forms.get(identity.form)
    if form is None:
        raise CchcError("ROLLUP_TEMPLATE", name, problem=f"biểu {identity.form} không có trong kế hoạch này")
    if identity.spec_version != form.version or identity.fingerprint != layout_fingerprint(form_layout(form)):
        raise CchcError("ROLLUP_TEMPLATE", name,
                        problem=f"biểu {form.id} của cấp trên (phiên bản {identity.spec_version}) có bố cục "
                                f"khác biểu {form.id} của kế hoạch này (phiên bản {form.version})")
    layout = form_layout(form)
    grid = book.grids.get(layout.sheet_name)
    if grid is None:
        raise CchcError("ROLLUP_TEMPLATE", name, problem=f"không có trang «{layout.sheet_name}»")
    changed = first_layout_difference(grid, layout)
    if changed:
        cell, expected, found = changed
        raise CchcError("ROLLUP_TEMPLATE", name,
                        problem=f"ô {cell} phải là «{expected}» nhưng là «{found}» (bố cục đã bị sửa)")
    addressed = normalized_text(grid.value(layout.unit_name.row, layout.unit_name.col))
    if addressed and _body(addressed) != _body(registry.issuer):
        raise CchcError("ROLLUP_TEMPLATE", name,
                        problem=f"biểu mẫu gửi cho «{addressed}», không phải «{registry.issuer}» (sổ đăng ký đang "
                                "dùng): số liệu của đơn vị này không được điền vào biểu của đơn vị khác")
    return form, identity.unit


def _body(name: str) -> str:
    """A body's name as compared: case, spacing and the "UBND"/"Ủy ban nhân dân" prefix
    aside ("UBND THÀNH PHỐ HÀ GIANG" is "Thành phố Hà Giang")."""
    text = " ".join(normalized_text(name).casefold().replace(".", " ").split())
    for prefix in ("ủy ban nhân dân ", "uỷ ban nhân dân ", "ubnd "):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def _cell_value(catalogue: Catalogue, form: Form, row: Row, cv: CityValue) -> tuple[object, str]:
    """What to write for ``cv`` in the parent's cell of ``row``, and what to say about it.
    A figure is written only when the parent's harvest reads it back as the same value
    without a remark (``cellvalues.parse``, the check of a typed value): a sum beyond the
    cell's bound, a mean of counts that is not whole, a mean rate below 1 that would be
    read as a fraction, a tally that is not one choice, stay empty and the note says why."""
    value, how = cv.value, form.aggregate_of(row)
    if value is None:
        return None, ""
    if how == "count_true":   # a number of units; the parent's cell is a yes/no of the city
        return int(value > 0), f"{value} đơn vị có (ghi 1 nếu ít nhất một đơn vị có)"
    read, problems = parse(value, catalogue.kinds[row.kind])
    if problems or read != value:
        said = SHORT_VI.get(problems[0].code, "") if problems else ""
        said = said or "ô sẽ đọc thành giá trị khác"
        return None, f"số liệu thành phố {show(value)} không ghi được vào ô ({said}), không ghi"
    return value, ""


def _unknown_units(values: dict[tuple[str, str], CityValue], registry: Registry) -> set[str]:
    known = {u.code for u in registry.units}
    return {u for cv in values.values() for u in (*cv.missing, *(x for x, _ in cv.excluded))} - known


def fill_parent(data: bytes, name: str, catalogue: Catalogue, registry: Registry,
                city: dict[str, dict[tuple[str, str], CityValue]]) -> Rollup:
    """Fill a copy of the parent's template (``data``, shown as ``name``) with the city's
    figures (``city``, read from city.csv). Raises CchcError when the template is not one
    this plan can fill, or the figures name units the registry does not have."""
    form, unit = _parent_form(data, name, catalogue, registry)
    values = city.get(form.id, {})
    unknown = _unknown_units(values, registry)
    if unknown:
        listed = ", ".join(sorted(unknown)[:5])
        raise CchcError("ROLLUP_TEMPLATE", name, problem=f"số liệu tổng hợp nêu đơn vị không có trong sổ đăng ký "
                                                         f"({listed}): sai --units hoặc --summary")
    layout = form_layout(form)
    rows = form.editable_rows(unit)
    if not rows:
        raise CchcError("ROLLUP_TEMPLATE", name, problem=f"biểu {form.id} không có ô nào đơn vị «{unit}» được điền")
    import openpyxl  # here: it takes a third of a second to import, and only rollup needs it
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[layout.sheet_name]
    result = Rollup(b"", form.id, unit)
    remarks: dict[tuple[str, str], str] = {}  # why a figure was not written as it is
    lacking: dict[tuple[str, str], str] = {}  # what a figure lacks (units, values), in the notes' words
    for row in rows:
        for period in form.periods:
            cell = ws[layout.input_at(row.id, period.id).a1]
            cell.value = None              # a template rolled up before keeps no old figure
            cv = values.get((row.id, period.id))
            if cv is None:
                remarks[(row.id, period.id)] = "không có trong city.csv"
                continue
            value, remark = _cell_value(catalogue, form, row, cv)
            gap = NOTE_SEP.join(figure_notes(form, registry, values, [row.id], periods=[period.id]))
            if gap:
                lacking[(row.id, period.id)] = gap
            if remark:
                remarks[(row.id, period.id)] = remark
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"       # a choice, as text: never a formula
            result.filled += value is not None
    limit = catalogue.kinds["note"].max_length or 1000
    editable = {r.id for r in rows}
    for note in layout.notes:
        # A row's note (plain tables) speaks of its periods, each unit once with its
        # periods (city_appendices.figure_notes, the official wording); a period's note
        # (transposed tables) of its indicators.
        only = note.key.split("@", 1)[1] if "@" in note.key else None
        here = [r for r in note.rows if r in editable]
        lines = figure_notes(form, registry, values, here, only)
        for r in here:
            by_remark: dict[str, list[str]] = {}
            for p in form.periods:
                if only in (None, p.id) and (r, p.id) in remarks:
                    by_remark.setdefault(remarks[(r, p.id)], []).append(p.id)
            for remark, ids in by_remark.items():
                where = form.row(r).label if only else periods_label(ids, form)
                lines.append(f"{where[:1].upper()}{where[1:]}: {remark}")
        cell = ws[note.a1]
        cell.value = None                  # a template rolled up before keeps no old note
        if lines:
            text = NOTE_SEP.join(lines)
            cell.value = text if len(text) <= limit else text[:limit - 1] + "…"
            cell.data_type = "s"   # a label or a name may start with "=": never a formula
    period_label = {p.id: p.label for p in form.periods}
    result.flags = [f"{form.id} {r.id}, {period_label[p.id]}: "
                    + NOTE_SEP.join(t for t in (remarks.get((r.id, p.id)), lacking.get((r.id, p.id))) if t)
                    for r in rows for p in form.periods if (r.id, p.id) in remarks or (r.id, p.id) in lacking]
    # The level above's harvest reads these and flags each figure (V-INCOMPLETE): the
    # note alone would be read as a remark, and the figure counted as whole.
    gaps = {layout.input_at(r, p).a1: text for (r, p), text in lacking.items()}
    name = PROPERTY_PREFIX + GAPS_PROPERTY
    if name in wb.custom_doc_props.names:     # a template rolled up before: its gaps are not these
        del wb.custom_doc_props[name]
    if gaps:
        from openpyxl.packaging.custom import StringProperty
        wb.custom_doc_props.append(StringProperty(name=name, value=gaps_json(gaps)))
    out = io.BytesIO()
    wb.save(out)
    result.data = out.getvalue()
    return result
