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

from .authoring.names import names, quoted
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
            key = exc.args[0]
            self.append(_fail(path, node, f"thiếu «{names(node).field(str(key))}»", key))
        except (TypeError, ValueError, AttributeError):
            self.append(_fail(path, node, "thiếu thông tin hoặc thông tin sai kiểu"))
        return None

    def raise_any(self, source) -> None:
        """Raise the one problem, or all of them as one error naming ``source``."""
        if len(self) == 1:
            raise self[0]
        if self:
            raise CchcError("PLAN_INVALID", str(source), count=len(self),
                            problems="\n".join(f"  {line}" for line in map(str, self)))


class Declared(frozenset):
    """The ids a plan declares for one sort of thing (kinds, forms, period sets, unit
    kinds…), whether they loaded or not. One declared without an id (its empty cell is
    reported already) makes it ``anonymous``: any id may then be that one, so a reference
    to an unknown id is not reported again: one mistake, one message."""

    anonymous: bool

    def __new__(cls, ids=()):
        ids = list(ids)
        self = super().__new__(cls, (i for i in ids if i not in (None, "")))
        self.anonymous = any(i in (None, "") for i in ids)
        return self

    def __contains__(self, item) -> bool:
        return self.anonymous or super().__contains__(item)


class Unsure(dict):
    """A mapping the loader keeps for further checks while one of its entries had no id
    (already reported): every key counts as present, so nothing is reported against it."""

    def __contains__(self, item) -> bool:
        return True


def _declared_map(found: dict) -> dict:
    """``found`` as is, or an ``Unsure`` copy when one of its keys is empty."""
    return Unsure(found) if any(k in (None, "") for k in found) else found


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in META_KEYS}


def _fixes(items: Any) -> tuple[Fix, ...]:
    return tuple(Fix(wrong=f["from"], right=f["to"]) for f in items or ())


def _fail(path: Path, node: Any, problem: str, key: str | None = None) -> CchcError:
    return CchcError("SPEC_INVALID", place(path, node, key), problem=problem)


def _missing(path, node: dict, keys) -> None:
    """Raise the first of ``keys`` that ``node`` lacks, named as its user wrote it."""
    for key in keys:
        if node.get(key) in (None, ""):
            raise _fail(path, node, f"thiếu «{names(node).field(key)}»", key)


def _kind(path, kid: str, node: Any, problems: Problems) -> Kind | None:
    """A kind row of the plan, checked by its base: every problem of the row is kept, each
    at the field it is about; None when there is any."""
    what = f"loại ô «{kid}»" if kid else "loại ô"
    if not isinstance(node, dict):
        problems.append(_fail(path, node, f"{what} phải là một bảng các trường: base, label, description…"))
        return None
    n = names(node)
    given = {k for k in node if k not in META_KEYS}
    base = BASES.get(node.get("base"))
    values = {**(base.defaults if base else {}), **_clean(node)}
    choices = values.get("choices", ())
    if not isinstance(choices, (list, tuple)):
        problems.append(_fail(path, node, f"{what}: «{n.field('choices')}» phải là danh sách các lựa chọn",
                              "choices"))
        return None
    values["choices"] = tuple(choices)
    built = {k: v for k, v in values.items() if k in KIND_FIELDS}
    for name in ("base", *TEXT_FIELDS):
        built.setdefault(name, "")
    kind = Kind(id=kid, **built)
    found = kind_problems(kind, given, n)
    for key, problem in found:
        problems.append(_fail(path, node, f"{what}: {problem}", key))
    if found:
        return None
    behaviour = kind.behaviour
    kind = replace(kind, number_format=kind.number_format or behaviour.number_format(kind))
    return replace(kind, validation=tuple(behaviour.validation(kind).items()))


