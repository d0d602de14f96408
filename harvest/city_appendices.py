"""phu-luc-thanh-pho.xlsx: the city's appendices in official form, from a harvest.

Each appendix is its template's layout (xlsx_forms.official), issued by the city and
filled with the city's figures. What an official table says in its "Ghi chú" column is
what a reader must know about a figure, in words, never an issue code or a period id:
the units without a value ("Thiếu số liệu của: …"), those whose values were not counted
and why, and the values counted that a quality rule or check flagged, by unit and period
label, each reason a rule's short text or the issue catalogue's few words. A row counted
as "how many units have it" says so where the template says "1/0".
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from xlsx_forms.layout import SIGN_HEAD, SIGN_HEAD_HINT, SheetLayout, form_layout
from xlsx_forms.model import Catalogue, Form
from xlsx_forms.official import build_city_workbook
from xlsx_forms.registry import Registry
from xlsx_forms.writer import GenerateOptions, Prefill

from .cellstore import FLAG_SEP, OK
from .consolidate import CityValue
from .gaps import MAX_LISTED, listed, spans
from .issues import SHORT_VI
from .reconcile import Reconciliation

CITY_APPENDICES = "phu-luc-thanh-pho.xlsx"
UNITS_WITH = "Số đơn vị có"   # the unit of measure of a yes/no row counted across units
FLAGGED = "Cần xem lại"


def _why(code: str, form: Form) -> str:
    """A code in an official table's words, never the code: a rule's short text, else
    the catalogue's few words (``issues.SHORT_VI``)."""
    rule = next((r for r in form.rules if r.code == code), None)
    if rule is not None:
        return rule.short or "không đúng quy tắc của biểu"
    return SHORT_VI.get(code, "cần xem lại")


def periods_label(ids: list[str], form: Form) -> str:
    """Periods by their labels, in layout order, a run of three or more as "năm 2015 đến
    năm 2018" (labels start in lower case: they follow a name)."""
    label = {p.id: p.label[:1].lower() + p.label[1:] for p in form.periods}
    return spans(ids, [p.id for p in form.periods], label.__getitem__, " đến ")


def _said(lacking: dict[str, list[str]], left_out: dict[str, list[tuple[str, str]]],
          flagged: dict[str, list[tuple[str, str]]], form: Form, registry: Registry, all_ids: list[str]) -> list[str]:
    """The Ghi chú lines of one row (or one period of a transposed table): units without
    a value (with the periods they lack, unless all), values not counted and values
    counted that need a second look, each unit with its periods and the reason in words.
    Units in registry order."""
    order = {u.code: i for i, u in enumerate(registry.units)}
    lines = []

    def units(found: dict, shown) -> str:
        first = sorted(found, key=order.__getitem__)[:MAX_LISTED]
        return listed([f"{registry.unit(u).name}{shown(found[u])}" for u in first], len(found))

    def reasons(pairs: list[tuple[str, str]]) -> str:
        by_reason: dict[str, list[str]] = {}
        for period, code in pairs:
            by_reason.setdefault(_why(code, form), []).append(period)
        return " (" + "; ".join(f"{periods_label(sorted({p for p in ps if p}), form)}: {why}" if any(ps) else why
                                for why, ps in by_reason.items()) + ")"

    if lacking:
        lines.append("Thiếu số liệu của: " + units(
            lacking, lambda ps: "" if sorted(ps) == sorted(all_ids) else f" ({periods_label(ps, form)})"))
    if left_out:
        lines.append("Không tính số liệu của: " + units(left_out, reasons))
    if flagged:
        lines.append(f"{FLAGGED}: " + units(flagged, reasons))
    return lines


def _flags(form: Form, registry: Registry, rec: Reconciliation) -> dict[tuple[str, str], dict[str, list[str]]]:
    """(row id, period id) → unit → codes of the warnings on each value counted."""
    inputs = form_layout(form).inputs
    found: dict[tuple[str, str], dict[str, list[str]]] = {}
    for unit in registry.units:
        used = rec.used.get((unit.code, form.id))
        marks = used.values.marks() if used else None
        for i, (status, flags) in (marks or {}).items():
            if status == OK and flags:
                cell = inputs[i]
                found.setdefault((cell.row_id, cell.period_id), {})[unit.code] = flags.split(FLAG_SEP)
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


