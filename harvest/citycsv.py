"""city.csv: the consolidated city values, one line per input row and period of every form.

What the harvest hands to the level above (``cchc rollup``) and to anyone who wants the
city's figures without opening the summary workbook. Each line says how complete the
figure is: how many units gave a value, which expected units gave none (``missing``) and
which gave one that was left out and why (``excluded``, ``unit:code``), so a figure that is
not the whole city's never travels without saying so.
"""
from __future__ import annotations

from pathlib import Path

from xlsx_forms.errors import CchcError
from xlsx_forms.fileio import read_csv, write_csv
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


def read_city_csv(path: Path) -> dict[str, dict[tuple[str, str], CityValue]]:
    """form → (row id, period) → CityValue, read back from a harvest's city.csv (the
    shape the harvest consolidates into). Raises CchcError (CSV_INVALID) for a file that
    is not one."""
    rows = read_csv(path)
    if rows and set(CITY_HEADER) - set(rows[0]):
        raise CchcError("CSV_INVALID", str(path), problem=f"thiếu cột {sorted(set(CITY_HEADER) - set(rows[0]))}")
    figures = {}
    for row in rows:
        try:
            excluded = tuple(tuple(x.rsplit(":", 1)) for x in row["excluded"].split(SEP) if x)
            figures.setdefault(row["form"], {})[(row["row_id"], row["period"])] = CityValue(
                _value(row["value"]), int(row["units"] or 0),
                tuple(x for x in row["missing"].split(SEP) if x), excluded)
        except (ValueError, TypeError) as exc:
            raise CchcError("CSV_INVALID", str(path), problem=f"dòng hỏng ({exc})") from None
    return figures
