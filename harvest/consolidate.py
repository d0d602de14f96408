"""City-level values: each row and period aggregated across units as its spec says."""
from __future__ import annotations

from dataclasses import dataclass

from xlsx_forms.model import Catalogue, Form
from xlsx_forms.registry import Registry

from .process import FileResult


@dataclass(frozen=True)
class CityValue:
    """A consolidated value, how many units gave one, and which expected units did not."""

    value: object
    reporting: int
    missing: tuple[str, ...]


def expected_units(form: Form, row_id: str, registry: Registry) -> list[str]:
    """Units whose value this row needs: assigned units, or for PL8 the responsible one."""
    row = form.row(row_id)
    return [u.code for u in registry.units if form.id in u.forms
            and (row.responsible is None or row.responsible == u.code)]


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
    out = {}
    for row in form.input_rows:
        units = expected_units(form, row.id, registry)
        for period in form.periods:
            def value_of(unit: str, row_id: str):
                r = used.get((unit, form.id))
                cell = r.values.get((row_id, period.id)) if r else None
                return cell.value if cell else None
            values = {u: v for u in units if (v := value_of(u, row.id)) is not None}
            weights = ({u: value_of(u, row.weight) for u in values} if row.weight else None)
            out[(row.id, period.id)] = CityValue(
                aggregate(form.aggregate_of(row), values, weights), len(values),
                tuple(u for u in units if u not in values))
    return out


def consolidate(catalogue: Catalogue, registry: Registry,
                used: dict[tuple[str, str], FileResult]) -> dict[str, dict[tuple[str, str], CityValue]]:
    """Every form's city-level values."""
    return {fid: consolidate_form(f, registry, used) for fid, f in catalogue.forms.items()}