def figure_notes(form: Form, registry: Registry, values: dict[tuple[str, str], CityValue], rows: list[str],
                 period: str | None = None, flags: dict[tuple[str, str], dict[str, list[str]]] | None = None,
                 periods: list[str] | None = None) -> list[str]:
    """The Ghi chú lines of an official table (the city's appendices, the drafted report's
    tables, the form rolled up to the level above): one home for their wording. Of one row
    (``rows`` = [its id]) over ``periods`` (all the form's by default), each unit with the
    periods it concerns grouped ("Thiếu số liệu của: X (năm 2015 đến năm 2018)", no periods
    when it is all of them); or, for a transposed table's ``period``, of each of ``rows``,
    named by its label and naming no period. ``flags``: (row, period) → unit → codes of the
    warnings on values counted."""
    parts = []
    for row_id in rows:
        lacking: dict[str, list[str]] = {}
        left_out: dict[str, list[tuple[str, str]]] = {}
        flagged: dict[str, list[tuple[str, str]]] = {}
        ids = [period] if period else (periods or [p.id for p in form.periods])
        for p in ids:
            cv = values.get((row_id, p), CityValue(None, 0, ()))
            shown = "" if len(ids) == 1 else p   # a note of one period names no period
            for u in cv.missing:
                lacking.setdefault(u, []).append(p)
            for u, code in cv.excluded:
                left_out.setdefault(u, []).append((shown, code))
            for u, codes in (flags or {}).get((row_id, p), {}).items():
                flagged.setdefault(u, []).extend((shown, c) for c in codes)
        said = _said(lacking, left_out, flagged, form, registry, ids)
        if said and period:
            parts.append(f"{form.row(row_id).label}: " + "; ".join(said))
        else:
            parts += said
    return parts


def _notes(form: Form, layout: SheetLayout, city: dict[tuple[str, str], CityValue], registry: Registry,
           flags: dict[tuple[str, str], dict[str, list[str]]]) -> dict[str, str]:
    """Note key → the Ghi chú an official table shows: a row's note speaks of its
    periods, a transposed table's period note of its indicators."""
    notes = {}
    for note in layout.notes:
        period = note.key.split("@", 1)[1] if "@" in note.key else None
        parts = figure_notes(form, registry, city, note.rows if period else [note.key], period, flags)
        if parts:
            notes[note.key] = "\n".join(parts)
    return notes


def assigned(form: Form, registry: Registry) -> bool:
    """Whether some unit is given ``form``: an appendix nobody fills has no city figures,
    and is left out of the city's appendices and the drafted report."""
    return any(form.id in u.forms for u in registry.units)


def city_sheets(catalogue: Catalogue, registry: Registry, rec: Reconciliation,
                city: dict[str, dict[tuple[str, str], CityValue]]) -> list[tuple[Form, Prefill]]:
    """Each form some unit is given, with the city's figures and remarks, ready for
    xlsx_forms.official."""
    sheets = []
    for form in (f for f in catalogue.forms.values() if assigned(f, registry)):
        layout = form_layout(form)
        values = city.get(form.id, {})
        sheets.append((form, Prefill(
            values={key: cv.value for key, cv in values.items() if cv.value is not None},
            notes=_notes(form, layout, values, registry, _flags(form, registry, rec)),
            relabel=_relabel(form, layout), final=True)))
    return sheets


def write_city_appendices(path: Path, catalogue: Catalogue, registry: Registry, rec: Reconciliation,
                          city: dict[str, dict[tuple[str, str], CityValue]], key: bytes, deadline: date,
                          when: datetime) -> None:
    """phu-luc-thanh-pho.xlsx of a harvest, signed with the consolidator's key."""
    options = GenerateOptions(key=key, generated_at=when, deadline=deadline)
    path.write_bytes(build_city_workbook(catalogue, registry, city_sheets(catalogue, registry, rec, city), options))
