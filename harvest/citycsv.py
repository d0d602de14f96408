"""city.csv: the consolidated city values, one line per input row and period of every form.

What the harvest hands to the level above (``cchc rollup``) and to anyone who wants the
city's figures without opening the summary workbook. Each line says how complete the
figure is: how many units gave a value, which expected units gave none (``missing``) and
which gave one that was left out and why (``excluded``, ``unit:code``), so a figure that is
not the whole city's never travels without saying so.
"""
from __future__ import annotations

import math
from pathlib import Path

from oslayer.fileio import NotReadable, read_csv, write_csv
from xlsx_forms.errors import CchcError
from xlsx_forms.model import Catalogue

from .consolidate import CityValue
from .exports import formula_safe, number_text

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


def _value(text: str) -> object:
    if text == "":
        return None
    if text.startswith("'"):
        return text[1:]   # written as text on purpose (formula guard, or not a plain number)
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


EXACT = 2.0 ** 53   # a sum beyond this is no longer an exact count: never a city total


def _checked(value: object, catalogue: Catalogue, form, row) -> str | None:
    """Why ``value`` cannot be ``row``'s city figure, or None. What the harvest writes
    always passes; a hand-edited file is held to the same bounds as the values read."""
    if value is None:
        return None
    kind, how = catalogue.kinds[row.kind], form.aggregate_of(row)
    if how == "none":
        return "dòng này không tổng hợp, không có số liệu thành phố"
    if how in ("tally",):
        return None if isinstance(value, str) else f"«{value}» phải là văn bản đếm theo lựa chọn"
    if how == "responsible" and not kind.behaviour.numeric:
        return None if value in kind.choices else f"«{value}» không có trong danh sách chọn {list(kind.choices)}"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return f"«{value}» không phải số"
    if how == "count_true":
        return None if value >= 0 and float(value).is_integer() else f"«{value}» không phải số đơn vị"
    low = kind.min if kind.min is not None else 0
    if value < low:
        return f"{value} nhỏ hơn mức tối thiểu {low}"
    high = EXACT if how == "sum" else kind.max
    if high is not None and value > high:
        return f"{value} lớn hơn mức tối đa {high:g}"
    return None


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
        value = _value(row["value"])
        problem = _checked(value, catalogue, form, target)
        if problem:
            raise CchcError("CSV_INVALID", where, problem=f"{form.id} {target.id} {row['period']}: {problem}")
        try:
            excluded = tuple(tuple(x.rsplit(":", 1)) for x in row["excluded"].split(SEP) if x)
            units = int(row["units"] or 0)
        except (ValueError, TypeError) as exc:
            raise CchcError("CSV_INVALID", where, problem=f"dòng hỏng ({exc})") from None
        if units < 0 or any(len(x) != 2 for x in excluded):
            raise CchcError("CSV_INVALID", where, problem="cột units hoặc excluded sai")
        figures.setdefault(form.id, {})[(target.id, row["period"])] = CityValue(
            value, units, tuple(x for x in row["missing"].split(SEP) if x), excluded)
    return figures
