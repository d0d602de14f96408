"""Read the YAML form specs (xlsx_forms/specs) into a validated Catalogue.

Schema of an appendix spec (see specs/pl1.yaml for a full example):
  id, number, version, title, [subtitle], [footnote], [label_header], periods (a period
  set of catalogue.yaml), [columns], either ``rows`` (one plain table) or ``tables``
  (each with id, title, layout, rows), [rules], and ``*_fixes`` lists recording typo
  fixes against the seed. A row: id, stt, label, [kind, unit, required, aggregate,
  weight, responsible, fixes, plausible_max]; without ``kind`` it is a section header.
A rule: code, type (a key of ``rules.RULE_TYPES``), severity, short, message, and the
fields of its type (a row id each, or a list of row ids for a ``many`` field).
PL8 adds ``evidence``: targets checked against other appendices' figures (model.Evidence).
catalogue.yaml adds ``plausibility``: the thresholds of the plausibility warnings, ``kinds``:
the kinds of input cell (each validated by its base, xlsx_forms/kinds.py) and ``unit_kinds``:
the kinds of reporting unit a registry may name.
"""
from __future__ import annotations

from dataclasses import fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import CchcError
from .kinds import BASES, TEXT_FIELDS, kind_problems
from .model import (AGGREGATES, COMPARISONS, EVIDENCE_DECIDES, SEVERITIES, Catalogue, Evidence, Fix, Form,
                    Kind, Period, Plan, Plausibility, PreparerField, Row, Rule, Table, UnitGroup)
from .rules import RULE_TYPES
from .yamlio import LINE_KEY, line_of, load_yaml

SPEC_DIR = Path(__file__).parent / "specs"
KIND_FIELDS = {f.name for f in fields(Kind)} - {"id", "validation"}


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != LINE_KEY}


def _fixes(items: Any) -> tuple[Fix, ...]:
    return tuple(Fix(wrong=f["from"], right=f["to"]) for f in items or ())


def _fail(path: Path, node: Any, problem: str) -> CchcError:
    return CchcError("SPEC_INVALID", f"{path}, dòng {line_of(node)}", problem=problem)


def _kind(path: Path, kid: str, node: Any) -> Kind:
    """A kind row of catalogue.yaml, checked by its base (every problem of the row at once)."""
    if not isinstance(node, dict):
        raise _fail(path, node, f"kind «{kid}» phải là một bảng các trường (base, label, description…)")
    given = {k for k in node if k != LINE_KEY}
    base = BASES.get(node.get("base"))
    values = {**(base.defaults if base else {}), **_clean(node)}
    choices = values.get("choices", ())
    if not isinstance(choices, (list, tuple)):
        raise _fail(path, node, f"choices của «{kid}» phải là danh sách, ví dụ [\"Tốt\", \"Khá\"]")
    values["choices"] = tuple(choices)
    built = {k: v for k, v in values.items() if k in KIND_FIELDS}
    for name in ("base", *TEXT_FIELDS):
        built.setdefault(name, "")
    kind = Kind(id=kid, **built)
    problems = kind_problems(kind, given)
    if problems:
        raise _fail(path, node, "; ".join(problems))
    behaviour = kind.behaviour
    kind = replace(kind, number_format=kind.number_format or behaviour.number_format(kind))
    return replace(kind, validation=tuple(behaviour.validation(kind).items()))


def _row(path: Path, d: dict, kinds: dict[str, Kind]) -> Row:
    kind = d.get("kind")
    if kind is not None and kind not in kinds:
        raise _fail(path, d, f"kind «{kind}» không có trong kinds của catalogue.yaml {tuple(kinds)}")
    if d.get("aggregate") is not None:
        allowed = kinds[kind].behaviour.aggregates if kind is not None else ()
        if d["aggregate"] not in AGGREGATES or d["aggregate"] not in allowed:
            raise _fail(path, d, f"aggregate «{d['aggregate']}» không dùng được cho kind «{kind}»; "
                                 f"dùng một trong {allowed}")
    return Row(id=d["id"], stt=str(d.get("stt", "")), label=d["label"], kind=kind,
               unit=d.get("unit", ""), required=bool(d.get("required", True)),
               aggregate=d.get("aggregate"), weight=d.get("weight"),
               responsible=d.get("responsible"), fixes=_fixes(d.get("fixes")),
               plausible_max=_bound(path, d, "plausible_max"))


