"""Load one form of a plan (a ``pl*.yaml`` file, or the rows of a form in an authoring
workbook): its rows, tables, rules and evidence rules, each checked on its own against the
kinds, period sets and forms the plan declares (``loading.Declared``): what did not load
is reported where it is, not again at everything that names it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .authoring.names import names, quoted
from .ids import id_problem
from .layout import FORM_COLUMNS, NEEDED_COLUMNS
from .loading import Declared, Problems, clean, declared_map, expect, fail, fixes, missing
from .model import (
    AGGREGATES,
    COMPARISONS,
    EVIDENCE_DECIDES,
    Evidence,
    Form,
    Kind,
    Period,
    Row,
    Table,
)
from .rule_loader import check_acyclic, load_rule
from .yamlio import line_of

MAX_FORM_NUMBER = 999


def _row(path: Path, d: dict, kinds: dict[str, Kind], declared: Declared) -> Row:
    """A row of a form; its kind one the plan declares, its aggregation one the kind allows
    (a declared kind that did not load is reported at the kind, not again at each row)."""
    n = names(d)
    missing(path, d, ("id", "label"))
    if problem := id_problem(d["id"], "mã dòng"):
        raise fail(path, d, problem, "id")
    kind = d.get("kind")
    if kind is not None and kind not in declared:
        raise fail(path, d, f"loại ô «{kind}» chưa được khai báo; các loại ô của kế hoạch: "
                             f"{quoted(sorted(declared, key=str))}", "kind")
    aggregate = d.get("aggregate")
    if aggregate is not None and kind is None:
        raise fail(path, d, f"dòng đề mục không tổng hợp: để trống «{n.field('aggregate')}»", "aggregate")
    if aggregate is not None and kind in kinds:
        allowed = kinds[kind].behaviour.aggregates
        if aggregate not in AGGREGATES or aggregate not in allowed:
            raise fail(path, d, f"«{n.field('aggregate')}» «{n.value('aggregate', aggregate)}» không dùng được "
                                 f"cho loại ô «{kind}»; dùng một trong {n.values('aggregate', allowed)}",
                        "aggregate")
    expect(path, d, str, "label", "unit")
    expect(path, d, bool, "required")
    return Row(id=d["id"], stt=str(d.get("stt", "")), label=d["label"], kind=kind,
               unit=d.get("unit", ""), required=bool(d.get("required", True)),
               aggregate=aggregate, weight=d.get("weight"),
               responsible=d.get("responsible"), fixes=fixes(d.get("fixes")),
               plausible_max=_bound(path, d, "plausible_max"))


def _bound(path: Path, d: dict, key: str) -> float | None:
    value = d.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
        raise fail(path, d, f"«{names(d).field(key)}» là «{value}», phải là số dương", key)
    return value


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
        raise fail(path, t, f"«{n.field('layout')}» «{layout}» không có; dùng một trong {n.values('layout')}",
                    "layout")
    expect(path, t, str, "title", "place_header", "period_header")
    return Table(id=t.get("id") or "", title=t.get("title", ""), layout=layout,
                 place_header=t.get("place_header", ""), period_header=t.get("period_header", ""), rows=rows)


def _columns(path: Path, d: dict) -> tuple[str, ...]:
    """The form's columns: each one the writer can place (``layout.FORM_COLUMNS``), once,
    and every one a table needs; the default when not given."""
    given = d.get("columns")
    if given is None:
        return Form.columns
    n = names(d)
    field = n.field("columns")
    items = [str(c).strip() for c in given] if isinstance(given, (list, tuple)) else [str(given)]
    unknown = [c for c in items if c not in FORM_COLUMNS]
    twice = sorted({c for c in items if items.count(c) > 1})
    lacking = [c for c in NEEDED_COLUMNS if c not in items]
    allowed = f"các cột dùng được: {quoted(FORM_COLUMNS)}; phải có {quoted(NEEDED_COLUMNS)}"
    if unknown:
        raise fail(path, d, f"«{field}» có cột {quoted(unknown)} không dùng được; {allowed}", "columns")
    if twice:
        raise fail(path, d, f"«{field}» ghi cột {quoted(twice)} hai lần; mỗi cột chỉ ghi một lần; {allowed}", "columns")
    if lacking:
        raise fail(path, d, f"«{field}» thiếu cột {quoted(lacking)}; {allowed}", "columns")
    return tuple(items)


def load_form(path: Path, d: dict, period_sets: dict[str, tuple[Period, ...]], kinds: dict[str, Kind],
          declared: dict[str, Declared], problems: Problems) -> Form:
    missing(path, d, ("id", "number", "version", "title", "periods"))
    if problem := id_problem(d["id"], "mã biểu"):
        raise fail(path, d, problem, "id")
    number = d["number"]
    whole = type(number) is int or isinstance(number, float) and number.is_integer()
    if not whole or not 1 <= number <= MAX_FORM_NUMBER:   # it names sheets: "Phụ lục 12", 31 characters at most
        raise fail(path, d, f"«{names(d).field('number')}» là «{number}», phải là số nguyên từ 1 đến "
                            f"{MAX_FORM_NUMBER}", "number")
    if d.get("periods") not in declared["periods"]:
        problems.append(fail(path, d, f"bộ kỳ «{d.get('periods')}» chưa được khai báo; các bộ kỳ của kế hoạch: "
                                       f"{quoted(sorted(declared['periods'], key=str))}", "periods"))
    columns = problems.run(path, d, _columns, path, d)
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
            problems.append(fail(path, node, f"mã dòng «{r.id}» bị trùng, đã có ở dòng {line_of(first[r.id])}",
                                  "id"))
        first.setdefault(r.id, node)
    by_id = {r.id: r for r in rows}
    responsible = declared_map(dict(clean(d.get("responsible_units") or {})))
    for r, node in zip(rows, nodes, strict=True):
        rn = names(node)
        weight = by_id.get(r.weight) if r.weight else None
        if r.weight and (weight is None and complete or weight is not None and (
                not weight.is_input or (weight.kind in kinds and not kinds[weight.kind].behaviour.numeric))):
            problems.append(fail(path, node, f"dòng {r.id}: «{rn.field('weight')}» «{r.weight}» không phải dòng "
                                  "nhập số liệu", "weight"))
        weighted = rn.value("aggregate", "weighted_mean")
        if r.aggregate == "weighted_mean" and not r.weight:
            problems.append(fail(path, node, f"dòng {r.id}: «{rn.field('aggregate')}» «{weighted}» cần "
                                  f"«{rn.field('weight')}»", "weight"))
        elif r.weight and r.aggregate != "weighted_mean":
            problems.append(fail(path, node, f"dòng {r.id}: có «{rn.field('weight')}» thì «{rn.field('aggregate')}» "
                                  f"phải là «{weighted}»", "aggregate"))
        if r.responsible and r.responsible not in responsible:
            problems.append(fail(path, node, f"dòng {r.id}: đơn vị phụ trách «{r.responsible}» chưa được khai báo "
                                  f"cho biểu {d.get('id')}; các đơn vị phụ trách: {quoted(responsible)}",
                                  "responsible"))
    rule_nodes = list(d.get("rules") or ())
    rules = [problems.run(path, node, load_rule, path, node, by_id, kinds, complete) for node in rule_nodes]
    check_acyclic(path, [(r, node) for r, node in zip(rules, rule_nodes, strict=True) if r is not None], problems)
    part_fixes = [(part, f) for part in ("title", "footnote", "stt_header")
                  for f in fixes(d.get(f"{part}_fixes"))]
    evidence = [problems.run(path, e, _evidence, path, e) for e in d.get("evidence") or ()]
    form = Form(
        id=d["id"], number=int(d["number"]), version=int(d["version"]), title=d["title"],
        subtitle=d.get("subtitle", ""), footnote=d.get("footnote", ""),
        label_header=d.get("label_header", "Chỉ tiêu"),
        periods=period_sets.get(d.get("periods"), ()), tables=tables,
        rules=tuple(r for r in rules if r is not None),
        columns=columns or Form.columns,
        responsible_header=d.get("responsible_header", ""),
        responsible_units=responsible, fixes=tuple(part_fixes),
        evidence=tuple(e for e in evidence if e is not None), kinds=kinds)
    return form


def _evidence(path: Path, d: dict) -> Evidence:
    n = names(d)
    missing(path, d, ("target", "form", "row", "periods", "compare", "threshold", "decides", "requirement"))
    if d["compare"] not in COMPARISONS:
        raise fail(path, d, f"«{n.field('compare')}» «{d['compare']}» không có; dùng một trong "
                             f"{n.values('compare')}", "compare")
    if d["decides"] not in EVIDENCE_DECIDES:
        raise fail(path, d, f"«{n.field('decides')}» «{d['decides']}» không có; dùng một trong "
                             f"{n.values('decides')}", "decides")
    periods = d["periods"]
    if not isinstance(periods, list) or not periods:
        raise fail(path, d, f"«{n.field('periods')}» phải là danh sách mã kỳ, kỳ ưu tiên trước", "periods")
    threshold = d["threshold"]
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise fail(path, d, f"«{n.field('threshold')}» là «{threshold}», phải là số", "threshold")
    return Evidence(target=str(d["target"]), form=str(d["form"]), row=str(d["row"]),
                    periods=tuple(map(str, periods)), compare=d["compare"], threshold=float(threshold),
                    decides=d["decides"], requirement=str(d["requirement"]))


def check_evidence(path: Path, form: Form, nodes: list, forms: dict[str, Form], declared: Declared,
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
            problems.append(fail(path, node, f"{where}: «{n.field('target')}» không phải dòng đánh giá bằng "
                                  "lựa chọn của biểu", "target"))
        source = forms.get(e.form)
        if source is None:
            if e.form not in declared:
                problems.append(fail(path, node, f"{where}: biểu «{e.form}» không có", "form"))
            continue
        row = next((r for r in source.input_rows if r.id == e.row), None)
        if row is None or kind(source, row) is not None and not kind(source, row).behaviour.measure:
            problems.append(fail(path, node, f"{where}: «{n.field('row')}» không phải dòng số liệu của {e.form}",
                                  "row"))
            continue
        unknown = set(e.periods) - {p.id for p in source.periods}
        if unknown and source.periods:   # no periods: its period set did not load
            problems.append(fail(path, node, f"{where}: kỳ {quoted(sorted(unknown))} không có trong bộ kỳ của "
                                  f"{e.form}", "periods"))


