"""Read the YAML form specs (xlsx_forms/specs) into a validated Catalogue.

Schema of an appendix spec (see specs/pl1.yaml for a full example):
  id, number, version, title, [subtitle], [footnote], [label_header], periods (a period
  set of catalogue.yaml), [columns], either ``rows`` (one plain table) or ``tables``
  (each with id, title, layout, rows), [rules], and ``*_fixes`` lists recording typo
  fixes against the seed. A row: id, stt, label, [kind, unit, required, aggregate,
  weight, responsible, fixes, plausible_max]; without ``kind`` it is a section header.
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
from .yamlio import META_KEYS, load_yaml, place

SPEC_DIR = Path(__file__).parent / "specs"
RULE_FIELDS = {"sum": ("total", "parts"), "le": ("left", "right"), "requires": ("row", "needs")}


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in META_KEYS}


def _fixes(items: Any) -> tuple[Fix, ...]:
    return tuple(Fix(wrong=f["from"], right=f["to"]) for f in items or ())


def _fail(path: Path, node: Any, problem: str) -> CchcError:
    return CchcError("SPEC_INVALID", place(path, node), problem=problem)


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


def _rule(path: Path, d: dict, input_ids: set[str]) -> Rule:
    rtype = d.get("type")
    if rtype not in RULE_FIELDS:
        raise _fail(path, d, f"rule type «{rtype}» không thuộc {tuple(RULE_FIELDS)}")
    if d.get("severity") not in SEVERITIES:
        raise _fail(path, d, f"severity «{d.get('severity')}» không thuộc {SEVERITIES}")
    fields = {k: d.get(k) for k in RULE_FIELDS[rtype]}
    if "parts" in fields:
        fields["parts"] = tuple(fields["parts"] or ())
    rule = Rule(code=d["code"], type=rtype, severity=d["severity"], short=d["short"],
                message=d["message"], **fields)
    unknown = [r for r in rule.row_ids if r not in input_ids]
    if unknown:
        raise _fail(path, d, f"rule {rule.code} dùng dòng không nhập liệu {unknown}")
    return rule


def _form(path: Path, d: dict, period_sets: dict[str, tuple[Period, ...]]) -> Form:
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
        rules=tuple(_rule(path, r, input_ids) for r in d.get("rules") or ()),
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


def _floors(d: dict) -> dict[str, float]:
    return {k: float(v) for k, v in _clean(d).items()}


def spec_files(spec_dir: Path) -> list[Path]:
    """The form specs of a plan folder (pl*.yaml), in the order of their number."""
    return sorted(spec_dir.glob("pl*.yaml"), key=lambda p: int(p.stem[2:]) if p.stem[2:].isdigit() else 1 << 30)


def load_catalogue(spec_dir: Path = SPEC_DIR) -> Catalogue:
    """Load catalogue.yaml and every pl*.yaml of ``spec_dir``. Raises CchcError."""
    base_path = spec_dir / "catalogue.yaml"
    return build_catalogue(load_yaml(base_path), base_path,
                           [(path, load_yaml(path)) for path in spec_files(spec_dir)])


def build_catalogue(base: dict, base_path: Path | str, form_specs: list[tuple[Path | str, dict]]) -> Catalogue:
    """The catalogue of a plan's shared definitions (``base``, read from ``base_path``) and
    its form specs ((where read, dict) each), as YAML or an authoring workbook gives them.
    Raises CchcError."""
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
    for path, spec in form_specs:
        form = _form(path, spec, period_sets)
        forms[form.id], paths[form.id] = form, path
    forms = dict(sorted(forms.items(), key=lambda item: item[1].number))
    for fid, form in forms.items():
        _check_evidence(paths[fid], form, forms)
    plausibility = _plausibility(base_path, base["plausibility"], kinds) if "plausibility" in base else None
    return Catalogue(plan=plan, kinds=kinds, forms=forms, preparer_fields=preparer, plausibility=plausibility)


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The embedded catalogue of Kế hoạch 372/KH-UBND (loaded once per process)."""
    return load_catalogue()