def _row(path: Path, d: dict, kinds: dict[str, Kind], declared: Declared) -> Row:
    """A row of a form; its kind one the plan declares, its aggregation one the kind allows
    (a declared kind that did not load is reported at the kind, not again at each row)."""
    n = names(d)
    _missing(path, d, ("id", "label"))
    kind = d.get("kind")
    if kind is not None and kind not in declared:
        raise _fail(path, d, f"loại ô «{kind}» chưa được khai báo; các loại ô của kế hoạch: "
                             f"{quoted(sorted(declared, key=str))}", "kind")
    aggregate = d.get("aggregate")
    if aggregate is not None and kind is None:
        raise _fail(path, d, f"dòng đề mục không tổng hợp: để trống «{n.field('aggregate')}»", "aggregate")
    if aggregate is not None and kind in kinds:
        allowed = kinds[kind].behaviour.aggregates
        if aggregate not in AGGREGATES or aggregate not in allowed:
            raise _fail(path, d, f"«{n.field('aggregate')}» «{n.value('aggregate', aggregate)}» không dùng được "
                                 f"cho loại ô «{kind}»; dùng một trong {n.values('aggregate', allowed)}",
                        "aggregate")
    return Row(id=d["id"], stt=str(d.get("stt", "")), label=d["label"], kind=kind,
               unit=d.get("unit", ""), required=bool(d.get("required", True)),
               aggregate=aggregate, weight=d.get("weight"),
               responsible=d.get("responsible"), fixes=_fixes(d.get("fixes")),
               plausible_max=_bound(path, d, "plausible_max"))


def _bound(path: Path, d: dict, key: str) -> float | None:
    value = d.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
        raise _fail(path, d, f"«{names(d).field(key)}» là «{value}», phải là số dương", key)
    return value


RULE_KEYS = ("code", "type", "severity", "short", "message")


def _rule(path: Path, d: dict, rows: dict[str, Row], kinds: dict[str, Kind], complete: bool) -> Rule:
    """A rule from its spec node, its operands read by its type's fields (rules.RULE_TYPES):
    every field given, each a row (or a list of rows for a ``many`` field) that takes values,
    of a number kind where the field needs numbers; no other key. An operand whose row or
    kind did not load (``complete`` false: a row of the form did not) is not reported again."""
    n = names(d)
    code = d.get("code")
    name = f"quy tắc {code}" if code else "quy tắc"
    rtype = d.get("type")
    meaning = RULE_TYPES.get(rtype) if isinstance(rtype, str) else None
    if meaning is None:
        what = f"«{n.field('type')}» «{rtype}» không có" if rtype else f"thiếu «{n.field('type')}»"
        raise _fail(path, d, f"{name}: {what}; dùng một trong {n.values('rule_type')}", "type")
    if d.get("severity") not in SEVERITIES:
        severity = d.get("severity")
        what = f"«{n.field('severity')}» «{severity}» không có" if severity else f"thiếu «{n.field('severity')}»"
        raise _fail(path, d, f"{name}: {what}; dùng một trong {n.values('severity')}", "severity")
    for key in RULE_KEYS:
        if not isinstance(d.get(key), str) or not d[key].strip():
            raise _fail(path, d, f"{name}: thiếu «{n.field(key)}»", key)
    fields = {f.name: f for f in meaning.fields}
    kind_of = f"loại quy tắc «{n.value('rule_type', rtype)}»"
    extra = [k for k in _clean(d) if k not in RULE_KEYS and k not in fields]
    if extra:
        raise _fail(path, d, f"{name}: {kind_of} không dùng {quoted(n.field(k) for k in extra)}; để trống "
                             "hoặc chọn đúng loại quy tắc", extra[0])
    operands = []
    for f in meaning.fields:
        value, field = d.get(f.name), n.field(f.name)
        if value is None or value == []:
            raise _fail(path, d, f"{name}: thiếu «{field}», {kind_of} cần có", f.name)
        if f.many and not isinstance(value, list):
            raise _fail(path, d, f"{name}: «{field}» phải là danh sách mã dòng", f.name)
        if not f.many and isinstance(value, list):
            raise _fail(path, d, f"{name}: «{field}» chỉ nhận một dòng, không nhận danh sách", f.name)
        ids = tuple(str(v) for v in (value if f.many else [value]))
        for row_id in ids:
            row = rows.get(row_id)
            if row is None:
                if not complete:
                    continue
                raise _fail(path, d, f"{name}: «{field}» dùng dòng «{row_id}» không có trong biểu", f.name)
            if not row.is_input:
                raise _fail(path, d, f"{name}: «{field}» dùng dòng «{row_id}» là dòng đề mục, không nhập liệu",
                            f.name)
            if f.numeric and row.kind in kinds and not kinds[row.kind].behaviour.numeric:
                raise _fail(path, d, f"{name}: «{field}» dùng dòng «{row_id}» có loại ô «{row.kind}», "
                                     "không phải loại ô số", f.name)
        operands.append((f.name, ids))
    return Rule(code=code, type=rtype, severity=d["severity"], short=d["short"], message=d["message"],
                operands=tuple(operands))


