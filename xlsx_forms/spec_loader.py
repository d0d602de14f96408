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

from dataclasses import MISSING, fields, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import CchcError
from .kinds import BASES, TEXT_FIELDS, kind_problems
from .layout import PREPARER_IDS
from .model import (
    AGGREGATES,
    COMPARISONS,
    EVIDENCE_DECIDES,
    SEVERITIES,
    Catalogue,
    Evidence,
    Fix,
    Form,
    Kind,
    Period,
    Plan,
    Plausibility,
    PreparerField,
    Row,
    Rule,
    Table,
    UnitGroup,
)
from .outline import OUTLINE_FILE, build_outline
from .rules import RULE_TYPES
from .yamlio import META_KEYS, line_of, load_yaml, place

SPEC_DIR = Path(__file__).parent / "specs"
KIND_FIELDS = {f.name for f in fields(Kind)} - {"id", "validation"}


class Problems(list):
    """The problems found while loading a plan (CchcErrors, each naming its place). Each
    node is checked on its own, so one bad row does not hide the others."""

    def run(self, path, node, call, *args):
        """``call(*args)``, or None with the problem kept when it fails: a CchcError as
        raised, a missing key or a value of the wrong type as a problem of ``node``."""
        try:
            return call(*args)
        except CchcError as exc:
            self.append(exc)
        except KeyError as exc:
            self.append(_fail(path, node, f"thiếu trường «{exc.args[0]}»", exc.args[0]))
        except (TypeError, ValueError, AttributeError):
            self.append(_fail(path, node, "thiếu trường hoặc trường sai kiểu"))
        return None

    def raise_any(self, source) -> None:
        """Raise the one problem, or all of them as one error naming ``source``."""
        if len(self) == 1:
            raise self[0]
        if self:
            raise CchcError("PLAN_INVALID", str(source), count=len(self),
                            problems="\n".join(f"  {line}" for line in map(str, self)))


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in META_KEYS}


def _fixes(items: Any) -> tuple[Fix, ...]:
    return tuple(Fix(wrong=f["from"], right=f["to"]) for f in items or ())


def _fail(path: Path, node: Any, problem: str, key: str | None = None) -> CchcError:
    return CchcError("SPEC_INVALID", place(path, node, key), problem=problem)


def _kind(path, kid: str, node: Any, problems: Problems) -> Kind | None:
    """A kind row of the plan, checked by its base: every problem of the row is kept, each
    at the field it is about; None when there is any."""
    if not isinstance(node, dict):
        problems.append(_fail(path, node, f"kind «{kid}» phải là một bảng các trường (base, label, description…)"))
        return None
    given = {k for k in node if k not in META_KEYS}
    base = BASES.get(node.get("base"))
    values = {**(base.defaults if base else {}), **_clean(node)}
    choices = values.get("choices", ())
    if not isinstance(choices, (list, tuple)):
        problems.append(_fail(path, node, f"choices của «{kid}» phải là danh sách, ví dụ [\"Tốt\", \"Khá\"]",
                              "choices"))
        return None
    values["choices"] = tuple(choices)
    built = {k: v for k, v in values.items() if k in KIND_FIELDS}
    for name in ("base", *TEXT_FIELDS):
        built.setdefault(name, "")
    kind = Kind(id=kid, **built)
    found = kind_problems(kind, given)
    for key, problem in found:
        problems.append(_fail(path, node, problem, key))
    if found:
        return None
    behaviour = kind.behaviour
    kind = replace(kind, number_format=kind.number_format or behaviour.number_format(kind))
    return replace(kind, validation=tuple(behaviour.validation(kind).items()))


