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


# --- The exclusion rule, written out again from the README, independently of the harvester.
# A value counts when it could be read and no error rule of its form is broken by the
# values of its period; a broken rule names every row it reads; a rule is not evaluated
# for a period in which one of its rows holds a value that could not be read.

def _broken(rule, get) -> bool:
    if rule.type == "sum":
        values = [get(rule.operand("total"))] + [get(p) for p in rule.rows_of("parts")]
        return None not in values and abs(values[0] - sum(values[1:])) > 1e-9
    if rule.type in ("le", "ge"):
        left, right = get(rule.operand("left")), get(rule.operand("right"))
        if left is None or right is None:
            return False
        return left > right + 1e-9 if rule.type == "le" else left < right - 1e-9
    if rule.type == "requires":
        return (get(rule.operand("row")) or 0) > 0 and not (get(rule.operand("needs")) or 0) > 0
    raise AssertionError(rule.type)


def _rows_of(rule) -> tuple[str, ...]:
    names = {"sum": ("total", "parts"), "le": ("left", "right"), "ge": ("left", "right"),
             "requires": ("row", "needs")}[rule.type]
    return tuple(r for name in names for r in rule.rows_of(name))


def expected_marks(form, typed: dict) -> dict:
    """(row, period) → (status, flags) of every filled cell. ``typed`` maps each filled
    cell to (value read or None, its own error code or "", its own warning codes)."""
    marks = {key: [own or "ok", list(warnings)] for key, (_, own, warnings) in typed.items()}
    for rule in form.rules:
        rows = _rows_of(rule)
        for p in form.periods:
            keys = [(r, p.id) for r in rows]
            if any(k in typed and typed[k][1] for k in keys):
                continue
            values = {r: typed[(r, p.id)][0] for r in rows if (r, p.id) in typed}
            if not _broken(rule, values.get):
                continue
            for k in keys:
                if k not in marks:
                    continue
                if rule.severity == "error" and marks[k][0] == "ok":
                    marks[k][0] = rule.code
                elif rule.code != marks[k][0] and rule.code not in marks[k][1]:
                    marks[k][1].append(rule.code)
    # A weighted value whose weight does not count does not count either, with its code.
    for row in form.input_rows:
        for p in form.periods:
            key, weight = (row.id, p.id), (row.weight, p.id)
            if row.weight and key in marks and marks[key][0] == "ok" and marks.get(weight, ["ok"])[0] != "ok":
                marks[key][0] = marks[weight][0]
    return {k: (status, ";".join(flags)) for k, (status, flags) in marks.items()}


LINKED = "V-RULE-LINKED"


def city_marks(form, marks: dict) -> dict:
    """A unit's marks as the city counts its values and values.csv states them (README,
    "Exclusion rule"): where a
    value a rule reads is left out in a period, the rule's other values of that period are
    left out of the city figures too (LINKED), and a weighted value with its weight; over
    and over until nothing changes (a row in two rules carries it on)."""
    out = {k: [status, flags] for k, (status, flags) in marks.items()}
    changed = True
    while changed:
        changed = False
        for rule in form.rules:
            for p in form.periods:
                keys = [(r, p.id) for r in _rows_of(rule) if (r, p.id) in out]
                if any(out[k][0] != "ok" for k in keys):
                    for k in keys:
                        if out[k][0] == "ok":
                            out[k][0], changed = LINKED, True
        for row in form.input_rows:
            for p in form.periods:
                key, weight = (row.id, p.id), (row.weight, p.id)
                if row.weight and key in out and out[key][0] == "ok" and out.get(weight, ["ok"])[0] == LINKED:
                    out[key][0], changed = LINKED, True
    return {k: (status, flags) for k, (status, flags) in out.items()}


def counted(typed: dict, marks: dict) -> dict:
    """(row, period) → value of the cells that count (status ok)."""
    return {k: v for k, (v, _, _) in typed.items() if marks[k][0] == "ok"}


def city_gaps(catalogue, registry, marks: dict) -> dict:
    """(form, row, period) → (units without a value, [(unit, code)] of units whose value
    is left out), each in registry order; ``marks`` maps (unit, form) to expected_marks of
    the files used (a weighted value whose weight is left out already carries the
    weight's code there)."""
    out = {}
    for form in catalogue.forms.values():
        for row in form.input_rows:
            for p in form.periods:
                missing, left = [], []
                for u in registry.units:
                    if form.id not in u.forms or row.responsible not in (None, u.code):
                        continue
                    m = marks.get((u.code, form.id), {})
                    if (row.id, p.id) not in m:
                        missing.append(u.code)
                        continue
                    status = m[(row.id, p.id)][0]
                    if status != "ok":
                        left.append((u.code, status))
                out[(form.id, row.id, p.id)] = (missing, left)
    return out


def totals_from_values_csv(catalogue, registry, rows: list[dict]) -> dict:
    """city_totals over the values.csv lines that count for the city: status ok, less
    those a left-out value of the same rule takes out (``city_marks``: values.csv already
    marks them V-RULE-LINKED; applied again, the oracle does not rely on it), values
    parsed back."""
    used: dict = {}
    marks: dict = {}
    for line in rows:
        if line["period"] == "ghi_chu":
            continue
        form = catalogue.form(line["form"])
        kind = form.row(line["row_id"]).kind
        text = line["value"]
        key, cell = (line["unit_code"], line["form"]), (line["row_id"], line["period"])
        marks.setdefault(key, {})[cell] = (line["status"], line["flags"])
        if line["status"] == "ok":
            value = text if kind == "rating" else int(text) if kind in ("count", "flag") else float(text)
            used.setdefault(key, {})[cell] = value
    city = {key: city_marks(catalogue.form(key[1]), m) for key, m in marks.items()}
    used = {key: {c: v for c, v in values.items() if city[key][c][0] == "ok"} for key, values in used.items()}
    return city_totals(catalogue, registry, used)