def _rows(path: Path, nodes: Any, kinds: dict[str, Kind], declared: Declared,
          problems: Problems) -> tuple[tuple[Row, ...], list[dict], bool]:
    """The rows built from ``nodes``, the nodes they were built from (same order), and
    whether every node gave a row."""
    built = [(problems.run(path, n, _row, path, n, kinds, declared), n) for n in nodes or ()]
    return (tuple(r for r, _n in built if r is not None), [n for r, n in built if r is not None],
            all(r is not None for r, _n in built))


def _table(path: Path, t: dict, rows: tuple[Row, ...]) -> Table:
    layout = t.get("layout", "rows")
    if layout not in ("rows", "transposed"):
        n = names(t)
        raise _fail(path, t, f"«{n.field('layout')}» «{layout}» không có; dùng một trong {n.values('layout')}",
                    "layout")
    return Table(id=t.get("id") or "", title=t.get("title", ""), layout=layout,
                 place_header=t.get("place_header", ""), period_header=t.get("period_header", ""), rows=rows)


def _form(path: Path, d: dict, period_sets: dict[str, tuple[Period, ...]], kinds: dict[str, Kind],
          declared: dict[str, Declared], problems: Problems) -> Form:
    _missing(path, d, ("id", "number", "version", "title", "periods"))
    if d.get("periods") not in declared["periods"]:
        problems.append(_fail(path, d, f"bộ kỳ «{d.get('periods')}» chưa được khai báo; các bộ kỳ của kế hoạch: "
                                       f"{quoted(sorted(declared['periods'], key=str))}", "periods"))
    nodes: list[dict] = []
    complete = True
    if "tables" in d:
        tables = []
        for t in d["tables"] or ():
            rows, row_nodes, whole = _rows(path, t.get("rows"), kinds, declared["kinds"], problems)
            nodes += row_nodes
            complete = complete and whole
            table = problems.run(path, t, _table, path, t, rows)
            tables.append(table or Table(id=t.get("id") or "", rows=rows))
        tables = tuple(tables)
    else:
        rows, nodes, complete = _rows(path, d.get("rows"), kinds, declared["kinds"], problems)
        tables = (Table(id="", rows=rows),)
    rows = [r for t in tables for r in t.rows]
    first: dict[str, dict] = {}
    for r, node in zip(rows, nodes, strict=True):
        if r.id in first:
            problems.append(_fail(path, node, f"mã dòng «{r.id}» bị trùng, đã có ở dòng {line_of(first[r.id])}",
                                  "id"))
        first.setdefault(r.id, node)
    by_id = {r.id: r for r in rows}
    responsible = _declared_map(dict(_clean(d.get("responsible_units") or {})))
    for r, node in zip(rows, nodes, strict=True):
        rn = names(node)
        weight = by_id.get(r.weight) if r.weight else None
        if r.weight and (weight is None and complete or weight is not None and (
                not weight.is_input or (weight.kind in kinds and not kinds[weight.kind].behaviour.numeric))):
            problems.append(_fail(path, node, f"dòng {r.id}: «{rn.field('weight')}» «{r.weight}» không phải dòng "
                                  "nhập số liệu", "weight"))
        weighted = rn.value("aggregate", "weighted_mean")
        if r.aggregate == "weighted_mean" and not r.weight:
            problems.append(_fail(path, node, f"dòng {r.id}: «{rn.field('aggregate')}» «{weighted}» cần "
                                  f"«{rn.field('weight')}»", "weight"))
        elif r.weight and r.aggregate != "weighted_mean":
            problems.append(_fail(path, node, f"dòng {r.id}: có «{rn.field('weight')}» thì «{rn.field('aggregate')}» "
                                  f"phải là «{weighted}»", "aggregate"))
        if r.responsible and r.responsible not in responsible:
            problems.append(_fail(path, node, f"dòng {r.id}: đơn vị phụ trách «{r.responsible}» chưa được khai báo "
                                  f"cho biểu {d.get('id')}; các đơn vị phụ trách: {quoted(responsible)}",
                                  "responsible"))
    rules = [problems.run(path, node, _rule, path, node, by_id, kinds, complete) for node in d.get("rules") or ()]
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
    n = names(d)
    _missing(path, d, ("target", "form", "row", "periods", "compare", "threshold", "decides", "requirement"))
    if d["compare"] not in COMPARISONS:
        raise _fail(path, d, f"«{n.field('compare')}» «{d['compare']}» không có; dùng một trong "
                             f"{n.values('compare')}", "compare")
    if d["decides"] not in EVIDENCE_DECIDES:
        raise _fail(path, d, f"«{n.field('decides')}» «{d['decides']}» không có; dùng một trong "
                             f"{n.values('decides')}", "decides")
    periods = d["periods"]
    if not isinstance(periods, list) or not periods:
        raise _fail(path, d, f"«{n.field('periods')}» phải là danh sách mã kỳ, kỳ ưu tiên trước", "periods")
    threshold = d["threshold"]
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise _fail(path, d, f"«{n.field('threshold')}» là «{threshold}», phải là số", "threshold")
    return Evidence(target=str(d["target"]), form=str(d["form"]), row=str(d["row"]),
                    periods=tuple(map(str, periods)), compare=d["compare"], threshold=float(threshold),
                    decides=d["decides"], requirement=str(d["requirement"]))


