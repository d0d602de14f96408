"""Load a form's rules: each rule from its spec node, read by its type's fields
(``rules.RULE_TYPES``), and the check that no chain of rules computes a row from itself.
"""
from __future__ import annotations

from pathlib import Path

from .authoring.names import names, quoted
from .ids import rule_id_problem
from .loading import Problems, clean, fail
from .model import SEVERITIES, Kind, Row, Rule
from .rules import RULE_TYPES

RULE_KEYS = ("code", "type", "severity", "short", "message")


def load_rule(path: Path, d: dict, rows: dict[str, Row], kinds: dict[str, Kind], complete: bool) -> Rule:
    """A rule from its spec node, its operands read by its type's fields (rules.RULE_TYPES):
    every field given, each a row (or a list of rows for a ``many`` field) that takes values,
    of a number kind where the field needs numbers; no other key. An operand whose row or
    kind did not load (``complete`` false: a row of the form did not) is not reported again."""
    n = names(d)
    code = d.get("code")
    name = f"quy tắc {code}" if code else "quy tắc"
    if isinstance(code, str) and code.strip() and (problem := rule_id_problem(code)):
        raise fail(path, d, problem, "code")
    rtype = d.get("type")
    meaning = RULE_TYPES.get(rtype) if isinstance(rtype, str) else None
    if meaning is None:
        what = f"«{n.field('type')}» «{rtype}» không có" if rtype else f"thiếu «{n.field('type')}»"
        raise fail(path, d, f"{name}: {what}; dùng một trong {n.values('rule_type')}", "type")
    if d.get("severity") not in SEVERITIES:
        severity = d.get("severity")
        what = f"«{n.field('severity')}» «{severity}» không có" if severity else f"thiếu «{n.field('severity')}»"
        raise fail(path, d, f"{name}: {what}; dùng một trong {n.values('severity')}", "severity")
    for key in RULE_KEYS:
        if not isinstance(d.get(key), str) or not d[key].strip():
            raise fail(path, d, f"{name}: thiếu «{n.field(key)}»", key)
    fields = {f.name: f for f in meaning.fields}
    kind_of = f"loại quy tắc «{n.value('rule_type', rtype)}»"
    extra = [k for k in clean(d) if k not in RULE_KEYS and k not in fields]
    if extra:
        raise fail(path, d, f"{name}: {kind_of} không dùng {quoted(n.field(k) for k in extra)}; để trống "
                             "hoặc chọn đúng loại quy tắc", extra[0])
    operands = []
    for f in meaning.fields:
        value, field = d.get(f.name), n.field(f.name)
        if value is None or value == []:
            raise fail(path, d, f"{name}: thiếu «{field}», {kind_of} cần có", f.name)
        if f.many and not isinstance(value, list):
            raise fail(path, d, f"{name}: «{field}» phải là danh sách mã dòng", f.name)
        if not f.many and isinstance(value, list):
            raise fail(path, d, f"{name}: «{field}» chỉ nhận một dòng, không nhận danh sách", f.name)
        ids = tuple(str(v) for v in (value if f.many else [value]))
        for row_id in ids:
            row = rows.get(row_id)
            if row is None:
                if not complete:
                    continue
                raise fail(path, d, f"{name}: «{field}» dùng dòng «{row_id}» không có trong biểu", f.name)
            if not row.is_input:
                raise fail(path, d, f"{name}: «{field}» dùng dòng «{row_id}» là dòng đề mục, không nhập liệu",
                            f.name)
            if f.numeric and row.kind in kinds and not kinds[row.kind].behaviour.numeric:
                raise fail(path, d, f"{name}: «{field}» dùng dòng «{row_id}» có loại ô «{row.kind}», "
                                     "không phải loại ô số", f.name)
        operands.append((f.name, ids))
    wrong = meaning.shape(dict(operands))
    if wrong is not None:
        raise fail(path, d, f"{name}: «{n.field(wrong[0])}» {wrong[1]}", wrong[0])
    return Rule(code=code, type=rtype, severity=d["severity"], short=d["short"], message=d["message"],
                operands=tuple(operands))


def check_acyclic(path: Path, rules: list[tuple[Rule, dict]], problems: Problems) -> None:
    """Rules computing a row from itself through a chain (PL1.0 from PL1.1, PL1.1 from
    PL1.0) can never all hold but for zeros: one message, at the rule closing the cycle,
    naming every rule of it."""
    edges: dict[str, list[tuple[str, Rule]]] = {}
    order = {rule.code: i for i, (rule, _node) in enumerate(rules)}
    for rule, node in rules:
        for row, sources in RULE_TYPES[rule.type].defines(rule):
            for source in sources:
                edges.setdefault(row, []).append((source, rule))
            path_to = _chain(edges, row)
            if path_to is not None:
                codes = sorted({r.code for r in path_to}, key=order.get)
                field = RULE_TYPES[rule.type].fields[-1].name
                problems.append(fail(path, node, f"quy tắc {rule.code}: các quy tắc {quoted(codes)} tính dòng "
                                                  f"«{row}» từ chính nó (vòng lặp); bỏ dòng đó khỏi một quy tắc",
                                     field))
                for source in sources:   # said once: the cycle is forgotten
                    edges[row].remove((source, rule))


def _chain(edges: dict[str, list[tuple[str, Rule]]], start: str) -> list[Rule] | None:
    """The rules of a chain of ``edges`` leading from ``start`` back to it, or None."""
    stack, seen = [(start, [])], set()
    while stack:
        row, via = stack.pop()
        for source, rule in edges.get(row, ()):
            if source == start:
                return via + [rule]
            if source not in seen:
                seen.add(source)
                stack.append((source, via + [rule]))
    return None
