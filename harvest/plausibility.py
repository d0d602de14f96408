"""Plausibility checks on the values a harvest uses: numbers that can be right but rarely
are. Each check is an object with its thresholds (from the catalogue, never from code) and
returns Findings (data); nothing is printed or raised. ``run`` turns them into warnings
(P-YEAR-JUMP, P-UNIT-OUTLIER, P-MAGNITUDE) at the cell of the file they came from.

- YearJump: one period of a unit against the median of the unit's own other whole years.
- UnitOutlier: one unit against the other units of its group (wards with communes, offices
  with offices) for the same cell, by median and MAD.
- Magnitude: a count above the bound a unit could plausibly report (per kind, per row).

Speed: every used file's values are read once, into one vector of doubles per file in the
form's order (NaN where there is no number, so the checks run over plain lists, not
dicts); a group's vectors are appended to one array, so a national harvest keeps eight
bytes per value until the outliers are found, and each check costs microseconds per file.
"""
from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import filterfalse
from math import inf, isnan, nan

from xlsx_forms.model import Catalogue, Form, Kind, Plausibility, Row, UnitGroup
from xlsx_forms.registry import Registry

from .cellvalues import show
from .issues import Code, Issue, issue
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


def _median(ordered) -> float:
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def _mad(values, centre: float) -> float:
    return _median(sorted(abs(v - centre) for v in values))


def _label(row: Row) -> str:
    """The row's label whole, quoted: a label cut short leaves the office guessing which row."""
    return f"«{row.label}»"


class Plan:
    """A form's number cells in one order (row by row, period by period), worked out once:
    the order of the vectors every check reads."""

    def __init__(self, form: Form, kinds: Mapping[str, Kind]) -> None:
        self.form = form
        # Rows whose numbers compare (counts, amounts, rates: their base's ``measure``).
        self.rows = [row for row in form.input_rows if form.kind_of(row).behaviour.measure]
        self.periods = [p.id for p in form.periods]
        self.labels = [p.label for p in form.periods]
        self.partial = [p.partial for p in form.periods]
        self.keys = [(row.id, p) for row in self.rows for p in self.periods]
        bounds = [row.plausible_max or (kinds[row.kind].plausible_max if row.kind in kinds else None)
                  for row in self.rows]
        self.bounds = [b for b in bounds for _ in self.periods]
        self.lowest_bound = min((b for b in bounds if b is not None), default=None)
        self.whole = [j for j, p in enumerate(form.periods) if not p.partial]
        self.parts = [j for j, p in enumerate(form.periods) if p.partial]
        self._positions: list[int] | None = None

    def vector(self, values: Mapping[Key, object]) -> list[float]:
        """The values in plan order, NaN where a cell has no usable number."""
        return [nan if type(x := values.get(k)) is str or x is None else x for k in self.keys]

    def vector_of(self, result: FileResult) -> list[float]:
        """A used file's vector, straight from its compact store when it has one."""
        if not hasattr(result.values, "numbers"):
            return self.vector({k: v.value for k, v in result.values.items() if v.value is not None})
        index, numbers = result.values.numbers()
        if self._positions is None:
            self._positions = [index[k] for k in self.keys]
        return [numbers[i] for i in self._positions]