def _check_evidence(path: Path, form: Form, nodes: list, forms: dict[str, Form], declared: Declared,
                    problems: Problems) -> None:
    """Every evidence rule names a target of its form rated by a choice (its first choice:
    met, its second: not met) and a number row of another appendix (one whose numbers
    compare: counts, amounts, rates), in periods of that appendix: a wrong id is an error
    at load, not a silent skip. What did not load (a form, a kind, a period set) is
    reported there, not again here."""
    if len(nodes) != len(form.evidence):
        return   # some did not load: already reported

    def kind(f: Form, r: Row) -> Kind | None:
        return f.kinds.get(r.kind)   # None: a kind that did not load (reported there)

    for e, node in zip(form.evidence, nodes, strict=True):
        n = names(node)
        where = f"đối chiếu {e.target} với {e.form} {e.row}"
        target = next((r for r in form.input_rows if r.id == e.target), None)
        if target is None or kind(form, target) is not None and len(kind(form, target).choices) < 2:
            problems.append(_fail(path, node, f"{where}: «{n.field('target')}» không phải dòng đánh giá bằng "
                                  "lựa chọn của biểu", "target"))
        source = forms.get(e.form)
        if source is None:
            if e.form not in declared:
                problems.append(_fail(path, node, f"{where}: biểu «{e.form}» không có", "form"))
            continue
        row = next((r for r in source.input_rows if r.id == e.row), None)
        if row is None or kind(source, row) is not None and not kind(source, row).behaviour.measure:
            problems.append(_fail(path, node, f"{where}: «{n.field('row')}» không phải dòng số liệu của {e.form}",
                                  "row"))
            continue
        unknown = set(e.periods) - {p.id for p in source.periods}
        if unknown and source.periods:   # no periods: its period set did not load
            problems.append(_fail(path, node, f"{where}: kỳ {quoted(sorted(unknown))} không có trong bộ kỳ của "
                                  f"{e.form}", "periods"))


