"""Plausibility checks on the values a harvest uses: numbers that can be right but rarely
are. Each check is an object with its thresholds (from the catalogue, never from code) and
returns Findings (data); nothing is printed or raised. ``run`` turns them into warnings
(P-YEAR-JUMP, P-UNIT-OUTLIER, P-MAGNITUDE) at the cell of the file they came from.

- YearJump: one period of a unit against the median of the unit's own other whole years.
- UnitOutlier: one unit against the other units of its group (wards with communes, offices
  with offices) for the same cell, by median and MAD.
- Magnitude: a count above the bound a unit could plausibly report (per kind, per row).
"""
from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import median

from xlsx_forms.model import Catalogue, Form, Kind, Plausibility, Row, UnitGroup
from xlsx_forms.registry import Registry

from .cellvalues import show
from .issues import Issue, issue
from .process import FileResult

MAD_SCALE = 1.4826   # MAD × this estimates the standard deviation of normal data
Key = tuple[str, str]   # (row id, period id)


@dataclass(frozen=True)
class Finding:
    """One implausible value: which check, whose, where in the form, and the numbers."""

    code: str
    unit: str
    form: str
    key: Key
    fields: dict = field(default_factory=dict, compare=False)


def num_text(value: float) -> str:
    """A number for a message: at most two decimals, Vietnamese decimal comma."""
    return show(round(value, 2) if isinstance(value, float) else value)


def _mad(values, centre: float) -> float:
    return median(abs(v - centre) for v in values)


def _label(row: Row, limit: int = 70) -> str:
    text = row.label if len(row.label) <= limit else row.label[: limit - 1].rstrip() + "…"
    return f"«{text}»"


def _numbers(form: Form, values: Mapping[Key, object], floors: Mapping[str, float]):
    """(row, {period: number}) of the rows whose kind this check compares."""
    for row in form.input_rows:
        if row.kind not in floors:
            continue
        series = {p.id: values[(row.id, p.id)] for p in form.periods
                  if isinstance(values.get((row.id, p.id)), (int, float))}
        if series:
            yield row, series


class YearJump:
    """A period at least ``rise`` times above, or at most 1/``drop`` of, the median of the
    unit's other whole years, at least ``floor`` away from it and ``score`` robust
    deviations of those years. A partial year (2020 to 23/3) holds part of a year's counts:
    compared upwards only, except for rates (percentages)."""

    code = "P-YEAR-JUMP"

    def __init__(self, cfg: Plausibility) -> None:
        self.cfg = cfg

    def check(self, form: Form, unit: str, values: Mapping[Key, object]) -> list[Finding]:
        """Findings for one unit's values of ``form``."""
        cfg, found = self.cfg, []
        partial = {p.id for p in form.periods if p.partial}
        labels = {p.id: p.label for p in form.periods}
        for row, series in _numbers(form, values, cfg.year_floor):
            floor = cfg.year_floor[row.kind]
            if max(series.values()) - min(series.values()) < floor:
                continue   # the common case: nothing can be that far from anything
            for period, x in series.items():
                others = {p: v for p, v in series.items() if p != period and p not in partial}
                if len(others) < cfg.year_min_years:
                    continue
                m = median(others.values())
                up = x > m
                if abs(x - m) < floor or (period in partial and not up and row.kind not in cfg.rates):
                    continue
                if not (x >= cfg.year_rise * m if up else x * cfg.year_drop <= m):
                    continue
                if abs(x - m) < cfg.year_score * MAD_SCALE * _mad(others.values(), m):
                    continue   # the unit's years vary this much anyway
                found.append(Finding(self.code, unit, form.id, (row.id, period), {
                    "label": _label(row), "period": labels[period], "value": num_text(x), "median": num_text(m),
                    "comparison": _comparison(x, m, up),
                    "others": ", ".join(f"{p}: {num_text(v)}" for p, v in others.items()),
                    "rise": num_text(cfg.year_rise), "drop": num_text(cfg.year_drop)}))
        return found


def _comparison(x: float, m: float, up: bool) -> str:
    if up:
        return f"gấp {num_text(x / m)} lần" if m else "vượt xa"
    return f"chỉ bằng 1/{num_text(m / x)}" if x else "thấp hơn hẳn"


class Magnitude:
    """A count above its row's ``plausible_max``, else its kind's: accepted (below the
    kind's hard ``max``) but more than a unit could report."""

    code = "P-MAGNITUDE"

    def __init__(self, kinds: Mapping[str, Kind]) -> None:
        self.kinds = kinds

    def check(self, form: Form, unit: str, values: Mapping[Key, object]) -> list[Finding]:
        """Findings for one unit's values of ``form``."""
        found = []
        labels = {p.id: p.label for p in form.periods}
        for row in form.input_rows:
            bound = row.plausible_max or self.kinds[row.kind].plausible_max
            if bound is None:
                continue
            for p in form.periods:
                x = values.get((row.id, p.id))
                if isinstance(x, (int, float)) and not isinstance(x, bool) and x > bound:
                    found.append(Finding(self.code, unit, form.id, (row.id, p.id), {
                        "label": _label(row), "period": labels[p.id], "value": num_text(x), "bound": num_text(bound)}))
        return found


