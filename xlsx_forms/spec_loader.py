"""Read the YAML form specs (xlsx_forms/specs) into a validated Catalogue.

Schema of an appendix spec (see specs/pl1.yaml for a full example):
  id, number, version, title, [subtitle], [footnote], [label_header], periods (a period
  set of catalogue.yaml), [columns], either ``rows`` (one plain table) or ``tables``
  (each with id, title, layout, rows), [rules], and ``*_fixes`` lists recording typo
  fixes against the seed. A row: id, stt, label, [kind, unit, required, aggregate,
  weight, responsible, fixes]; without ``kind`` it is a section header.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import CchcError
from .model import (AGGREGATES, INPUT_KINDS, SEVERITIES, Catalogue, Fix, Form, Kind,
                    Period, Plan, PreparerField, Row, Rule, Table)
from .yamlio import LINE_KEY, line_of, load_yaml

SPEC_DIR = Path(__file__).parent / "specs"
RULE_FIELDS = {"sum": ("total", "parts"), "le": ("left", "right"), "requires": ("row", "needs")}


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
               responsible=d.get("responsible"), fixes=_fixes(d.get("fixes")))


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
        responsible_units=responsible, fixes=tuple(part_fixes))
    return form


def load_catalogue(spec_dir: Path = SPEC_DIR) -> Catalogue:
    """Load catalogue.yaml and every pl*.yaml of ``spec_dir``. Raises CchcError."""
    base_path = spec_dir / "catalogue.yaml"
    base = load_yaml(base_path)
    plan = Plan(**_clean(base["plan"]))
    period_sets = {name: tuple(Period(id=str(p["id"]), label=p["label"]) for p in items)
                   for name, items in _clean(base["period_sets"]).items()}
    kinds = {}
    for kid, k in _clean(base["kinds"]).items():
        k = _clean(k)
        k["choices"] = tuple(k.get("choices", ()))
        validation = _clean(k.get("validation") or {})
        if "validate" not in validation:
            raise _fail(base_path, k, f"kind «{kid}» thiếu validation.validate")
        k["validation"] = tuple(validation.items())
        kinds[kid] = Kind(id=kid, **k)
    preparer = tuple(PreparerField(**_clean(p)) for p in base["preparer_fields"])
    forms = {}
    for path in sorted(spec_dir.glob("pl*.yaml"), key=lambda p: int(p.stem[2:])):
        form = _form(path, load_yaml(path), period_sets)
        forms[form.id] = form
    return Catalogue(plan=plan, kinds=kinds, forms=forms, preparer_fields=preparer)


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The embedded catalogue of Kế hoạch 372/KH-UBND (loaded once per process)."""
    return load_catalogue()