def _row(path: Path, d: dict, kinds: dict[str, Kind], declared: set[str]) -> Row:
    """A row of a form; its kind one the plan declares, its aggregation one the kind allows
    (a declared kind that did not load is reported at the kind, not again at each row)."""
    kind = d.get("kind")
    if kind is not None and kind not in declared:
        raise _fail(path, d, f"kind «{kind}» không có trong kinds (các loại ô của kế hoạch: {tuple(declared)})", "kind")
    if d.get("aggregate") is not None and (kind is None or kind in kinds):
        allowed = kinds[kind].behaviour.aggregates if kind is not None else ()
        if d["aggregate"] not in AGGREGATES or d["aggregate"] not in allowed:
            raise _fail(path, d, f"aggregate «{d['aggregate']}» không dùng được cho kind «{kind}»; "
                                 f"dùng một trong {allowed}", "aggregate")
    return Row(id=d["id"], stt=str(d.get("stt", "")), label=d["label"], kind=kind,
               unit=d.get("unit", ""), required=bool(d.get("required", True)),
               aggregate=d.get("aggregate"), weight=d.get("weight"),
               responsible=d.get("responsible"), fixes=_fixes(d.get("fixes")),
               plausible_max=_bound(path, d, "plausible_max"))


def _bound(path: Path, d: dict, key: str) -> float | None:
    value = d.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
        raise _fail(path, d, f"{key} «{value}» phải là số dương", key)
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
        raise _fail(path, d, f"{name}: loại quy tắc «{rtype}» không có; các loại: {known}", "type")
    if d.get("severity") not in SEVERITIES:
        raise _fail(path, d, f"{name}: severity «{d.get('severity')}» không thuộc {SEVERITIES}", "severity")
    for key in RULE_KEYS:
        if not isinstance(d.get(key), str) or not d[key].strip():
            raise _fail(path, d, f"{name}: thiếu «{key}»", key)
    fields = {f.name: f for f in meaning.fields}
    extra = [k for k in _clean(d) if k not in RULE_KEYS and k not in fields]
    if extra:
        raise _fail(path, d, f"{name}: loại {rtype} ({meaning.label}) không có trường {extra}; "
                             f"các trường: {', '.join(fields)}")
    operands = []
    for f in meaning.fields:
        value = d.get(f.name)
        if value is None or value == []:
            raise _fail(path, d, f"{name}: thiếu «{f.name}» ({f.label})", f.name)
        if f.many and not isinstance(value, list):
            raise _fail(path, d, f"{name}: «{f.name}» ({f.label}) phải là danh sách dòng, "
                                 "ví dụ [PL2.1.a, PL2.1.b]", f.name)
        if not f.many and isinstance(value, list):
            raise _fail(path, d, f"{name}: «{f.name}» ({f.label}) chỉ nhận một dòng, không nhận danh sách", f.name)
        ids = tuple(str(v) for v in (value if f.many else [value]))
        for row_id in ids:
            row = rows.get(row_id)
            if row is None:
                raise _fail(path, d, f"{name}: «{f.name}» ({f.label}) dùng dòng «{row_id}» không có trong phụ lục",
                            f.name)
            if not row.is_input:
                raise _fail(path, d, f"{name}: «{f.name}» ({f.label}) dùng dòng «{row_id}» là dòng tiêu đề, "
                                     "không nhập liệu", f.name)
            if f.numeric and row.kind not in numeric:
                raise _fail(path, d, f"{name}: «{f.name}» ({f.label}) dùng dòng «{row_id}» loại «{row.kind}», "
                                     "không phải dòng số", f.name)
        operands.append((f.name, ids))
    return Rule(code=code, type=rtype, severity=d["severity"], short=d["short"], message=d["message"],
                operands=tuple(operands))


def _rows(path: Path, nodes: Any, kinds: dict[str, Kind], declared: set[str],
          problems: Problems) -> tuple[tuple[Row, ...], list[dict]]:
    """The rows built from ``nodes``, and the nodes they were built from (same order)."""
    built = [(problems.run(path, n, _row, path, n, kinds, declared), n) for n in nodes or ()]
    return tuple(r for r, _n in built if r is not None), [n for r, n in built if r is not None]


