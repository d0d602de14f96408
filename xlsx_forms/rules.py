"""Meaning of each rule type, side by side: as Python (for the harvester), as an Excel
condition (for the live check in the workbook), and which values a broken rule puts in
doubt (left out of the city totals when the rule is an error). One object per rule type
holds all three, so a new type is one class, never a branch elsewhere. Keep the Python
and Excel meanings in step: tests compare them through LibreOffice's recalculation.

A rule holds for a period when its values are incomplete (missing values are reported
on their own), except ``requires``, where a blank "needs" counts as 0.
"""
from __future__ import annotations

from typing import Callable, Mapping

from .model import Rule

Value = float | int | None
EPSILON = 1e-9
Show = Callable[[object], str]


class RuleType:
    """What one type of rule means. Subclasses define every method."""

    def holds(self, rule: Rule, get: Callable[[str], Value]) -> bool:
        """Whether ``rule`` holds for one period; ``get(row_id)`` is the row's value."""
        raise NotImplementedError

    def condition(self, rule: Rule, cells: list[str]) -> str:
        """Excel expression, TRUE when the rule holds; ``cells`` in ``rule.row_ids`` order."""
        raise NotImplementedError

    def detail(self, rule: Rule, get: Callable[[str], Value], show: Show) -> str:
        """The numbers that break the rule, in Vietnamese, for the harvest's message."""
        raise NotImplementedError


class Sum(RuleType):
    """``total`` = sum of ``parts``. Broken, any of them may be the wrong one."""

    def holds(self, rule, get):
        nums = [get(r) for r in rule.row_ids]
        if any(v is None for v in nums):
            return True
        return abs(nums[0] - sum(nums[1:])) < EPSILON

    def condition(self, rule, cells):
        return f"OR(COUNT({','.join(cells)})<{len(cells)},{cells[0]}=SUM({','.join(cells[1:])}))"

    def detail(self, rule, get, show):
        return f"dòng tổng = {show(get(rule.total))}, cộng các dòng con = {show(sum(get(r) for r in rule.parts))}"



class LessOrEqual(RuleType):
    """``left`` ≤ ``right`` (resolved ≤ received). Broken, either side may be wrong."""

    def holds(self, rule, get):
        left, right = get(rule.left), get(rule.right)
        return left is None or right is None or left <= right + EPSILON

    def condition(self, rule, cells):
        return f"OR(COUNT({cells[0]},{cells[1]})<2,{cells[0]}<={cells[1]})"

    def detail(self, rule, get, show):
        return f"{show(get(rule.left))} > {show(get(rule.right))}"



class Requires(RuleType):
    """``row`` > 0 needs ``needs`` > 0 (a satisfaction rate needs a survey sample).
    Broken, the value is reported without its basis, or the basis is wrong: both rows."""

    def holds(self, rule, get):
        return (get(rule.row) or 0) <= 0 or (get(rule.needs) or 0) > 0

    def condition(self, rule, cells):
        return f"OR(N({cells[0]})<=0,N({cells[1]})>0)"

    def detail(self, rule, get, show):
        return f"{show(get(rule.row))} nhưng giá trị cần có = {show(get(rule.needs) or 0)}"



RULE_TYPES: dict[str, RuleType] = {"sum": Sum(), "le": LessOrEqual(), "requires": Requires()}


def rule_type(rule: Rule) -> RuleType:
    """The meaning of ``rule``'s type (ValueError for an unknown type)."""
    try:
        return RULE_TYPES[rule.type]
    except KeyError:
        raise ValueError(rule.type) from None


def holds(rule: Rule, values: Mapping[str, Value]) -> bool:
    """Whether ``rule`` holds for one period, given each row's value (None if blank)."""
    return rule_type(rule).holds(rule, values.get)


def excel_condition(rule: Rule, addr: Callable[[str], str]) -> str:
    """Excel expression, TRUE when ``rule`` holds; ``addr`` maps a row id to a cell."""
    return rule_type(rule).condition(rule, [addr(r) for r in rule.row_ids])


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
