"""Load the thresholds of the plausibility warnings (``catalogue.yaml: plausibility``, or
the «Kiểm tra hợp lý» and «Nhóm so sánh» sheets): each problem at its own field.
"""
from __future__ import annotations

from pathlib import Path

from .authoring.names import names
from .loading import Declared, Problems, clean, fail, missing
from .model import Kind, Plausibility, UnitGroup


def _number(path, node: dict, key: str, cast=float, default=None):
    """``node[key]`` as a number (``default`` when absent and not None), else a problem at it."""
    value = node.get(key, default)
    n = names(node)
    if value is None:
        raise fail(path, node, f"thiếu «{n.field(key)}»", key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or cast is int and not float(value).is_integer():
        raise fail(path, node, f"«{n.field(key)}» là «{value}», phải là số" + (" nguyên" if cast is int else ""),
                    key)
    return cast(value)


def _floors(path, node: dict, key: str, kinds: dict[str, Kind], declared: Declared,
            required: bool = True) -> dict[str, float]:
    """A map «kind: number» of the plausibility thresholds; every kind a number kind."""
    n = names(node)
    value = node.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise fail(path, node, f"thiếu «{n.field(key)}»" if value is None else
                    f"«{n.field(key)}» phải có dạng «loại ô: số; …»", key)
    found = {}
    for k, v in clean(value).items():
        if k not in declared or k in kinds and not kinds[k].behaviour.measure:
            raise fail(path, node, f"«{n.field(key)}» nêu loại ô «{k}» không phải loại ô số của kế hoạch", key)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise fail(path, node, f"«{n.field(key)}»: «{k}» là «{v}», phải là số", key)
        found[k] = float(v)
    return found


def load_plausibility(path: Path, d: dict, kinds: dict[str, Kind], declared: dict[str, Declared],
                  problems: Problems) -> Plausibility | None:
    """The thresholds of the plausibility warnings: each problem at its own field."""
    def node(parent, key):
        value = parent.get(key)
        if not isinstance(value, dict):
            raise fail(path, parent, f"thiếu «{names(parent).field(key)}»", key)
        return value

    given = [k for part in ("year_jump", "unit_outlier") if isinstance(d.get(part), dict)
             for k in clean(d[part]) if k != "groups"]
    if not given:   # only groups: one message, not one per threshold
        from .authoring.sheets import GROUPS
        n = names(d)
        groups = f"trang «{GROUPS.name}»" if n.workbook else "«groups»"
        problems.append(fail(path, d, f"chưa có ngưỡng nào («{n.field('year_jump')}», «{n.field('unit_outlier')}») "
                                      f"mà đã có nhóm so sánh ({groups}): điền các ngưỡng, hoặc xóa các nhóm nếu "
                                      "không kiểm tra hợp lý"))
        return None
    year = problems.run(path, d, node, d, "year_jump")
    unit = problems.run(path, d, node, d, "unit_outlier")
    if year is None or unit is None:
        return None
    run = problems.run
    got = {
        "year_rise": run(path, year, _number, path, year, "rise"),
        "year_drop": run(path, year, _number, path, year, "drop"),
        "year_floor": run(path, year, _floors, path, year, "floor", kinds, declared["kinds"]),
        "year_score": run(path, year, _number, path, year, "score"),
        "year_min_years": run(path, year, _number, path, year, "min_years", int),
        "unit_score": run(path, unit, _number, path, unit, "score"),
        "unit_floor": run(path, unit, _floors, path, unit, "floor", kinds, declared["kinds"]),
        "unit_factor": run(path, unit, _floors, path, unit, "factor", kinds, declared["kinds"], False),
        "unit_min": run(path, unit, _number, path, unit, "min_units", int),
    }
    rates = year.get("rates") or []
    if not isinstance(rates, list) or any(k not in declared["kinds"] or k in kinds and not kinds[k].behaviour.measure
                                          for k in rates):
        problems.append(fail(path, year, f"«{names(year).field('rates')}» phải là các loại ô số của kế hoạch",
                              "rates"))
        got["rates"] = None
    else:
        got["rates"] = tuple(rates)
    groups, seen = [], {}
    for g in unit.get("groups") or ():
        group = run(path, g, _group, path, g, declared["unit_kinds"], seen)
        groups.append(group)
    for key, bound, text in (("rise", 1, "lớn hơn 1"), ("drop", 1, "lớn hơn 1")):
        value = got[f"year_{key}"]
        if value is not None and value <= bound:
            problems.append(fail(path, year, f"«{names(year).field(key)}» phải {text}", key))
    if got["unit_factor"] and min(got["unit_factor"].values()) <= 1:
        problems.append(fail(path, unit, f"mỗi số của «{names(unit).field('factor')}» phải lớn hơn 1", "factor"))
    if got["unit_min"] is not None and got["unit_min"] < 3:
        problems.append(fail(path, unit, f"«{names(unit).field('min_units')}» phải từ 3 trở lên", "min_units"))
    if got["year_min_years"] is not None and got["year_min_years"] < 1:
        problems.append(fail(path, year, f"«{names(year).field('min_years')}» phải từ 1 trở lên", "min_years"))
    if any(v is None for v in got.values()) or None in groups:
        return None
    return Plausibility(year_rise=got["year_rise"], year_drop=got["year_drop"], year_floor=got["year_floor"],
                        year_score=got["year_score"], year_min_years=got["year_min_years"], rates=got["rates"],
                        unit_score=got["unit_score"], unit_floor=got["unit_floor"], unit_factor=got["unit_factor"],
                        unit_min=got["unit_min"], groups=tuple(groups))


def _group(path, g: dict, unit_kinds: Declared, seen: dict) -> UnitGroup:
    """A group of unit kinds compared with one another; a unit kind in one group only."""
    n = names(g)
    missing(path, g, ("id", "name", "kinds"))
    kinds = g["kinds"] if isinstance(g["kinds"], list) else [g["kinds"]]
    for k in kinds:
        if k not in unit_kinds:
            raise fail(path, g, f"«{n.field('kinds')}»: loại đơn vị «{k}» chưa được khai báo", "kinds")
        if k in seen:
            raise fail(path, g, f"«{n.field('kinds')}»: loại đơn vị «{k}» đã thuộc nhóm «{seen[k]}»", "kinds")
        seen[k] = g["id"]
    return UnitGroup(id=g["id"], name=g["name"], kinds=tuple(kinds))