def _form(path: Path, d: dict, period_sets: dict[str, tuple[Period, ...]], kinds: dict[str, Kind],
          declared: set[str], problems: Problems) -> Form:
    if d.get("periods") not in period_sets:
        problems.append(_fail(path, d, f"periods «{d.get('periods')}» không có trong các bộ kỳ của kế hoạch",
                              "periods"))
    nodes: list[dict] = []
    if "tables" in d:
        tables = []
        for t in d["tables"] or ():
            rows, row_nodes = _rows(path, t.get("rows"), kinds, declared, problems)
            nodes += row_nodes
            tables.append(Table(id=t["id"], title=t.get("title", ""), layout=t.get("layout", "rows"),
                                place_header=t.get("place_header", ""), period_header=t.get("period_header", ""),
                                rows=rows))
        tables = tuple(tables)
    else:
        rows, nodes = _rows(path, d.get("rows"), kinds, declared, problems)
        tables = (Table(id="", rows=rows),)
    rows = [r for t in tables for r in t.rows]
    first: dict[str, dict] = {}
    for r, node in zip(rows, nodes, strict=True):
        if r.id in first:
            problems.append(_fail(path, node, f"có mã dòng bị trùng: «{r.id}» (đã có ở dòng "
                                  f"{line_of(first[r.id])})", "id"))
        first.setdefault(r.id, node)
    by_id = {r.id: r for r in rows}
    responsible = dict(_clean(d.get("responsible_units") or {}))
    for r, node in zip(rows, nodes, strict=True):
        weight = by_id.get(r.weight) if r.weight else None
        if r.weight and (weight is None or not weight.is_input
                         or (weight.kind in kinds and not kinds[weight.kind].behaviour.numeric)):
            problems.append(_fail(path, node, f"dòng {r.id}: weight «{r.weight}» không phải dòng nhập số liệu",
                                  "weight"))
        if (r.aggregate == "weighted_mean") != bool(r.weight):
            problems.append(_fail(path, node, f"dòng {r.id}: weighted_mean cần weight và ngược lại", "aggregate"))
        if r.responsible and r.responsible not in responsible:
            problems.append(_fail(path, node, f"dòng {r.id}: responsible «{r.responsible}» không có trong "
                                  "responsible_units", "responsible"))
    rules = [problems.run(path, node, _rule, path, node, by_id, _numeric_kinds(kinds))
             for node in d.get("rules") or ()]
    part_fixes = [(part, f) for part in ("title", "footnote", "stt_header")
                  for f in _fixes(d.get(f"{part}_fixes"))]
    evidence = [problems.run(path, e, _evidence, path, e) for e in d.get("evidence") or ()]
    form = Form(
        id=d["id"], number=int(d["number"]), version=int(d["version"]), title=d["title"],
        subtitle=d.get("subtitle", ""), footnote=d.get("footnote", ""),
        label_header=d.get("label_header", "Chỉ tiêu"),
        periods=period_sets.get(d.get("periods"), ()), tables=tables,
        rules=tuple(r for r in rules if r is not None),
        columns=tuple(d.get("columns", Form.columns)),
        responsible_header=d.get("responsible_header", ""),
        responsible_units=responsible, fixes=tuple(part_fixes),
        evidence=tuple(e for e in evidence if e is not None), kinds=kinds)
    return form