class _Band:
    """The group's values of one cell: median, MAD and quartiles (computed once)."""

    __slots__ = ("count", "high", "low", "mad", "median")

    def __init__(self, values: array) -> None:
        ordered = sorted(values)
        n = len(ordered)
        self.count, self.median = n, median(ordered)
        self.mad = _mad(ordered, self.median)
        self.low, self.high = ordered[(n - 1) // 4], ordered[n - 1 - (n - 1) // 4]


class UnitOutlier:
    """A unit at least ``score`` robust deviations (MAD) and ``floor`` away from the median
    of its group's units for the same cell (and, for kinds with a ``factor``, that many
    times above or below it), when at least ``min_units`` reported it. Two passes:
    ``observe`` every unit's values, then ``check`` each unit."""

    code = "P-UNIT-OUTLIER"

    def __init__(self, cfg: Plausibility) -> None:
        self.cfg = cfg
        self._pool: dict[tuple[str, str, Key], array] = {}   # compact: one double per value
        self._bands: dict[tuple[str, str, Key], _Band | None] = {}

    def observe(self, form: Form, group: UnitGroup, values: Mapping[Key, object]) -> None:
        """Add one unit's values to its group's pool."""
        for row, series in _numbers(form, values, self.cfg.unit_floor):
            for period, x in series.items():
                self._pool.setdefault((form.id, group.id, (row.id, period)), array("d")).append(x)

    def _band(self, where: tuple[str, str, Key]) -> _Band | None:
        if where not in self._bands:
            pool = self._pool.pop(where, ())
            self._bands[where] = _Band(pool) if len(pool) >= self.cfg.unit_min else None
        return self._bands[where]

    def check(self, form: Form, unit: str, group: UnitGroup, values: Mapping[Key, object]) -> list[Finding]:
        """Findings for one unit's values of ``form`` against its group (after observing)."""
        cfg, found = self.cfg, []
        labels = {p.id: p.label for p in form.periods}
        for row, series in _numbers(form, values, cfg.unit_floor):
            for period, x in series.items():
                band = self._band((form.id, group.id, (row.id, period)))
                if band is None:
                    continue
                m, distance = band.median, abs(x - band.median)
                if distance < cfg.unit_floor[row.kind] or distance < cfg.unit_score * MAD_SCALE * band.mad:
                    continue
                factor = cfg.unit_factor.get(row.kind)
                if factor and not (x >= factor * m if x > m else x * factor <= m):
                    continue
                found.append(Finding(self.code, unit, form.id, (row.id, period), {
                    "label": _label(row), "period": labels[period], "value": num_text(x),
                    "count": band.count - 1, "group": group.name, "median": num_text(band.median),
                    "low": num_text(band.low), "high": num_text(band.high)}))
        return found


def _usable(result: FileResult) -> dict[Key, object]:
    values = result.values
    if hasattr(values, "usable"):
        return values.usable()
    return {k: v.value for k, v in values.items() if v.value is not None}


def findings(catalogue: Catalogue, registry: Registry, used: Mapping[tuple[str, str], FileResult]
             ) -> list[Finding]:
    """Every plausibility finding on the used files' values, in registry order."""
    cfg = catalogue.plausibility
    if cfg is None:
        return []
    group_of = {kind: g for g in cfg.groups for kind in g.kinds}
    per_unit = (YearJump(cfg), Magnitude(catalogue.kinds))
    outlier = UnitOutlier(cfg)
    chosen = [(unit, catalogue.form(f), used[(unit.code, f)]) for unit in registry.units for f in unit.forms
              if (unit.code, f) in used]
    for unit, form, result in chosen:   # first pass: the groups' pools
        if unit.kind in group_of:
            outlier.observe(form, group_of[unit.kind], _usable(result))
    found = []
    for unit, form, result in chosen:
        values = _usable(result)
        for check in per_unit:
            found += check.check(form, unit.code, values)
        if unit.kind in group_of:
            found += outlier.check(form, unit.code, group_of[unit.kind], values)
    return found


def as_issues(found: list[Finding], used: Mapping[tuple[str, str], FileResult]) -> list[Issue]:
    """The findings as warnings at the cell of the used file each value came from; a value
    whose cell already has an error is left to that error (one mistake, one message)."""
    issues = []
    errors = {}
    for f in found:
        result = used[(f.unit, f.form)]
        if result.rel not in errors:
            errors[result.rel] = {i.cell for i in result.issues if i.severity == "error" and i.cell}
        cell = result.values[f.key].cell
        if cell in errors[result.rel]:
            continue
        issues.append(issue(f.code, unit=f.unit, form=f.form, file=result.rel, sheet=result.sheet, cell=cell,
                            **f.fields))
    return issues


def run(catalogue: Catalogue, registry: Registry, used: Mapping[tuple[str, str], FileResult]) -> list[Issue]:
    """The plausibility warnings of a harvest's used files."""
    return as_issues(findings(catalogue, registry, used), used)
