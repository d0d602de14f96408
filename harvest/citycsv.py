"""city.csv: the consolidated city values, one line per input row and period of every form.

What the harvest hands to the level above (``cchc rollup``) and to anyone who wants the
city's figures without opening the summary workbook. Each line says how complete the
figure is: how many units gave a value, which expected units gave none (``missing``) and
which gave one that was left out and why (``excluded``, ``unit:code``), so a figure that is
not the whole city's never travels without saying so.
"""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from oslayer.fileio import NotReadable, read_csv, write_csv
from xlsx_forms.errors import CchcError
from xlsx_forms.kinds import Decimal, Integer
from xlsx_forms.model import Catalogue, Kind

from .cellvalues import show
from .consolidate import CityValue
from .exports import formula_safe, number_text
from .issues import Code, issue

CITY_NAME = "city.csv"
CITY_HEADER = ("form", "row_id", "label", "period", "value", "units", "missing", "excluded")
SEP = ";"


def city_rows(catalogue: Catalogue, city: dict[str, dict[tuple[str, str], CityValue]]):
    """One row per (form, input row, period), in layout order, in ``CITY_HEADER``'s columns."""
    for form in catalogue.forms.values():
        values = city.get(form.id, {})
        # A mean stays within its kind's bound; a sum or a count of units is bounded by the
        # units' bounded values, not by one value's bound.
        bound = {row.id: None if form.aggregate_of(row) in ("sum", "count_true") else catalogue.kinds[row.kind].max
                 for row in form.input_rows}
        for row in form.input_rows:
            for period in form.periods:
                cv = values.get((row.id, period.id))
                if cv is None:
                    continue
                value = "" if cv.value is None else number_text(cv.value, bound[row.id])
                yield (form.id, row.id, formula_safe(row.label), period.id, value, cv.reporting,
                       SEP.join(cv.missing), SEP.join(f"{u}:{code}" for u, code in cv.excluded))


def write_city_csv(path: Path, catalogue: Catalogue, city: dict[str, dict[tuple[str, str], CityValue]]) -> None:
    """city.csv of a harvest."""
    write_csv(path, CITY_HEADER, city_rows(catalogue, city))


def _value(text: str, numeric: bool) -> object:
    if text == "":
        return None
    if text.startswith("'") or not numeric:
        # written as text on purpose (formula guard, or not a plain number), or a text
        # row's value, which is text even when it reads like a number
        return text[1:] if text.startswith("'") else text
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


EXACT = 2.0 ** 53   # a sum beyond this is no longer an exact count: never a city total


def figure_kind(kind: Kind, how: str, units: int) -> Kind:
    """The kind a city figure aggregated by ``how`` over ``units`` reporting units is a
    value of, so that the kind's own check (``xlsx_forms.kinds``) holds the figure to what
    the harvest can have consolidated: the responsible unit's value is a value it typed; a
    sum of the kind's values is whole when they are, at least the kind's minimum and at
    most ``units`` times its maximum; a mean lies within the kind's bounds, whole or not; a
    count of units (``count_true``, a sum of yes/no) is a whole number from 0 to ``units``."""
    base = kind.behaviour
    if how == "count_true" or (how == "sum" and base.numeric and not base.measure):
        return replace(kind, base=Integer.name, min=0, max=units,
                       description=f"số đơn vị, số nguyên từ 0 đến {units}")
    if how == "sum":
        return replace(kind, max=EXACT if kind.max is None else min(EXACT, kind.max * max(units, 1)))
    if how in ("mean", "weighted_mean") and base.whole:
        return replace(kind, base=Decimal.name)
    return kind


def _said(code: str, fields: dict) -> str:
    """What the harvest's catalogue says is wrong with a value, without the advice to a
    unit: its first sentence ("Giá trị 217,5 không phải số nguyên")."""
    return issue(code, **fields).message.split(". ", 1)[0].rstrip(".")


def _tally_problem(value: object, kind: Kind, units: int) -> str | None:
    """Why ``value`` is not a tally of ``units`` units' choices ("Đạt: 3; Không đạt: 1")."""
    if not isinstance(value, str):
        return f"phải là văn bản đếm theo lựa chọn, dạng «{kind.choices[0]}: 2»"
    counted: dict[str, int] = {}
    for part in value.split("; "):
        choice, _, count = part.rpartition(": ")
        if choice not in kind.choices or choice in counted or not count.isdigit() or int(count) < 1:
            return f"«{part}» không phải «lựa chọn: số đơn vị» (lựa chọn trong {list(kind.choices)})"
        counted[choice] = int(count)
    total = sum(counted.values())
    return None if total == units else f"cộng {total} đơn vị, khác số đơn vị báo cáo ({units})"


