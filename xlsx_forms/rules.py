"""Rule types, one class each, holding everything a type means: its operands (the fields
a rule of the type names, with their Vietnamese labels for the authoring workbook), its
Vietnamese name, its meaning in Python (for the harvester) and as an Excel condition (for
the live check in the workbook), the numbers quoted when it breaks, the rows a broken
rule puts in doubt (left out of the city totals when the rule is an error), and how the
sample filler makes a period satisfy it. A new type is one class added to ``RULE_TYPES``;
the loader, the harvester, the writer and the filler only ask this table.

Keep the Python and Excel meanings in step: tests compare them with a small evaluator of
the Excel subset used here (tests/excel_eval.py) and through LibreOffice's recalculation.

A rule holds for a period when its values are incomplete (missing values are reported
on their own), except ``requires``, where a blank "needs" counts as 0.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .model import Rule

Value = float | int | None
Get = Callable[[str], Value]
EPSILON = 1e-9
Show = Callable[[object], str]


@dataclass(frozen=True)
class Field:
    """One operand of a rule type: the key in the spec, one row or a list of rows, and
    its Vietnamese label (a column of the authoring workbook's rule sheet)."""

    name: str
    label: str
    many: bool = False
    numeric: bool = True   # its rows must hold numbers (not ratings, not text)


class RuleType:
    """What one type of rule means. Subclasses set the class attributes and define
    ``holds``, ``condition``, ``detail`` and ``repair``."""

    id: str                     # the ``type`` of a rule in a spec
    label: str                  # Vietnamese name, the authoring workbook's drop-down
    description: str            # Vietnamese, one sentence, for the authoring workbook's guide
    fields: tuple[Field, ...]   # in order: the first field's first row is the rule's anchor

    def holds(self, rule: Rule, get: Get) -> bool:
        """Whether ``rule`` holds for one period; ``get(row_id)`` is the row's value."""
        raise NotImplementedError

    def condition(self, rule: Rule, cell: Callable[[str], str]) -> str:
        """Excel expression, TRUE when the rule holds; ``cell(row_id)`` is an address."""
        raise NotImplementedError

    def detail(self, rule: Rule, get: Get, show: Show) -> str:
        """The numbers that break the rule, in Vietnamese, for the harvest's message."""
        raise NotImplementedError

    def shape(self, operands: Mapping[str, tuple[str, ...]]) -> tuple[str, str] | None:
        """(field name, Vietnamese problem) when the row ids of the operands cannot make a
        rule of this type (checked at load); None when they can. By default: no row
        twice in a list."""
        for f in self.fields:
            ids = operands.get(f.name, ())
            twice = next((r for i, r in enumerate(ids) if r in ids[:i]), None)
            if twice is not None:
                return f.name, f"ghi dòng «{twice}» hai lần; mỗi dòng chỉ ghi một lần"
        return None

    def defines(self, rule: Rule) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(row, rows it is computed from) for each row the rule computes: the loader
        refuses rules of a form computing a row from itself, through any chain."""
        return ()

    def in_doubt(self, rule: Rule) -> tuple[str, ...]:
        """The rows a broken rule puts in doubt. A broken rule cannot tell which of the
        values it reads is wrong, so by default: all of them."""
        return rule.row_ids

    def repair(self, rule: Rule, get: Get) -> dict[str, Value]:
        """New values for some of the rule's rows that make a broken rule hold, every
        row having a value (the sample filler's way: change the fewest rows)."""
        raise NotImplementedError

    def satisfy(self, rule: Rule, get: Get) -> dict[str, Value]:
        """The changes that make ``rule`` hold: none when it holds already."""
        return {} if self.holds(rule, get) else self.repair(rule, get)


class Sum(RuleType):
    """``total`` = sum of ``parts``."""

    id, label = "sum", "Tổng bằng"
    description = "Dòng tổng bằng tổng các dòng thành phần."
    fields = (Field("total", "Dòng tổng"), Field("parts", "Các dòng thành phần", many=True))

    def shape(self, operands):
        total = operands.get("total", ())
        if total and total[0] in operands.get("parts", ()):
            return "parts", f"có dòng tổng «{total[0]}»: dòng tổng không là thành phần của chính nó"
        return super().shape(operands)

    def defines(self, rule):
        return ((rule.operand("total"), rule.rows_of("parts")),)

    def holds(self, rule, get):
        total, parts = get(rule.operand("total")), [get(r) for r in rule.rows_of("parts")]
        if total is None or None in parts:
            return True
        return abs(total - sum(parts)) < EPSILON

    def condition(self, rule, cell):
        total, parts = cell(rule.operand("total")), [cell(r) for r in rule.rows_of("parts")]
        return f"OR(COUNT({total},{','.join(parts)})<{len(parts) + 1},{total}=SUM({','.join(parts)}))"

    def detail(self, rule, get, show):
        parts = sum(get(r) for r in rule.rows_of("parts"))
        return f"dòng tổng = {show(get(rule.operand('total')))}, cộng các dòng con = {show(parts)}"

    def repair(self, rule, get):
        return {rule.operand("total"): sum(get(r) for r in rule.rows_of("parts"))}


class _Compare(RuleType):
    """``left`` compared with ``right``; holds when either is blank."""

    excel: str      # the comparison holding, in Excel
    broken: str     # the comparison shown when broken

    def holds(self, rule, get):
        left, right = get(rule.operand("left")), get(rule.operand("right"))
        return left is None or right is None or self._ok(left, right)

    def _ok(self, left: float, right: float) -> bool:
        raise NotImplementedError

    def condition(self, rule, cell):
        left, right = cell(rule.operand("left")), cell(rule.operand("right"))
        return f"OR(COUNT({left},{right})<2,{left}{self.excel}{right})"

    def detail(self, rule, get, show):
        return f"{show(get(rule.operand('left')))} {self.broken} {show(get(rule.operand('right')))}"

    def repair(self, rule, get):
        return {rule.operand("left"): get(rule.operand("right"))}


class LessOrEqual(_Compare):
    """``left`` ≤ ``right`` (resolved ≤ received)."""

    id, label = "le", "Không lớn hơn"
    description = "Dòng thứ nhất không lớn hơn dòng thứ hai (ví dụ: số đã giải quyết ≤ số đã tiếp nhận)."
    fields = (Field("left", "Dòng không lớn hơn"), Field("right", "Dòng so sánh"))
    excel, broken = "<=", ">"

    def _ok(self, left, right):
        return left <= right + EPSILON


class GreaterOrEqual(_Compare):
    """``left`` ≥ ``right`` (samples surveyed ≥ services surveyed)."""

    id, label = "ge", "Không nhỏ hơn"
    description = "Dòng thứ nhất không nhỏ hơn dòng thứ hai (ví dụ: số mẫu khảo sát ≥ số dịch vụ được khảo sát)."
    fields = (Field("left", "Dòng không nhỏ hơn"), Field("right", "Dòng so sánh"))
    excel, broken = ">=", "<"

    def _ok(self, left, right):
        return left + EPSILON >= right


class Requires(RuleType):
    """``row`` > 0 needs ``needs`` > 0 (a satisfaction rate needs a survey sample);
    a blank counts as 0."""

    id, label = "requires", "Cần có"
    description = ("Dòng thứ nhất lớn hơn 0 thì dòng thứ hai cũng phải lớn hơn 0 (ví dụ: có tỷ lệ hài lòng "
                   "thì phải có số mẫu khảo sát).")
    fields = (Field("row", "Dòng có số liệu"), Field("needs", "Dòng cần có số liệu"))

    def holds(self, rule, get):
        return (get(rule.operand("row")) or 0) <= 0 or (get(rule.operand("needs")) or 0) > 0

    def condition(self, rule, cell):
        return f"OR(N({cell(rule.operand('row'))})<=0,N({cell(rule.operand('needs'))})>0)"

    def detail(self, rule, get, show):
        row, needs = get(rule.operand("row")), get(rule.operand("needs"))
        return f"{show(row)} nhưng giá trị cần có = {show(needs or 0)}"

    def repair(self, rule, get):
        needs = rule.operand("needs")
        return {needs: max(1, get(needs) or 0)}


RULE_TYPES: dict[str, RuleType] = {t.id: t for t in (Sum(), LessOrEqual(), GreaterOrEqual(), Requires())}


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
    return rule_type(rule).condition(rule, addr)


# What a live check shows when every rule holds, and when a number was typed as text (which
# every rule would otherwise pass over: COUNT and SUM skip text, so "1.200" looks blank).
CHECK_OK = "Khớp"
TEXT_TYPED = "Có ô nhập chữ thay vì số."
_ARGS = 200   # cell references per COUNT/COUNTA call (Excel allows 255 arguments)


def _cells(checks: tuple[tuple[Rule, tuple[str, ...]], ...]) -> list[tuple[str, str]]:
    """Every (row id, period) the checks read, once, in order."""
    return list(dict.fromkeys((r, p) for rule, periods in checks for p in periods for r in rule.row_ids))


def _counted(fn: str, refs: list[str]) -> str:
    return "+".join(f"{fn}({','.join(refs[i:i + _ARGS])})" for i in range(0, len(refs), _ARGS))


def status_formula(checks: tuple[tuple[Rule, tuple[str, ...]], ...],
                   addr: Callable[[str, str], str]) -> str:
    """Formula of a live-check cell: CHECK_OK, or what is wrong: TEXT_TYPED when a cell the
    checks read holds text, then the short text of each broken rule.

    ``checks`` pairs rules with the periods they are tested on; ``addr(row_id, period)``
    gives a cell address.
    """
    conds = []
    for rule, periods in checks:
        parts = [excel_condition(rule, lambda r, p=p: addr(r, p)) for p in periods]
        conds.append((rule, parts[0] if len(parts) == 1 else f"AND({','.join(parts)})"))
    refs = [addr(r, p) for r, p in _cells(checks)]
    numbers_only = f"{_counted('COUNTA', refs)}={_counted('COUNT', refs)}"
    texts = "&".join([f'IF({numbers_only},"",{_quote(TEXT_TYPED + " ")})'] +
                     [f'IF({c},"",{_quote(r.short + ". ")})' for r, c in conds])
    return f'=IF(AND({numbers_only},{",".join(c for _, c in conds)}),{_quote(CHECK_OK)},TRIM({texts}))'


def status_value(checks: tuple[tuple[Rule, tuple[str, ...]], ...],
                 value: Callable[[str, str], object]) -> str:
    """What the live-check formula evaluates to, given ``value(row_id, period)`` (a number,
    a text, or None for a blank): written as the formula's cached result, so that a viewer
    that does not recalculate (LibreOffice by default) shows the truth for a pre-filled
    workbook."""
    def number(r: str, p: str) -> Value:
        v = value(r, p)
        return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    typed = any(isinstance(value(r, p), str) for r, p in _cells(checks))
    broken = [TEXT_TYPED] if typed else []
    broken += [rule.short + "." for rule, periods in checks
               if not all(holds(rule, {r: number(r, p) for r in rule.row_ids}) for p in periods)]
    return " ".join(broken) if broken else CHECK_OK


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