def _bound(path: Path, d: dict, key: str) -> float | None:
    value = d.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
        raise _fail(path, d, f"{key} «{value}» phải là số dương")
    return value


RULE_KEYS = ("code", "type", "severity", "short", "message")


def _rule(path: Path, d: dict, rows: dict[str, Row], numeric: frozenset[str]) -> Rule:
    """A rule from its spec node, its operands read by its type's fields (rules.RULE_TYPES):
    every field given, each a row (or a list of rows for a ``many`` field) that takes values,
    of a number kind where the field needs numbers; no other key."""
    code = d.get("code")
    name = f"quy tắc {code}" if code else "quy tắc"
    rtype = d.get("type")
    meaning = RULE_TYPES.get(rtype) if isinstance(rtype, str) else None
    if meaning is None:
        known = ", ".join(f"{t.id} ({t.label})" for t in RULE_TYPES.values())
        raise _fail(path, d, f"{name}: loại quy tắc «{rtype}» không có; các loại: {known}")
    if d.get("severity") not in SEVERITIES:
        raise _fail(path, d, f"{name}: severity «{d.get('severity')}» không thuộc {SEVERITIES}")
    for key in RULE_KEYS:
        if not isinstance(d.get(key), str) or not d[key].strip():
            raise _fail(path, d, f"{name}: thiếu «{key}»")
    fields = {f.name: f for f in meaning.fields}
    extra = [k for k in _clean(d) if k not in RULE_KEYS and k not in fields]
    if extra:
        raise _fail(path, d, f"{name}: loại {rtype} ({meaning.label}) không có trường {extra}; "
                             f"các trường: {', '.join(fields)}")
    operands = []
    for f in meaning.fields:
        value = d.get(f.name)
        if value is None or value == []:
            raise _fail(path, d, f"{name}: thiếu «{f.name}» ({f.label})")
        if f.many and not isinstance(value, list):
            raise _fail(path, d, f"{name}: «{f.name}» ({f.label}) phải là danh sách dòng, "
                                 "ví dụ [PL2.1.a, PL2.1.b]")
        if not f.many and isinstance(value, list):
            raise _fail(path, d, f"{name}: «{f.name}» ({f.label}) chỉ nhận một dòng, không nhận danh sách")
        ids = tuple(str(v) for v in (value if f.many else [value]))
        for row_id in ids:
            row = rows.get(row_id)
            if row is None:
                raise _fail(path, d, f"{name}: «{f.name}» ({f.label}) dùng dòng «{row_id}» không có trong phụ lục")
            if not row.is_input:
                raise _fail(path, d, f"{name}: «{f.name}» ({f.label}) dùng dòng «{row_id}» là dòng tiêu đề, "
                                     "không nhập liệu")
            if f.numeric and row.kind not in numeric:
                raise _fail(path, d, f"{name}: «{f.name}» ({f.label}) dùng dòng «{row_id}» loại «{row.kind}», "
                                     "không phải dòng số")
        operands.append((f.name, ids))
    return Rule(code=code, type=rtype, severity=d["severity"], short=d["short"], message=d["message"],
                operands=tuple(operands))