def figure_problem(value: object, kind: Kind, how: str, units: int) -> str | None:
    """Why ``value`` cannot be the city figure of a row of ``kind`` aggregated by ``how``
    over ``units`` reporting units, or None. What the harvest writes always passes; a
    hand-edited city.csv is held to the checks the harvest applies to a typed value of
    the figure's kind (``figure_kind``), in the catalogue's words."""
    if value is None:
        return None
    if how == "none":
        return "dòng này không tổng hợp, không có số liệu thành phố"
    if units < 1:
        return "không có đơn vị nào báo cáo (cột units) nhưng có số liệu"
    if how == "tally":
        return _tally_problem(value, kind, units)
    figure = figure_kind(kind, how, units)
    base = figure.behaviour
    if not base.numeric:
        if not isinstance(value, str):
            return f"«{show(value)}» phải là văn bản"
        got, found = base.read_text(figure, value, value, value)
        return _said(*found[0]) if found else None if got == value else f"«{value}» không dùng được"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return _said(Code.V_NOT_NUMBER, {"raw": show(value), "accepts": figure.description})
    found = base.check(figure, float(value), show(value), show(value))
    return f"{_said(*found)} (ô này chỉ nhận {figure.description})" if found else None


def read_city_csv(path: Path, catalogue: Catalogue) -> dict[str, dict[tuple[str, str], CityValue]]:
    """form → (row id, period) → CityValue, read back from a harvest's city.csv (the
    shape the harvest consolidates into). Every line is checked against ``catalogue``: a
    form, input row and period of the plan, a value its row's kind and aggregation allow
    (a file edited by hand is held to what the harvest writes). Raises CchcError
    (CSV_INVALID) naming the line."""
    try:
        rows = read_csv(path)
    except NotReadable as exc:
        raise CchcError("CSV_INVALID", str(path), problem=str(exc)) from None
    if rows and set(CITY_HEADER) - set(rows[0]):
        raise CchcError("CSV_INVALID", str(path), problem=f"thiếu cột {sorted(set(CITY_HEADER) - set(rows[0]))}")
    figures: dict[str, dict[tuple[str, str], CityValue]] = {}
    seen: dict[tuple[str, str, str], int] = {}
    for n, row in enumerate(rows, 2):
        where = f"{path}, dòng {n}"
        form = catalogue.forms.get(row["form"])
        if form is None:
            raise CchcError("CSV_INVALID", where, problem=f"phụ lục «{row['form']}» không có trong kế hoạch")
        try:
            target = form.row(row["row_id"])
        except KeyError:
            target = None
        if target is None or not target.is_input or row["period"] not in {p.id for p in form.periods}:
            raise CchcError("CSV_INVALID", where,
                            problem=f"«{row['row_id']}», kỳ «{row['period']}» không phải ô của {form.id}")
        key = (form.id, target.id, row["period"])
        if key in seen:
            # Two lines for one cell: whichever a reader kept, the other was lost unseen.
            raise CchcError("CSV_INVALID", where, problem=f"{form.id} {target.id} kỳ {row['period']} đã có ở "
                                                          f"dòng {seen[key]}: mỗi ô chỉ có một dòng")
        seen[key] = n
        try:
            excluded = tuple(tuple(x.rsplit(":", 1)) for x in row["excluded"].split(SEP) if x)
            units = int(row["units"] or 0)
        except (ValueError, TypeError) as exc:
            raise CchcError("CSV_INVALID", where, problem=f"dòng hỏng ({exc})") from None
        if units < 0 or any(len(x) != 2 for x in excluded):
            raise CchcError("CSV_INVALID", where, problem="cột units hoặc excluded sai")
        kind, how = catalogue.kinds[target.kind], form.aggregate_of(target)
        value = _value(row["value"], kind.behaviour.numeric and how != "tally")
        problem = figure_problem(value, kind, how, units)
        if problem:
            raise CchcError("CSV_INVALID", where, problem=f"{form.id} {target.id} kỳ {row['period']}, giá trị "
                                                          f"«{row['value']}»: {problem}")
        figures.setdefault(form.id, {})[(target.id, row["period"])] = CityValue(
            value, units, tuple(x for x in row["missing"].split(SEP) if x), excluded)
    return figures
