"""City-level values: each row and period aggregated across units as its spec says.

Every value added here was bounded when read (``Kind.max``: counts up to 10^9, percentages
up to 100, flags 0/1), so sums and means stay finite and, for counts, exact. A result that
is not finite all the same is left blank rather than passed on. Choices are tallied into a
text ("Đạt: 5; Không đạt: 2", in the kind's order of choices); texts (``none``) are not
consolidated: the city value stays blank, each unit's text is on the per-unit sheet and
in values.csv.

A unit's value counts only when its status is ``ok`` (``harvest.cellstore``): a value
that cannot be used, or that breaks an error rule of its form, is left out and named with
its code; a unit that gave no value at all is missing. Both lists are in registry order.

The city's figures keep to the form's rules as each unit's do: when one value a rule reads
is left out for a unit and period (a part of a sum typed as text, a number out of range),
the rule cannot be checked there, so the other values it reads for that unit and period
are left out too (``V-RULE-LINKED``, decided on the file by ``checks.exclude_linked``, so
the value's status says so), like the values of a broken error rule. Otherwise the city
total would count a unit whose part it leaves out, and disagree with the sum of its parts
with nothing to say so. Both the total and the part then name the unit and why.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from xlsx_forms.model import Catalogue, Form
from xlsx_forms.registry import Registry

from .process import FileResult


@dataclass(frozen=True, slots=True)
class CityValue:
    """A consolidated value, how many units gave one (``reporting``: city.csv's ``units``),
    which expected units gave none (``missing``) and which gave one that was left out, with
    its code (``excluded``)."""

    value: object
    reporting: int
    missing: tuple[str, ...]
    excluded: tuple[tuple[str, str], ...] = ()


class _Cell:
    """Running aggregate of one (row, period) across units."""

    __slots__ = ("total", "carry", "weights", "ones", "count", "value", "tally", "missing", "excluded")

    def __init__(self) -> None:
        self.total = self.weights = self.carry = 0.0
        self.ones = self.count = 0
        self.value = None
        self.tally: dict[str, int] | None = None
        self.missing: list[str] = []
        self.excluded: list[tuple[str, str]] = []

    def add(self, how: str, value, weight) -> None:
        self.count += 1
        if how == "weighted_mean":
            if weight:
                self.total += value * weight
                self.weights += weight
        elif how == "count_true":
            self.ones += value == 1
        elif how == "responsible":
            self.value = value
        elif how == "tally":
            self.tally = self.tally or {}
            self.tally[value] = self.tally.get(value, 0) + 1
        elif how == "none":
            pass
        elif how == "sum":
            # Compensated (Neumaier): amounts such as 12.3 triệu đồng add up to what a person
            # adds, not 3090.9999999999995; counts are exact either way.
            total = self.total + value
            self.carry += (self.total - total) + value if abs(self.total) >= abs(value) else \
                (value - total) + self.total
            self.total = total
        else:
            self.total += value

    def result(self, how: str, choices: tuple[str, ...] = ()):
        if not self.count:
            return None
        if how == "tally":
            return "; ".join(f"{c}: {self.tally[c]}" for c in choices if c in (self.tally or {}))
        value = {"sum": self.total + self.carry, "count_true": self.ones, "mean": self.total / self.count,
                 "weighted_mean": self.total / self.weights if self.weights else None,
                 "responsible": self.value, "none": None}[how]
        if isinstance(value, float) and not math.isfinite(value):
            return None   # unreachable with bounded inputs: never a NaN or infinite total
        return value


def consolidate_form(form: Form, registry: Registry,
                     used: dict[tuple[str, str], FileResult]) -> dict[tuple[str, str], CityValue]:
    """(row id, period id) → CityValue for every input row of ``form``. Units are read one
    at a time into running aggregates, so memory does not grow with the number of units."""
    cells = {(row.id, p.id): _Cell() for row in form.input_rows for p in form.periods}
    rows = [(row, form.aggregate_of(row)) for row in form.input_rows]
    for unit in registry.units:
        if form.id not in unit.forms:
            continue
        result = used.get((unit.code, form.id))
        usable = result.values.usable() if result else {}
        left_out = result.values.left_out() if result else {}
        for row, how in rows:
            if row.responsible not in (None, unit.code):
                continue
            for period in form.periods:
                key = (row.id, period.id)
                value = usable.get(key)
                if value is None:
                    code = left_out.get(key) if left_out else None
                    if code is None:
                        cells[key].missing.append(unit.code)
                    else:
                        cells[key].excluded.append((unit.code, code))
                else:   # (a value whose weight does not count was left out with it: process)
                    cells[key].add(how, value, usable.get((row.weight, period.id)) if row.weight else None)
    return {key: CityValue(cell.result(how, form.kind_of(row).choices), cell.count, tuple(cell.missing),
                           tuple(cell.excluded))
            for (row, how) in rows for key in [(row.id, p.id) for p in form.periods]
            for cell in [cells[key]]}


def consolidate(catalogue: Catalogue, registry: Registry,
                used: dict[tuple[str, str], FileResult]) -> dict[str, dict[tuple[str, str], CityValue]]:
    """Every form's city-level values."""
    return {fid: consolidate_form(f, registry, used) for fid, f in catalogue.forms.items()}
