"""Rule semantics in Python: a table of values → holds or not."""
from __future__ import annotations

import pytest

from xlsx_forms.model import Rule
from xlsx_forms.rules import excel_condition, holds, status_formula


def _rule(rtype: str, code: str, short: str = "s", severity: str = "error", **operands) -> Rule:
    return Rule(code=code, type=rtype, severity=severity, short=short, message="m",
                operands=tuple((k, tuple(v) if isinstance(v, tuple) else (v,)) for k, v in operands.items()))


SUM = _rule("sum", "S", total="T", parts=("A", "B"))
LE = _rule("le", "L", "l", left="A", right="B")
GE = _rule("ge", "G", "g", left="A", right="B")
REQ = _rule("requires", "R", "r", row="A", needs="B")


@pytest.mark.parametrize("rule, values, expected", [
    (SUM, {"T": 5, "A": 2, "B": 3}, True),
    (SUM, {"T": 6, "A": 2, "B": 3}, False),
    (SUM, {"T": 0, "A": 0, "B": 0}, True),
    (SUM, {"T": 5, "A": 2}, True),            # incomplete: reported as missing, not as a sum error
    (SUM, {"T": 5.5, "A": 2.25, "B": 3.25}, True),
    (LE, {"A": 3, "B": 3}, True),
    (LE, {"A": 4, "B": 3}, False),
    (LE, {"A": 4}, True),
    (LE, {"B": 0, "A": 0}, True),
    (GE, {"A": 3, "B": 3}, True),
    (GE, {"A": 2, "B": 3}, False),
    (GE, {"A": 2}, True),
    (GE, {"A": 0.30000000000000004, "B": 0.1 + 0.2}, True),
    (REQ, {"A": 85, "B": 120}, True),
    (REQ, {"A": 85, "B": 0}, False),
    (REQ, {"A": 85}, False),                   # a blank "needs" counts as none
    (REQ, {"A": 0}, True),
    (REQ, {}, True),
])
def test_holds(rule, values, expected):
    assert holds(rule, values) is expected


@pytest.mark.parametrize("rule, expected", [
    (SUM, "OR(COUNT(T1,A1,B1)<3,T1=SUM(A1,B1))"),
    (LE, "OR(COUNT(A1,B1)<2,A1<=B1)"),
    (GE, "OR(COUNT(A1,B1)<2,A1>=B1)"),
    (REQ, "OR(N(A1)<=0,N(B1)>0)"),
])
def test_excel_condition(rule, expected):
    assert excel_condition(rule, lambda r: f"{r}1") == expected


def test_status_formula_names_each_broken_rule_and_quotes_text():
    quoted = _rule("le", "Q", 'Có "ngoặc"', "warning", left="A", right="B")
    formula = status_formula(((LE, ("1", "2")), (quoted, ("1",))), lambda r, p: f"{r}{p}")
    assert formula.startswith("=IF(AND(COUNTA(A1,B1,A2,B2)=COUNT(A1,B1,A2,B2),"
                              "AND(OR(COUNT(A1,B1)<2,A1<=B1),OR(COUNT(A2,B2)<2,A2<=B2))")
    assert '"Khớp"' in formula and '"l. "' in formula and '"Có ""ngoặc"". "' in formula