def _evidence(path: Path, d: dict) -> Evidence:
    if d.get("compare") not in COMPARISONS:
        raise _fail(path, d, f"compare «{d.get('compare')}» không thuộc {tuple(COMPARISONS)}", "compare")
    if d.get("decides") not in EVIDENCE_DECIDES:
        raise _fail(path, d, f"decides «{d.get('decides')}» không thuộc {EVIDENCE_DECIDES}", "decides")
    periods = d.get("periods")
    if not isinstance(periods, list) or not periods:
        raise _fail(path, d, "periods phải là danh sách kỳ, kỳ ưu tiên trước", "periods")
    try:
        return Evidence(target=d["target"], form=d["form"], row=d["row"], periods=tuple(map(str, periods)),
                        compare=d["compare"], threshold=float(d["threshold"]), decides=d["decides"],
                        requirement=d["requirement"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _fail(path, d, f"evidence thiếu hoặc sai trường ({exc})") from None


def _check_evidence(path: Path, form: Form, nodes: list, forms: dict[str, Form], problems: Problems) -> None:
    """Every evidence rule names a target of its form rated by a choice (its first choice:
    met, its second: not met) and a number row of another appendix (one whose numbers
    compare: counts, amounts, rates), in periods of that appendix: a wrong id is an error
    at load, not a silent skip."""
    if len(nodes) != len(form.evidence):
        return   # some did not load: already reported

    def kind(f: Form, r: Row) -> Kind | None:
        return f.kinds.get(r.kind)   # None: a kind that did not load (reported there)

    for e, node in zip(form.evidence, nodes, strict=True):
        where = f"evidence {e.target} ← {e.form} {e.row}"
        if e.target not in {r.id for r in form.input_rows if kind(form, r) and len(kind(form, r).choices) >= 2}:
            problems.append(_fail(path, node, f"{where}: mục tiêu không phải dòng đánh giá", "target"))
        source = forms.get(e.form)
        if source is None or e.row not in {r.id for r in source.input_rows
                                           if kind(source, r) and kind(source, r).behaviour.measure}:
            problems.append(_fail(path, node, f"{where}: không phải dòng số liệu của {e.form}", "row"))
            continue
        unknown = set(e.periods) - {p.id for p in source.periods}
        if unknown:
            problems.append(_fail(path, node, f"{where}: kỳ lạ {sorted(unknown)}", "periods"))


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


def spec_files(spec_dir: Path) -> list[Path]:
    """The form specs of a plan folder (pl*.yaml), in the order of their number."""
    return sorted(spec_dir.glob("pl*.yaml"), key=lambda p: int(p.stem[2:]) if p.stem[2:].isdigit() else 1 << 30)


def load_catalogue(spec_dir: Path = SPEC_DIR) -> Catalogue:
    """Load catalogue.yaml, every pl*.yaml and the outline.yaml (if any) of ``spec_dir``.
    Raises CchcError."""
    base_path, outline_path = spec_dir / "catalogue.yaml", spec_dir / OUTLINE_FILE
    return build_catalogue(load_yaml(base_path), base_path,
                           [(path, load_yaml(path)) for path in spec_files(spec_dir)], None,
                           load_yaml(outline_path) if outline_path.exists() else None, outline_path)


def _plan(path, d: dict) -> Plan:
    missing = [f.name for f in fields(Plan) if f.default is MISSING and f.name not in d]
    if missing:
        raise _fail(path, d, f"thiếu trường «{missing[0]}»", missing[0])
    plan = Plan(**_clean(d))
    if not isinstance(plan.default_deadline, date):
        raise _fail(path, d, f"default_deadline «{plan.default_deadline}» không phải ngày", "default_deadline")
    return plan


def _period_set(path, name: str, items: list) -> tuple[Period, ...]:
    periods = tuple(Period(id=str(p["id"]), label=p["label"], partial=bool(p.get("partial"))) for p in items)
    ids = [p.id for p in periods]
    if not periods or len(ids) != len(set(ids)):
        node = next((p for p in items if ids.count(str(p["id"])) > 1), items[0] if items else {})
        raise _fail(path, node, f"bộ kỳ «{name}» rỗng hoặc có mã kỳ bị trùng", "id")
    return periods


def build_catalogue(base: dict, base_path: Path | str, form_specs: list[tuple[Path | str, dict]],
                    problems: Problems | None = None, outline: Any = None,
                    outline_path: Path | str | None = None) -> Catalogue:
    """The catalogue of a plan's shared definitions (``base``, read from ``base_path``) and
    its form specs ((where read, dict) each), as YAML or an authoring workbook gives them.
    Every problem is collected into ``problems`` and what did load is returned (only for
    further checks: it is incomplete when there are problems); without ``problems``, they
    are raised as one CchcError."""
    found = Problems() if problems is None else problems
    catalogue = _build(base if isinstance(base, dict) else {}, base_path, form_specs, found)
    if outline is not None:   # the Đề cương (outline.yaml, or the «Đề cương» sheet); None: no report
        where = outline_path or base_path
        catalogue = replace(catalogue, outline=found.run(where, outline, build_outline, outline, where))
    if problems is None:
        found.raise_any(base_path)
    return catalogue


def _build(base: dict, base_path, form_specs, problems: Problems) -> Catalogue:
    for key in ("plan", "period_sets", "kinds", "preparer_fields", "unit_kinds"):
        if key not in base:   # (an authoring workbook always gives them; its reader reports empty sheets)
            problems.append(_fail(base_path, base, f"thiếu mục «{key}»", key))
    plan = problems.run(base_path, base.get("plan"), _plan, base_path, base["plan"]) if "plan" in base else None
    period_sets = {}
    for name, items in _clean(base.get("period_sets") or {}).items():
        found = problems.run(base_path, base["period_sets"], _period_set, base_path, name, items or [])
        if found is not None:
            period_sets[name] = found
    kinds_node = base.get("kinds") or {}
    declared = set(_clean(kinds_node)) if isinstance(kinds_node, dict) else set()
    kinds = {}
    for kid, node in (_clean(kinds_node) if isinstance(kinds_node, dict) else {}).items():
        kind = problems.run(base_path, node, _kind, base_path, kid, node, problems)
        if kind is not None:
            kinds[kid] = kind
    note = kinds_node.get("note") if isinstance(kinds_node, dict) else None
    if "kinds" in base and (not isinstance(note, dict) or note.get("base") != "text"):
        problems.append(_fail(base_path, note if isinstance(note, dict) else kinds_node,
                              "kinds phải có «note» (base: text): cột ghi chú của mọi phụ lục", "base"))
    unit_kinds = problems.run(base_path, base, _unit_kinds, base_path, base) if "unit_kinds" in base else None
    preparer = tuple(p for p in (problems.run(base_path, node, lambda n: PreparerField(**_clean(n)), node)
                                 for node in base.get("preparer_fields") or ()) if p is not None)
    if "preparer_fields" in base and tuple(p.id for p in preparer) != PREPARER_IDS \
            and len(preparer) == len(base.get("preparer_fields") or ()):
        problems.append(_fail(base_path, base["preparer_fields"][0] if base["preparer_fields"] else base,
                              f"preparer_fields phải là đúng các ô {list(PREPARER_IDS)}, theo thứ tự đó "
                              "(nhãn và lời gợi ý của mỗi ô do kế hoạch ghi)", "id"))
    forms, paths, nodes = {}, {}, {}
    for path, spec in form_specs:
        form = problems.run(path, spec, _form, path, spec, period_sets, kinds, declared, problems)
        if form is None:
            continue
        if form.id in forms:
            problems.append(_fail(path, spec, f"mã biểu «{form.id}» bị trùng", "id"))
            continue
        forms[form.id], paths[form.id], nodes[form.id] = form, path, list(spec.get("evidence") or ())
    forms = dict(sorted(forms.items(), key=lambda item: item[1].number))
    for fid, form in forms.items():
        _check_evidence(paths[fid], form, nodes[fid], forms, problems)
    plausibility = None
    if base.get("plausibility"):
        plausibility = problems.run(base_path, base["plausibility"], _plausibility, base_path,
                                    base["plausibility"], kinds, unit_kinds or {})
    return Catalogue(plan=plan, kinds=kinds, forms=forms, preparer_fields=preparer, plausibility=plausibility,
                     unit_kinds=unit_kinds or {})


def _unit_kinds(path: Path, base: dict) -> dict[str, str]:
    """``unit_kinds``: registry kind id → its Vietnamese name (at least one)."""
    node = base.get("unit_kinds")
    found = _clean(node) if isinstance(node, dict) else {}
    if not found or not all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in found.items()):
        raise _fail(path, node if isinstance(node, dict) else base,
                    "unit_kinds phải liệt kê các loại đơn vị với tên tiếng Việt, "
                    "ví dụ office: \"Cơ quan cấp thành phố\"")
    return found


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The embedded plan's catalogue (loaded once per process)."""
    return load_catalogue()
