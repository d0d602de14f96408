"""Meaning of each rule type, twice and side by side: as Python (for the harvester) and as
an Excel condition (for the live check in the workbook). Keep the two in step: tests
compare them through LibreOffice's recalculation.

A rule holds for a period when its values are incomplete (missing values are reported
on their own), except ``requires``, where a blank "needs" counts as 0.
"""
from __future__ import annotations

from typing import Callable, Mapping

from .model import Rule

Value = float | int | None
EPSILON = 1e-9


def holds(rule: Rule, values: Mapping[str, Value]) -> bool:
    """Whether ``rule`` holds for one period, given each row's value (None if blank)."""
    get = values.get
    if rule.type == "sum":
        nums = [get(r) for r in rule.row_ids]
        if any(v is None for v in nums):
            return True
        return abs(nums[0] - sum(nums[1:])) < EPSILON
    if rule.type == "le":
        left, right = get(rule.left), get(rule.right)
        return left is None or right is None or left <= right + EPSILON
    if rule.type == "requires":
        return (get(rule.row) or 0) <= 0 or (get(rule.needs) or 0) > 0
    raise ValueError(rule.type)


def excel_condition(rule: Rule, addr: Callable[[str], str]) -> str:
    """Excel expression, TRUE when ``rule`` holds; ``addr`` maps a row id to a cell."""
    cells = [addr(r) for r in rule.row_ids]
    if rule.type == "sum":
        return f"OR(COUNT({','.join(cells)})<{len(cells)},{cells[0]}=SUM({','.join(cells[1:])}))"
    if rule.type == "le":
        return f"OR(COUNT({cells[0]},{cells[1]})<2,{cells[0]}<={cells[1]})"
    if rule.type == "requires":
        return f"OR(N({cells[0]})<=0,N({cells[1]})>0)"
    raise ValueError(rule.type)


def status_formula(checks: tuple[tuple[Rule, tuple[str, ...]], ...],
                   addr: Callable[[str, str], str]) -> str:
    """Formula of a live-check cell: "OK", or the short text of each broken rule.

    ``checks`` pairs rules with the periods they are tested on; ``addr(row_id, period)``
    gives a cell address.
    """
    conds = []
    for rule, periods in checks:
        parts = [excel_condition(rule, lambda r, p=p: addr(r, p)) for p in periods]
        conds.append((rule, parts[0] if len(parts) == 1 else f"AND({','.join(parts)})"))
    texts = "&".join(f'IF({c},"",{_quote(r.short + ". ")})' for r, c in conds)
    return f'=IF(AND({",".join(c for _, c in conds)}),"OK",TRIM({texts}))'


def status_value(checks: tuple[tuple[Rule, tuple[str, ...]], ...],
                 value: Callable[[str, str], Value]) -> str:
    """What the live-check formula evaluates to, given ``value(row_id, period)``: written as
    the formula's cached result, so that a viewer that does not recalculate (LibreOffice
    by default) shows the truth for a pre-filled workbook."""
    broken = [rule.short + "." for rule, periods in checks
              if not all(holds(rule, {r: value(r, p) for r in rule.row_ids}) for p in periods)]
    return " ".join(broken) if broken else "OK"


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