def _form(path: Path, d: dict, period_sets: dict[str, tuple[Period, ...]], kinds: dict[str, Kind]) -> Form:
    if d.get("periods") not in period_sets:
        raise _fail(path, d, f"periods «{d.get('periods')}» không có trong catalogue.yaml")
    if "tables" in d:
        tables = tuple(
            Table(id=t["id"], title=t.get("title", ""), layout=t.get("layout", "rows"),
                  place_header=t.get("place_header", ""), period_header=t.get("period_header", ""),
                  rows=tuple(_row(path, r, kinds) for r in t["rows"]))
            for t in d["tables"])
    else:
        tables = (Table(id="", rows=tuple(_row(path, r, kinds) for r in d["rows"])),)
    rows = [r for t in tables for r in t.rows]
    ids = [r.id for r in rows]
    if len(set(ids)) != len(ids):
        raise _fail(path, d, "có mã dòng bị trùng")
    input_ids = {r.id for r in rows if r.is_input}
    by_id = {r.id: r for r in rows}
    responsible = {k: v for k, v in _clean(d.get("responsible_units") or {}).items()}
    for r in rows:
        if r.weight and (r.weight not in input_ids or not kinds[by_id[r.weight].kind].behaviour.numeric):
            raise _fail(path, d, f"dòng {r.id}: weight «{r.weight}» không phải dòng nhập số liệu")
        if (r.aggregate == "weighted_mean") != bool(r.weight):
            raise _fail(path, d, f"dòng {r.id}: weighted_mean cần weight và ngược lại")
        if r.responsible and r.responsible not in responsible:
            raise _fail(path, d, f"dòng {r.id}: responsible «{r.responsible}» không có trong responsible_units")
    part_fixes = [(part, f) for part in ("title", "footnote", "stt_header")
                  for f in _fixes(d.get(f"{part}_fixes"))]
    form = Form(
        id=d["id"], number=int(d["number"]), version=int(d["version"]), title=d["title"],
        subtitle=d.get("subtitle", ""), footnote=d.get("footnote", ""),
        label_header=d.get("label_header", "Chỉ tiêu"),
        periods=period_sets[d["periods"]], tables=tables,
        rules=tuple(_rule(path, node, by_id, _numeric_kinds(kinds)) for node in d.get("rules") or ()),
        columns=tuple(d.get("columns", Form.columns)),
        responsible_header=d.get("responsible_header", ""),
        responsible_units=responsible, fixes=tuple(part_fixes),
        evidence=tuple(_evidence(path, e) for e in d.get("evidence") or ()), kinds=kinds)
    return form


