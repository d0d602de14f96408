"""What a city figure lacks, in Vietnamese, for the summary workbook: the units whose
values were left out and why, and the units that gave none, per cell (row × period).

Units are always named in registry order, at most ``MAX_LISTED`` of them.
"""
from __future__ import annotations

from xlsx_forms.model import Form
from xlsx_forms.registry import Registry

from .cellstore import OK
from .consolidate import CityValue
from .issues import LEFT_OUT_VI

MAX_LISTED = 40
_NONE = CityValue(None, 0, ())


def listed(shown: list[str], total: int) -> str:
    """``shown`` (at most MAX_LISTED items) joined, with how many more of ``total`` there are."""
    extra = total - len(shown)
    return "; ".join(shown) + (f" và {extra} đơn vị khác" if extra > 0 else "")


def names(codes, registry: Registry) -> str:
    """Units' names, the first MAX_LISTED of ``codes``."""
    codes = list(codes)
    return listed([registry.unit(c).name for c in codes[:MAX_LISTED]], len(codes))


def spans(ids: list[str], all_ids: list[str], name=None, through: str = "–") -> str:
    """Period ids as runs in ``all_ids`` order: "2015–2018, 2020" (a run of three or more
    joined by ``through``), each id shown as ``name(id)`` (default: the id itself)."""
    name = name or str
    runs: list[list[int]] = []
    for k in sorted(all_ids.index(i) for i in ids):
        if runs and k == runs[-1][-1] + 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    return ", ".join(f"{name(all_ids[r[0]])}{through}{name(all_ids[r[-1]])}" if len(r) > 2 else
                     ", ".join(name(all_ids[k]) for k in r) for r in runs)


def reason(code: str, form: Form) -> str:
    """A code with why it keeps a value out, in a few words: a rule's ``short`` text, or
    the harvester's own (``issues.LEFT_OUT_VI``): "PL2-R01: Tổng ≠ tổng các dòng con"."""
    short = next((r.short for r in form.rules if r.code == code), None) or LEFT_OUT_VI.get(code)
    return f"{code}: {short}" if short else code


def cell_comment(cv: CityValue, form: Form, registry: Registry) -> str:
    """The comment of a city cell: the values left out (unit and why), then the units
    without a value."""
    lines = []
    if cv.excluded:
        shown = [f"{registry.unit(u).name} ({reason(code, form)})" for u, code in cv.excluded[:MAX_LISTED]]
        lines.append(f"Không tính số liệu của: {listed(shown, len(cv.excluded))}")
    if cv.missing:
        lines.append(f"Thiếu số liệu của: {names(cv.missing, registry)}")
    return "\n".join(lines)


def row_gaps(form: Form, row_id: str, city: dict[tuple[str, str], CityValue], registry: Registry,
             order: dict[str, int]) -> str:
    """A row's "Đơn vị còn thiếu số liệu", from its cells: each unit without a value, with
    the periods it lacks unless it lacks them all (a unit that filled 2017–2020 of an
    optional row lacks 2015–2016 only); then the units whose values were left out, with
    period and code. ``order``: unit code → place in the registry."""
    ids = [p.id for p in form.periods]
    missing: dict[str, list[str]] = {}
    left_out: dict[str, list[str]] = {}
    for p in ids:
        cv = city.get((row_id, p), _NONE)
        for u in cv.missing:
            missing.setdefault(u, []).append(p)
        for u, code in cv.excluded:
            left_out.setdefault(u, []).append(f"{p}: {reason(code, form)}")
    parts = []
    if missing:
        first = sorted(missing, key=order.__getitem__)[:MAX_LISTED]
        parts.append(listed([registry.unit(u).name + ("" if len(missing[u]) == len(ids)
                                                      else f" ({spans(missing[u], ids)})") for u in first],
                            len(missing)))
    if left_out:
        first = sorted(left_out, key=order.__getitem__)[:MAX_LISTED]
        shown = [f"{registry.unit(u).name} ({', '.join(left_out[u])})" for u in first]
        parts.append(f"Số liệu không được tính: {listed(shown, len(left_out))}")
    return "\n".join(parts)


def mark_text(period_id: str, status: str, flags: str, form: Form) -> str:
    """One marked value on a per-unit sheet: "2019: không tính (PL2-R01: Tổng ≠ tổng các
    dòng con)", "2020: V-FORMULA" (why a value does not count, as the city cells say it)."""
    if status == OK:
        return f"{period_id}: {flags}"
    return f"{period_id}: không tính ({reason(status, form)})" + (f", {flags}" if flags else "")
