"""City-level values: each row and period aggregated across units as its spec says."""
from __future__ import annotations

from dataclasses import dataclass

from xlsx_forms.model import Catalogue, Form
from xlsx_forms.registry import Registry

from .process import FileResult


@dataclass(frozen=True, slots=True)
class CityValue:
    """A consolidated value, how many units gave one, and which expected units did not."""

    value: object
    reporting: int
    missing: tuple[str, ...]


def aggregate(how: str, values: dict[str, object], weights: dict[str, object] | None = None):
    """Combine per-unit values (unit code → value) by the spec's aggregation."""
    if not values:
        return None
    if how == "sum":
        return sum(values.values())
    if how == "count_true":
        return sum(1 for v in values.values() if v == 1)
    if how == "mean":
        return sum(values.values()) / len(values)
    if how == "weighted_mean":
        pairs = [(v, weights.get(u)) for u, v in values.items() if (weights or {}).get(u)]
        total = sum(w for _, w in pairs)
        return sum(v * w for v, w in pairs) / total if total else None
    if how == "responsible":
        return next(iter(values.values()))
    raise ValueError(how)


def consolidate_form(form: Form, registry: Registry,
                     used: dict[tuple[str, str], FileResult]) -> dict[tuple[str, str], CityValue]:
    """(row id, period id) → CityValue for every input row of ``form``."""
    assigned = [u.code for u in registry.units if form.id in u.forms]
    usable = {u: used[(u, form.id)].values.usable() for u in assigned if (u, form.id) in used}
    out = {}
    for row in form.input_rows:
        units = [u for u in assigned if row.responsible in (None, u)]
        for period in form.periods:
            key, weight_key = (row.id, period.id), (row.weight, period.id)
            values = {u: v for u in units if u in usable and (v := usable[u].get(key)) is not None}
            weights = {u: usable[u].get(weight_key) for u in values} if row.weight else None
            out[key] = CityValue(aggregate(form.aggregate_of(row), values, weights), len(values),
                                 tuple(u for u in units if u not in values))
    return out


def consolidate(catalogue: Catalogue, registry: Registry,
                used: dict[tuple[str, str], FileResult]) -> dict[str, dict[tuple[str, str], CityValue]]:
    """Every form's city-level values."""
    return {fid: consolidate_form(f, registry, used) for fid, f in catalogue.forms.items()}