class YearJump:
    """A period at least ``rise`` times above, or at most 1/``drop`` of, the median of the
    unit's other whole years, at least ``floor`` away from it and ``score`` robust
    deviations of those years. A partial year (2020 to 23/3) holds part of a year's counts:
    compared upwards only, except for rates (percentages)."""

    code = Code.P_YEAR_JUMP

    def __init__(self, cfg: Plausibility) -> None:
        self.cfg = cfg

    def check(self, form: Form, unit: str, values: Mapping[Key, object], plan: Plan | None = None,
              vector: list[float] | None = None) -> list[Finding]:
        """Findings for one unit's values of ``form`` (``plan`` and its ``vector`` when the
        caller has them already)."""
        cfg, found = self.cfg, []
        plan = plan or Plan(form, {})
        vector = plan.vector(values) if vector is None else vector
        width = len(plan.periods)
        for i in self._candidates(plan, vector):
            row, floor = plan.rows[i], cfg.year_floor[plan.rows[i].kind]
            series = [(j, x) for j, x in enumerate(vector[i * width:(i + 1) * width]) if not isnan(x)]
            for j, x in series:
                others = [(p, v) for p, v in series if p != j and not plan.partial[p]]
                if len(others) < cfg.year_min_years:
                    continue
                m = _median(sorted(v for _, v in others))
                up = x > m
                if abs(x - m) < floor or (plan.partial[j] and not up and row.kind not in cfg.rates):
                    continue
                if not (x >= cfg.year_rise * m if up else x * cfg.year_drop <= m):
                    continue
                if abs(x - m) < cfg.year_score * MAD_SCALE * _mad([v for _, v in others], m):
                    continue   # the unit's years vary this much anyway
                found.append(Finding(self.code, unit, form.id, (row.id, plan.periods[j]), {
                    "label": _label(row), "period": plan.labels[j], "value": num_text(x),
                    "median": num_text(m), "comparison": _comparison(x, m, up),
                    "others": ", ".join(f"{plan.periods[p]}: {num_text(v)}" for p, v in others),
                    "rise": num_text(cfg.year_rise), "drop": num_text(cfg.year_drop)}))
        return found

    def _candidates(self, plan: Plan, vector: list[float]) -> list[int]:
        """The rows where some period may be flagged, all rows in a few passes: a median of
        other whole years lies between their least and greatest, so a rise needs the top
        ``rise`` times the least whole year, a drop the bottom 1/``drop`` of the greatest,
        each ``floor`` away. Most rows of most files end here."""
        cfg, width = self.cfg, len(plan.periods)
        if len(plan.whole) < cfg.year_min_years:
            return []
        lo = [inf if isnan(x) else x for x in vector]
        hi = [-inf if isnan(x) else x for x in vector]
        lows = _rowwise(min, [lo[j::width] for j in plan.whole])
        highs = _rowwise(max, [hi[j::width] for j in plan.whole])
        tops = _rowwise(max, [highs, *(hi[j::width] for j in plan.parts)])
        ends = _rowwise(min, [lows, *(lo[j::width] for j in plan.parts)])   # rates: the partial year counts
        rise, drop = cfg.year_rise, cfg.year_drop
        found = []
        for i, row in enumerate(plan.rows):
            floor = cfg.year_floor.get(row.kind)
            if floor is None:
                continue
            low, high, top = lows[i], highs[i], tops[i]
            bottom = ends[i] if row.kind in cfg.rates else low
            if (top >= rise * low and top - low >= floor) or (bottom * drop <= high and high - bottom >= floor):
                found.append(i)
        return found


def _rowwise(fn, columns: list[list[float]]) -> list[float]:
    """``fn`` (min or max) of each row across ``columns``, at C speed."""
    return list(columns[0]) if len(columns) == 1 else list(map(fn, *columns))


def _comparison(x: float, m: float, up: bool) -> str:
    if up:
        return f"gấp {num_text(x / m)} lần" if m else "vượt xa"
    return f"chỉ bằng 1/{num_text(m / x)}" if x else "thấp hơn hẳn"