def _number(path, node: dict, key: str, cast=float, default=None):
    """``node[key]`` as a number (``default`` when absent and not None), else a problem at it."""
    value = node.get(key, default)
    n = names(node)
    if value is None:
        raise _fail(path, node, f"thiếu «{n.field(key)}»", key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or cast is int and not float(value).is_integer():
        raise _fail(path, node, f"«{n.field(key)}» là «{value}», phải là số" + (" nguyên" if cast is int else ""),
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
        raise _fail(path, node, f"thiếu «{n.field(key)}»" if value is None else
                    f"«{n.field(key)}» phải có dạng «loại ô: số; …»", key)
    found = {}
    for k, v in _clean(value).items():
        if k not in declared or k in kinds and not kinds[k].behaviour.measure:
            raise _fail(path, node, f"«{n.field(key)}» nêu loại ô «{k}» không phải loại ô số của kế hoạch", key)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _fail(path, node, f"«{n.field(key)}»: «{k}» là «{v}», phải là số", key)
        found[k] = float(v)
    return found


def _plausibility(path: Path, d: dict, kinds: dict[str, Kind], declared: dict[str, Declared],
                  problems: Problems) -> Plausibility | None:
    """The thresholds of the plausibility warnings: each problem at its own field."""
    def node(parent, key):
        value = parent.get(key)
        if not isinstance(value, dict):
            raise _fail(path, parent, f"thiếu «{names(parent).field(key)}»", key)
        return value

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
        problems.append(_fail(path, year, f"«{names(year).field('rates')}» phải là các loại ô số của kế hoạch",
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
            problems.append(_fail(path, year, f"«{names(year).field(key)}» phải {text}", key))
    if got["unit_factor"] and min(got["unit_factor"].values()) <= 1:
        problems.append(_fail(path, unit, f"mỗi số của «{names(unit).field('factor')}» phải lớn hơn 1", "factor"))
    if got["unit_min"] is not None and got["unit_min"] < 3:
        problems.append(_fail(path, unit, f"«{names(unit).field('min_units')}» phải từ 3 trở lên", "min_units"))
    if got["year_min_years"] is not None and got["year_min_years"] < 1:
        problems.append(_fail(path, year, f"«{names(year).field('min_years')}» phải từ 1 trở lên", "min_years"))
    if any(v is None for v in got.values()) or None in groups:
        return None
    return Plausibility(year_rise=got["year_rise"], year_drop=got["year_drop"], year_floor=got["year_floor"],
                        year_score=got["year_score"], year_min_years=got["year_min_years"], rates=got["rates"],
                        unit_score=got["unit_score"], unit_floor=got["unit_floor"], unit_factor=got["unit_factor"],
                        unit_min=got["unit_min"], groups=tuple(groups))


def _group(path, g: dict, unit_kinds: Declared, seen: dict) -> UnitGroup:
    """A group of unit kinds compared with one another; a unit kind in one group only."""
    n = names(g)
    _missing(path, g, ("id", "name", "kinds"))
    kinds = g["kinds"] if isinstance(g["kinds"], list) else [g["kinds"]]
    for k in kinds:
        if k not in unit_kinds:
            raise _fail(path, g, f"«{n.field('kinds')}»: loại đơn vị «{k}» chưa được khai báo", "kinds")
        if k in seen:
            raise _fail(path, g, f"«{n.field('kinds')}»: loại đơn vị «{k}» đã thuộc nhóm «{seen[k]}»", "kinds")
        seen[k] = g["id"]
    return UnitGroup(id=g["id"], name=g["name"], kinds=tuple(kinds))


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
    n = names(d)
    missing = [f.name for f in fields(Plan) if f.default is MISSING and d.get(f.name) in (None, "")]
    if missing:
        raise _fail(path, d, f"thiếu «{n.field(missing[0])}»", missing[0])
    unknown = [k for k in _clean(d) if k not in {f.name for f in fields(Plan)}]
    if unknown:
        raise _fail(path, d, f"không dùng {quoted(unknown)}", unknown[0])
    plan = Plan(**_clean(d))
    if not isinstance(plan.default_deadline, date):
        raise _fail(path, d, f"«{n.field('default_deadline')}» là «{plan.default_deadline}», không phải ngày",
                    "default_deadline")
    return plan


def _period(path, p: Any) -> Period:
    if not isinstance(p, dict):
        raise _fail(path, p, "mỗi kỳ phải có mã kỳ và tên kỳ: id, label")
    _missing(path, p, ("id", "label"))
    return Period(id=str(p["id"]), label=p["label"], partial=bool(p.get("partial")))


def _period_set(path, name: str, items: Any, problems: Problems) -> tuple[Period, ...] | None:
    """A period set: every period with an id and a label, the ids distinct. None when any
    is wrong (each reported at its own row)."""
    if not isinstance(items, list) or not items:
        problems.append(_fail(path, items, f"bộ kỳ «{name}» không có kỳ nào"))
        return None
    periods = [problems.run(path, p, _period, path, p) for p in items]
    seen: dict[str, Any] = {}
    ok = None not in periods
    for period, node in zip(periods, items, strict=True):
        if period is not None and period.id in seen:
            problems.append(_fail(path, node, f"bộ kỳ «{name}»: mã kỳ «{period.id}» bị trùng, đã có ở dòng "
                                              f"{line_of(seen[period.id])}", "id"))
            ok = False
        elif period is not None:
            seen[period.id] = node
    return tuple(periods) if ok else None


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


def _preparer(path, node: Any) -> PreparerField:
    if not isinstance(node, dict):
        raise _fail(path, node, "mỗi ô của người lập biểu phải có id, label, input_title, input_message, max_length")
    n = names(node)
    keys = [f.name for f in fields(PreparerField)]
    _missing(path, node, keys)
    unknown = [k for k in _clean(node) if k not in keys]
    if unknown:
        raise _fail(path, node, f"không dùng {quoted(n.field(k) for k in unknown)}", unknown[0])
    length = node["max_length"]
    if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= 32767:
        raise _fail(path, node, f"«{n.field('max_length')}» là «{length}», phải là số nguyên từ 1 đến 32767",
                    "max_length")
    return PreparerField(**{k: node[k] for k in keys})


def _build(base: dict, base_path, form_specs, problems: Problems) -> Catalogue:
    for key in ("plan", "period_sets", "kinds", "preparer_fields", "unit_kinds"):
        if key not in base:   # (an authoring workbook always gives them; its reader reports empty sheets)
            problems.append(_fail(base_path, base, f"thiếu mục «{key}»", key))
    plan = problems.run(base_path, base.get("plan"), _plan, base_path, base["plan"]) if "plan" in base else None
    period_nodes = _clean(base.get("period_sets") or {})
    period_sets = {}
    for name, items in period_nodes.items():
        found = _period_set(base_path, name, items, problems)
        if found is not None:
            period_sets[name] = found
    kinds_node = base.get("kinds") or {}
    kind_nodes = _clean(kinds_node) if isinstance(kinds_node, dict) else {}
    kinds = {}
    for kid, node in kind_nodes.items():
        kind = problems.run(base_path, node, _kind, base_path, kid, node, problems)
        if kind is not None:
            kinds[kid] = kind
    note = kinds_node.get("note") if isinstance(kinds_node, dict) else None
    if "kinds" in base and None not in kind_nodes and (not isinstance(note, dict) or note.get("base") != "text"):
        where = note if isinstance(note, dict) else kinds_node
        problems.append(_fail(base_path, where, f"phải có loại ô «note» kiểu «{names(where).value('base', 'text')}»"
                                                ": cột ghi chú của mọi biểu", "base"))
    unit_kinds = problems.run(base_path, base, _unit_kinds, base_path, base) if "unit_kinds" in base else None
    declared = {"kinds": Declared(kind_nodes), "periods": Declared(period_nodes),
                "unit_kinds": Declared(_clean(base.get("unit_kinds") or {}) if isinstance(base.get("unit_kinds"),
                                                                                       dict) else ()),
                "forms": Declared(spec.get("id") if isinstance(spec, dict) else None for _p, spec in form_specs)}
    preparer = _preparers(base_path, base, problems)
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
        _check_evidence(paths[fid], form, nodes[fid], forms, declared["forms"], problems)
    plausibility = None
    if base.get("plausibility"):
        plausibility = problems.run(base_path, base["plausibility"], _plausibility, base_path,
                                    base["plausibility"], kinds, declared, problems)
    return Catalogue(plan=plan, kinds=kinds, forms=forms, preparer_fields=preparer, plausibility=plausibility,
                     unit_kinds=unit_kinds or {})


def _preparers(path, base: dict, problems: Problems) -> tuple[PreparerField, ...]:
    """The inputs of the signature block: exactly the layout's (``layout.PREPARER_IDS``), in
    its order; their labels and prompts are the plan's."""
    nodes = base.get("preparer_fields") or []
    if not isinstance(nodes, list):
        problems.append(_fail(path, base, "preparer_fields phải là danh sách các ô", "preparer_fields"))
        return ()
    preparer = tuple(problems.run(path, node, _preparer, path, node) for node in nodes)
    if "preparer_fields" in base and None not in preparer and tuple(p.id for p in preparer) != PREPARER_IDS:
        node = next((nd for nd, p, want in zip(nodes, preparer, PREPARER_IDS, strict=False) if p.id != want),
                    nodes[len(PREPARER_IDS)] if len(nodes) > len(PREPARER_IDS) else nodes[0] if nodes else base)
        problems.append(_fail(path, node, f"«{names(node).field('id')}» phải là đúng các ô {quoted(PREPARER_IDS)}, "
                                          "theo thứ tự đó, mỗi ô một dòng: khối chữ ký của biểu có đúng ba ô này và "
                                          "bảng tổng hợp đọc lại đúng ba ô này; nhãn, lời gợi ý và độ dài tối đa của "
                                          "mỗi ô do kế hoạch ghi", "id"))
    return tuple(p for p in preparer if p is not None)


def _unit_kinds(path: Path, base: dict) -> dict[str, str]:
    """``unit_kinds``: registry kind id → its Vietnamese name (at least one). An entry
    without an id or a name in a workbook is its empty cell, which the reader reports: it
    is kept (the units naming it are not reported again)."""
    node = base.get("unit_kinds")
    found = _clean(node) if isinstance(node, dict) else {}
    workbook = names(node).workbook
    bad = [k for k, v in found.items() if not isinstance(k, str) or not isinstance(v, str) or not v.strip()]
    if not found or bad and not workbook:
        raise _fail(path, node if isinstance(node, dict) else base,
                    "unit_kinds phải liệt kê các loại đơn vị với tên tiếng Việt, ví dụ office: Cơ quan cấp thành phố")
    return _declared_map({k: v if isinstance(v, str) else str(k) for k, v in found.items()})


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The embedded plan's catalogue (loaded once per process)."""
    return load_catalogue()
