"""phu-luc-thanh-pho.xlsx: the city's appendices in official form, from a harvest.

Each appendix is its template's layout (xlsx_forms.official), issued by the city and
filled with the city's figures. What an official table says in its "Ghi chú" column is
what a reader must know about a figure: the units whose values are missing or left out
(and why), and the values counted that a quality rule or check flagged, by unit and
period, in the words of the summary workbook (harvest.gaps). A row counted as "how many
units have it" says so where the template says "1/0".
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from xlsx_forms.layout import SIGN_HEAD, SIGN_HEAD_HINT, SheetLayout, form_layout
from xlsx_forms.model import Catalogue, Form
from xlsx_forms.official import build_city_workbook
from xlsx_forms.registry import Registry
from xlsx_forms.writer import GenerateOptions, Prefill

from .cellstore import OK
from .consolidate import CityValue
from .gaps import cell_comment, listed, mark_text, row_gaps
from .reconcile import Reconciliation

CITY_APPENDICES = "phu-luc-thanh-pho.xlsx"
UNITS_WITH = "Số đơn vị có"   # the unit of measure of a yes/no row counted across units
FLAGGED = "Cần xem lại"


def _flagged(form: Form, registry: Registry, rec: Reconciliation) -> dict[tuple[str, str], list[str]]:
    """(row id, period id) → "unit (period: codes)" for each value counted with warnings."""
    inputs = form_layout(form).inputs
    found: dict[tuple[str, str], list[str]] = {}
    for unit in registry.units:
        used = rec.used.get((unit.code, form.id))
        marks = used.values.marks() if used else None
        for i, (status, flags) in (marks or {}).items():
            if status == OK and flags:
                cell = inputs[i]
                found.setdefault((cell.row_id, cell.period_id), []).append(
                    f"{unit.name} ({mark_text(cell.period_id, status, flags, form)})")
    return found


# What the city's own table says where a unit's form names the unit and its head: the
# footnote "Biểu dành cho … báo cáo" is about who fills the form, not about the city's table.
CITY_TEXTS = {SIGN_HEAD: "TM. ỦY BAN NHÂN DÂN", SIGN_HEAD_HINT: "CHỦ TỊCH"}


def _relabel(form: Form, layout: SheetLayout) -> dict[tuple[int, int], str]:
    """The unit-of-measure cells of rows counted as a number of units; the head's
    signature as the city's; no footnote addressed to the units."""
    units = [t for t in layout.texts if t.role == "unit"]
    relabel = {(t.row, t.col): CITY_TEXTS[t.text] for t in layout.texts if t.text in CITY_TEXTS}
    relabel.update({(t.row, t.col): "" for t in layout.texts if t.role == "footnote"})
    for row in form.input_rows:
        if form.aggregate_of(row) == "count_true":
            first = layout.input_at(row.id, form.periods[0].id)
            for t in units:   # beside the row (plain tables) or above its column (transposed)
                if t.row == first.row or t.col == first.col:
                    relabel[(t.row, t.col)] = UNITS_WITH
    return relabel


def _notes(form: Form, layout: SheetLayout, city: dict[tuple[str, str], CityValue], registry: Registry,
           flagged: dict[tuple[str, str], list[str]]) -> dict[str, str]:
    order = {u.code: i for i, u in enumerate(registry.units)}
    notes = {}
    for note in layout.notes:
        parts = []
        if "@" in note.key:   # a period's row of a transposed table: each indicator of it
            period = note.key.split("@", 1)[1]
            for row_id in note.rows:
                said = cell_comment(city.get((row_id, period), CityValue(None, 0, ())), form, registry)
                if said:
                    parts.append(f"{form.row(row_id).label}: {said}")
            marks = [m for row_id in note.rows for m in flagged.get((row_id, period), ())]
        else:
            said = row_gaps(form, note.key, city, registry, order)
            parts += [said] if said else []
            marks = [m for p in form.periods for m in flagged.get((note.key, p.id), ())]
        if marks:
            parts.append(f"{FLAGGED}: {listed(marks[:40], len(marks))}")
        if parts:
            notes[note.key] = "\n".join(parts)
    return notes


def city_sheets(catalogue: Catalogue, registry: Registry, rec: Reconciliation,
                city: dict[str, dict[tuple[str, str], CityValue]]) -> list[tuple[Form, Prefill]]:
    """Each form with the city's figures and remarks, ready for xlsx_forms.official."""
    sheets = []
    for form in catalogue.forms.values():
        layout = form_layout(form)
        values = city.get(form.id, {})
        sheets.append((form, Prefill(
            values={key: cv.value for key, cv in values.items() if cv.value is not None},
            notes=_notes(form, layout, values, registry, _flagged(form, registry, rec)),
            relabel=_relabel(form, layout), final=True)))
    return sheets


def write_city_appendices(path: Path, catalogue: Catalogue, registry: Registry, rec: Reconciliation,
                          city: dict[str, dict[tuple[str, str], CityValue]], key: bytes, deadline: date,
                          when: datetime) -> None:
    """phu-luc-thanh-pho.xlsx of a harvest, signed with the consolidator's key."""
    options = GenerateOptions(key=key, generated_at=when, deadline=deadline)
    path.write_bytes(build_city_workbook(catalogue, registry, city_sheets(catalogue, registry, rec, city), options))
