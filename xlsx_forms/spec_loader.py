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
catalogue.yaml adds ``plausibility``: the thresholds of the plausibility warnings.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import CchcError
from .model import (AGGREGATES, COMPARISONS, EVIDENCE_DECIDES, INPUT_KINDS, SEVERITIES, Catalogue,
                    Evidence, Fix, Form, Kind, Period, Plan, Plausibility, PreparerField, Row, Rule,
                    Table, UnitGroup)
from .registry import UNIT_KINDS
from .rules import RULE_TYPES
from .yamlio import LINE_KEY, line_of, load_yaml

SPEC_DIR = Path(__file__).parent / "specs"


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != LINE_KEY}


def _fixes(items: Any) -> tuple[Fix, ...]:
    return tuple(Fix(wrong=f["from"], right=f["to"]) for f in items or ())


def _fail(path: Path, node: Any, problem: str) -> CchcError:
    return CchcError("SPEC_INVALID", f"{path}, dòng {line_of(node)}", problem=problem)


def _row(path: Path, d: dict) -> Row:
    kind = d.get("kind")
    if kind is not None and kind not in INPUT_KINDS:
        raise _fail(path, d, f"kind «{kind}» không thuộc {INPUT_KINDS}")
    if d.get("aggregate") is not None and d["aggregate"] not in AGGREGATES:
        raise _fail(path, d, f"aggregate «{d['aggregate']}» không thuộc {AGGREGATES}")
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


def _form(path: Path, d: dict, period_sets: dict[str, tuple[Period, ...]], numeric: frozenset[str]) -> Form:
    if d.get("periods") not in period_sets:
        raise _fail(path, d, f"periods «{d.get('periods')}» không có trong catalogue.yaml")
    if "tables" in d:
        tables = tuple(
            Table(id=t["id"], title=t.get("title", ""), layout=t.get("layout", "rows"),
                  place_header=t.get("place_header", ""), period_header=t.get("period_header", ""),
                  rows=tuple(_row(path, r) for r in t["rows"]))
            for t in d["tables"])
    else:
        tables = (Table(id="", rows=tuple(_row(path, r) for r in d["rows"])),)
    rows = [r for t in tables for r in t.rows]
    ids = [r.id for r in rows]
    if len(set(ids)) != len(ids):
        raise _fail(path, d, "có mã dòng bị trùng")
    input_ids = {r.id for r in rows if r.is_input}
    by_id = {r.id: r for r in rows}
    responsible = {k: v for k, v in _clean(d.get("responsible_units") or {}).items()}
    for r in rows:
        if r.weight and r.weight not in input_ids:
            raise _fail(path, d, f"dòng {r.id}: weight «{r.weight}» không phải dòng nhập liệu")
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
        rules=tuple(_rule(path, node, by_id, numeric) for node in d.get("rules") or ()),
        columns=tuple(d.get("columns", Form.columns)),
        responsible_header=d.get("responsible_header", ""),
        responsible_units=responsible, fixes=tuple(part_fixes),
        evidence=tuple(_evidence(path, e) for e in d.get("evidence") or ()))
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
    """Every evidence rule names a rating target of its form and a number row of another
    appendix, in periods of that appendix: a wrong id is an error at load, not a silent skip."""
    for e in form.evidence:
        where = f"evidence {e.target} ← {e.form} {e.row}"
        if e.target not in {r.id for r in form.input_rows if r.kind == "rating"}:
            raise CchcError("SPEC_INVALID", str(path), problem=f"{where}: mục tiêu không phải dòng đánh giá")
        source = forms.get(e.form)
        if source is None or e.row not in {r.id for r in source.input_rows if r.kind in ("count", "percent")}:
            raise CchcError("SPEC_INVALID", str(path), problem=f"{where}: không phải dòng số liệu của {e.form}")
        unknown = set(e.periods) - {p.id for p in source.periods}
        if unknown:
            raise CchcError("SPEC_INVALID", str(path), problem=f"{where}: kỳ lạ {sorted(unknown)}")


def _plausibility(path: Path, d: dict, kinds: dict[str, Kind]) -> Plausibility:
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
    named = [k for k in (*found.year_floor, *found.unit_floor, *found.unit_factor, *found.rates) if k not in kinds]
    grouped = [k for g in groups for k in g.kinds]
    if named or set(grouped) - set(UNIT_KINDS) or len(grouped) != len(set(grouped)):
        raise _fail(path, d, f"plausibility: loại ô lạ {named} hoặc nhóm đơn vị sai {grouped}")
    if min(found.year_rise, found.year_drop, *found.unit_factor.values()) <= 1 or found.unit_min < 3 \
            or found.year_min_years < 1:
        raise _fail(path, d, "plausibility: rise, drop, factor phải > 1, min_units ≥ 3, min_years ≥ 1")
    return found


def _numeric_kinds(kinds: dict[str, Kind]) -> frozenset[str]:
    """Kinds whose cells hold numbers (a rule's operands must be of one of them)."""
    return frozenset(k for k, kind in kinds.items()
                     if dict(kind.validation).get("validate") in ("integer", "decimal"))


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
    kinds = {}
    for kid, node in _clean(base["kinds"]).items():
        bound = _bound(base_path, node, "plausible_max")
        if bound is not None and (node.get("max") is None or bound > node["max"]):
            raise _fail(base_path, node, f"plausible_max của «{kid}» phải nhỏ hơn max")
        k = _clean(node)
        k["choices"] = tuple(k.get("choices", ()))
        validation = _clean(k.get("validation") or {})
        if "validate" not in validation:
            raise _fail(base_path, k, f"kind «{kid}» thiếu validation.validate")
        k["validation"] = tuple(validation.items())
        kinds[kid] = Kind(id=kid, **k)
    preparer = tuple(PreparerField(**_clean(p)) for p in base["preparer_fields"])
    forms, paths = {}, {}
    for path in sorted(spec_dir.glob("pl*.yaml"), key=lambda p: int(p.stem[2:])):
        form = _form(path, load_yaml(path), period_sets, _numeric_kinds(kinds))
        forms[form.id], paths[form.id] = form, path
    for fid, form in forms.items():
        _check_evidence(paths[fid], form, forms)
    plausibility = _plausibility(base_path, base["plausibility"], kinds) if "plausibility" in base else None
    return Catalogue(plan=plan, kinds=kinds, forms=forms, preparer_fields=preparer, plausibility=plausibility)


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The embedded catalogue of Kế hoạch 372/KH-UBND (loaded once per process)."""
    return load_catalogue()