class Magnitude:
    """A count above its row's ``plausible_max``, else its kind's: accepted (below the
    kind's hard ``max``) but more than a unit could report."""

    code = Code.P_MAGNITUDE

    def __init__(self, kinds: Mapping[str, Kind]) -> None:
        self.kinds = kinds

    def check(self, form: Form, unit: str, values: Mapping[Key, object], plan: Plan | None = None,
              vector: list[float] | None = None) -> list[Finding]:
        """Findings for one unit's values of ``form``."""
        plan = plan or Plan(form, self.kinds)
        vector = plan.vector(values) if vector is None else vector
        if plan.lowest_bound is None or not any(x > plan.lowest_bound for x in vector):
            return []   # the common case, in one pass (NaN is never above)
        width, found = len(plan.periods), []
        for n, (x, bound) in enumerate(zip(vector, plan.bounds, strict=True)):
            if bound is not None and x > bound:
                row = plan.rows[n // width]
                found.append(Finding(self.code, unit, form.id, plan.keys[n], {
                    "label": _label(row), "period": plan.labels[n % width], "value": num_text(x),
                    "bound": num_text(bound)}))
        return found


class UnitOutlier:
    """A unit at least ``score`` robust deviations (MAD) and ``floor`` away from the median
    of its group's units for the same cell (and, for kinds with a ``factor``, that many
    times above or below it), when at least ``min_units`` reported it. ``observe`` every
    unit's values, then ask for the ``findings``."""

    code = Code.P_UNIT_OUTLIER

    def __init__(self, cfg: Plausibility) -> None:
        self.cfg = cfg
        # (form, group) → (plan, group, the units in order, their vectors end to end)
        self._pools: dict[tuple[str, str], tuple[Plan, UnitGroup, list[str], array]] = {}

    def observe(self, form: Form, group: UnitGroup, unit: str, values: Mapping[Key, object],
                plan: Plan | None = None, vector: list[float] | None = None) -> None:
        """Add one unit's values to its group's pool."""
        pool = self._pools.get((form.id, group.id))
        if pool is None:
            pool = self._pools[(form.id, group.id)] = (plan or Plan(form, {}), group, [], array("d"))
        pool[2].append(unit)
        pool[3].extend(pool[0].vector(values) if vector is None else vector)

    def findings(self) -> list[Finding]:
        """Every unit far from its group, cell by cell, in the order units were observed."""
        cfg, found = self.cfg, []
        for plan, group, units, matrix in self._pools.values():
            width = len(plan.keys)
            for c, key in enumerate(plan.keys):
                row = plan.rows[c // len(plan.periods)]
                if row.kind not in cfg.unit_floor:
                    continue
                column = matrix[c::width]
                ordered = sorted(filterfalse(isnan, column))
                n = len(ordered)
                if n < cfg.unit_min:
                    continue
                m = _median(ordered)
                reach = max(cfg.unit_floor[row.kind], cfg.unit_score * MAD_SCALE * _mad(ordered, m))
                factor = cfg.unit_factor.get(row.kind, 1.0)
                # Far means far enough and (with a factor) enough times: one interval.
                low, high = min(m - reach, m / factor), max(m + reach, m * factor)
                if ordered[0] > low and ordered[-1] < high:
                    continue
                for u, x in enumerate(column):
                    if x <= low or x >= high:   # never a NaN
                        found.append(Finding(self.code, units[u], plan.form.id, key, {
                            "label": _label(row), "period": plan.labels[c % len(plan.periods)],
                            "value": num_text(x), "count": n - 1, "group": group.name, "median": num_text(m),
                            "low": num_text(ordered[(n - 1) // 4]), "high": num_text(ordered[n - 1 - (n - 1) // 4])}))
        return found


def findings(catalogue: Catalogue, registry: Registry, used: Mapping[tuple[str, str], FileResult]
             ) -> list[Finding]:
    """Every plausibility finding on the used files' values: each unit's own (registry
    order), then the outliers of each group, form by form.

    One form at a time: a group's outliers need every unit's numbers of the form at once
    (a national harvest: tens of thousands of vectors), and holding one form's, not all
    forms', keeps the harvest's peak memory down."""
    cfg = catalogue.plausibility
    if cfg is None:
        return []
    group_of = {kind: g for g in cfg.groups for kind in g.kinds}
    plans = {fid: Plan(f, catalogue.kinds) for fid, f in catalogue.forms.items()}
    per_unit = (YearJump(cfg), Magnitude(catalogue.kinds))
    forms = list(dict.fromkeys(form_id for unit in registry.units for form_id in unit.forms))
    own: list[tuple[int, int, list[Finding]]] = []   # (unit's place, form's place among its forms, findings)
    outliers: list[Finding] = []
    for form_id in forms:
        plan, outlier = plans[form_id], UnitOutlier(cfg)
        for place, unit in enumerate(registry.units):
            result = used.get((unit.code, form_id))
            if result is None or not plan.keys:
                continue
            vector = plan.vector_of(result)
            mine = [f for check in per_unit for f in check.check(plan.form, unit.code, {}, plan, vector)]
            if mine:
                own.append((place, unit.forms.index(form_id), mine))
            if unit.kind in group_of:
                outlier.observe(plan.form, group_of[unit.kind], unit.code, {}, plan, vector)
        outliers += outlier.findings()
    own.sort(key=lambda o: o[:2])
    return [f for _, _, mine in own for f in mine] + outliers


def as_issues(found: list[Finding], used: Mapping[tuple[str, str], FileResult]) -> list[Issue]:
    """The findings as warnings at the cell of the used file each value came from; a value
    whose cell already has an error is left to that error (one mistake, one message)."""
    issues, errors = [], {}
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