def _evidence(path: Path, d: dict) -> Evidence:
    if d.get("compare") not in COMPARISONS:
        raise _fail(path, d, f"compare «{d.get('compare')}» không thuộc {tuple(COMPARISONS)}")
    if d.get("decides") not in EVIDENCE_DECIDES:
        raise _fail(path, d, f"decides «{d.get('decides')}» không thuộc {EVIDENCE_DECIDES}")
    periods = d.get("periods")
    if not isinstance(periods, list) or not periods:
        raise _fail(path, d, "periods phải là danh sách kỳ, kỳ ưu tiên trước")
    try:
        return Evidence(target=d["target"], form=d["form"], row=d["row"], periods=tuple(map(str, periods)),
                        compare=d["compare"], threshold=float(d["threshold"]), decides=d["decides"],
                        requirement=d["requirement"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _fail(path, d, f"evidence thiếu hoặc sai trường ({exc})") from None


def _check_evidence(path: Path, form: Form, forms: dict[str, Form]) -> None:
    """Every evidence rule names a target of its form rated by a choice (its first choice:
    met, its second: not met) and a number row of another appendix (one whose numbers
    compare: counts, amounts, rates), in periods of that appendix: a wrong id is an error
    at load, not a silent skip."""
    for e in form.evidence:
        where = f"evidence {e.target} ← {e.form} {e.row}"
        if e.target not in {r.id for r in form.input_rows if len(form.kind_of(r).choices) >= 2}:
            raise CchcError("SPEC_INVALID", str(path), problem=f"{where}: mục tiêu không phải dòng đánh giá")
        source = forms.get(e.form)
        if source is None or e.row not in {r.id for r in source.input_rows if source.kind_of(r).behaviour.measure}:
            raise CchcError("SPEC_INVALID", str(path), problem=f"{where}: không phải dòng số liệu của {e.form}")
        unknown = set(e.periods) - {p.id for p in source.periods}
        if unknown:
            raise CchcError("SPEC_INVALID", str(path), problem=f"{where}: kỳ lạ {sorted(unknown)}")


def _plausibility(path: Path, d: dict, kinds: dict[str, Kind], unit_kinds: dict[str, str]) -> Plausibility:
    try:
        year, unit = _clean(d["year_jump"]), _clean(d["unit_outlier"])
        groups = tuple(UnitGroup(id=g["id"], name=g["name"], kinds=tuple(g["kinds"])) for g in unit["groups"])
        found = Plausibility(
            year_rise=float(year["rise"]), year_drop=float(year["drop"]), year_floor=_floors(year["floor"]),
            year_score=float(year["score"]), year_min_years=int(year["min_years"]),
            rates=tuple(year.get("rates") or ()), unit_score=float(unit["score"]),
            unit_floor=_floors(unit["floor"]), unit_factor=_floors(unit.get("factor") or {}),
            unit_min=int(unit["min_units"]),
            groups=groups)
    except (KeyError, TypeError, ValueError) as exc:
        raise _fail(path, d, f"plausibility thiếu hoặc sai trường ({exc})") from None
    named = [k for k in (*found.year_floor, *found.unit_floor, *found.unit_factor, *found.rates)
             if k not in kinds or not kinds[k].behaviour.measure]
    grouped = [k for g in groups for k in g.kinds]
    if named or set(grouped) - set(unit_kinds) or len(grouped) != len(set(grouped)):
        raise _fail(path, d, f"plausibility: loại ô lạ {named} hoặc nhóm đơn vị sai {grouped}")
    if min(found.year_rise, found.year_drop, *found.unit_factor.values()) <= 1 or found.unit_min < 3 \
            or found.year_min_years < 1:
        raise _fail(path, d, "plausibility: rise, drop, factor phải > 1, min_units ≥ 3, min_years ≥ 1")
    return found


def _numeric_kinds(kinds: dict[str, Kind]) -> frozenset[str]:
    """Kinds whose cells hold numbers (a rule's operands must be of one of them)."""
    return frozenset(k for k, kind in kinds.items() if kind.behaviour.numeric)


def _floors(d: dict) -> dict[str, float]:
    return {k: float(v) for k, v in _clean(d).items()}


def load_catalogue(spec_dir: Path = SPEC_DIR) -> Catalogue:
    """Load catalogue.yaml and every pl*.yaml of ``spec_dir``. Raises CchcError."""
    base_path = spec_dir / "catalogue.yaml"
    base = load_yaml(base_path)
    plan = Plan(**_clean(base["plan"]))
    period_sets = {name: tuple(Period(id=str(p["id"]), label=p["label"], partial=bool(p.get("partial")))
                               for p in items)
                   for name, items in _clean(base["period_sets"]).items()}
    kinds = {kid: _kind(base_path, kid, node) for kid, node in _clean(base["kinds"]).items()}
    if "note" not in kinds or kinds["note"].base != "text":
        raise _fail(base_path, base["kinds"], "kinds phải có «note» (base: text): cột ghi chú của mọi phụ lục")
    unit_kinds = _unit_kinds(base_path, base)
    preparer = tuple(PreparerField(**_clean(p)) for p in base["preparer_fields"])
    forms, paths = {}, {}
    for path in sorted(spec_dir.glob("pl*.yaml"), key=lambda p: int(p.stem[2:])):
        form = _form(path, load_yaml(path), period_sets, kinds)
        forms[form.id], paths[form.id] = form, path
    for fid, form in forms.items():
        _check_evidence(paths[fid], form, forms)
    plausibility = (_plausibility(base_path, base["plausibility"], kinds, unit_kinds)
                    if "plausibility" in base else None)
    return Catalogue(plan=plan, kinds=kinds, forms=forms, preparer_fields=preparer, plausibility=plausibility,
                     unit_kinds=unit_kinds)


def _unit_kinds(path: Path, base: dict) -> dict[str, str]:
    """``unit_kinds``: registry kind id → its Vietnamese name (at least one)."""
    node = base.get("unit_kinds")
    found = _clean(node) if isinstance(node, dict) else {}
    if not found or not all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in found.items()):
        raise _fail(path, node if isinstance(node, dict) else base,
                    "unit_kinds phải liệt kê các loại đơn vị với tên tiếng Việt, ví dụ office: \"Cơ quan cấp thành phố\"")
    return found


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The embedded catalogue of Kế hoạch 372/KH-UBND (loaded once per process)."""
    return load_catalogue()
