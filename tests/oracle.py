"""Independent expectations for harvest tests, computed from what the tests typed."""
from __future__ import annotations


def city_totals(catalogue, registry, used: dict) -> dict:
    """(form, row, period) → expected city value; ``used`` maps (unit, form) to a dict
    (row, period) → the value the harvest should take (None when unusable)."""
    out = {}
    for form in catalogue.forms.values():
        for row in form.input_rows:
            units = [u.code for u in registry.units if form.id in u.forms
                     and row.responsible in (None, u.code)]
            for p in form.periods:
                vals = {u: used[(u, form.id)].get((row.id, p.id)) for u in units if (u, form.id) in used}
                vals = {u: v for u, v in vals.items() if v is not None}
                if not vals:
                    total = None
                elif row.kind == "count":
                    total = sum(vals.values())
                elif row.kind == "flag":
                    total = list(vals.values()).count(1)
                elif row.kind == "rating":
                    total = vals[row.responsible]
                elif row.weight:
                    w = {u: used[(u, form.id)].get((row.weight, p.id)) for u in vals}
                    pairs = [(vals[u], w[u]) for u in vals if w[u]]
                    total = sum(v * x for v, x in pairs) / sum(x for _, x in pairs) if pairs else None
                else:
                    total = sum(vals.values()) / len(vals)
                out[(form.id, row.id, p.id)] = total
    return out
