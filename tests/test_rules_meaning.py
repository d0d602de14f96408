"""The Excel meaning of every rule type against its Python meaning, without LibreOffice:
each type's condition is evaluated (tests/excel_eval.py) on a generated table of inputs
(blanks, zeros, equal, off by one, decimals whose sums are not exact in binary) and must
agree with ``holds``; the live-check formula must agree with ``status_value``. The office
tests check the same through LibreOffice's recalculation."""
from __future__ import annotations

import itertools
import random

import pytest

from samples.fill import valid_values
from tests.excel_eval import Unsupported, evaluate
from xlsx_forms import rules
from xlsx_forms.layout import form_layout
from xlsx_forms.model import Rule
from xlsx_forms.rules import RULE_TYPES

# Values a clerk may leave in a cell: blank, zero, small counts (equal and off by one),
# decimals typed with one or two places (0.1 + 0.2 is not 0.3 in binary).
VALUES = (None, 0, 1, 2, 3, 0.1, 0.2, 0.3, 2.25, 3.25, 5.5, 1000000.01)
FEW = (None, 0, 1, 2, 0.1, 0.2, 0.3)


def _rule(rtype: str, many: int = 2, code: str = "X", short: str = "x") -> Rule:
    """A rule of ``rtype`` on rows A, B, C…, a many-field taking ``many`` rows."""
    names = iter("ABCDEFGH")
    operands = tuple((f.name, tuple(next(names) for _ in range(many if f.many else 1)))
                     for f in RULE_TYPES[rtype].fields)
    return Rule(code=code, type=rtype, severity="error", short=short, message="m", operands=operands)


def _cases(rtype: str):
    """Every assignment of VALUES to the rows of a rule of ``rtype`` (many-fields of 1 to 3 rows)."""
    has_many = any(f.many for f in RULE_TYPES[rtype].fields)
    for many in (1, 2, 3) if has_many else (1,):
        rule = _rule(rtype, many)
        pool = VALUES if len(rule.row_ids) <= 3 else FEW   # keep the product small
        for values in itertools.product(pool, repeat=len(rule.row_ids)):
            yield rule, dict(zip(rule.row_ids, values, strict=True))


@pytest.mark.parametrize("rtype", sorted(RULE_TYPES))
def test_excel_condition_means_what_holds_means(rtype):
    checked, broken, disagree = 0, 0, []
    for rule, values in _cases(rtype):
        cells = {f"{r}1": v for r, v in values.items()}
        excel = evaluate(rules.excel_condition(rule, lambda r: f"{r}1"), cells)
        python = rules.holds(rule, values)
        checked += 1
        broken += not python
        if excel is not python:
            disagree.append((rule.row_ids, values, excel, python))
    assert disagree == [], disagree[:5]
    assert checked >= len(VALUES) ** 2 and broken > 10   # the table did break rules


@pytest.mark.parametrize("rtype", sorted(RULE_TYPES))
def test_the_filler_makes_every_rule_hold(rtype):
    """``satisfy`` on values every row has: the rule holds after, and nothing changes when
    it held already."""
    for rule, values in _cases(rtype):
        if None in values.values():
            continue
        meaning = RULE_TYPES[rtype]
        changes = meaning.satisfy(rule, values.get)
        if meaning.holds(rule, values.get):
            assert changes == {}
        else:
            assert changes and set(changes) <= set(rule.row_ids)
            assert meaning.holds(rule, {**values, **changes}.get), (rule, values, changes)
            assert isinstance(meaning.detail(rule, values.get, str), str)


@pytest.mark.parametrize("rtype", sorted(RULE_TYPES))
def test_each_type_is_complete(rtype):
    meaning = RULE_TYPES[rtype]
    assert meaning.id == rtype and meaning.label and meaning.description
    assert meaning.fields and not meaning.fields[0].many   # the anchor is one row
    assert len({f.name for f in meaning.fields}) == len(meaning.fields)
    assert all(f.label for f in meaning.fields)
    assert set(meaning.in_doubt(_rule(rtype))) <= set(_rule(rtype).row_ids)
    labels = [t.label for t in RULE_TYPES.values()]
    assert len(set(labels)) == len(labels)   # a drop-down of distinct names


def _status_cases(seed: int):
    """Checks of several rules over two periods, with values drawn from VALUES."""
    rnd = random.Random(seed)
    chosen = [_rule(t, many=rnd.randint(1, 3), code=f"R{i}", short=f"Quy tắc {i}")
              for i, t in enumerate(rnd.sample(sorted(RULE_TYPES) * 2, rnd.randint(1, 4)))]
    periods = ("1", "2")
    checks = tuple((rule, periods[:rnd.randint(1, 2)]) for rule in chosen)
    values = {(r, p): rnd.choice(VALUES) for rule in chosen for r in rule.row_ids for p in periods}
    return checks, values


@pytest.mark.parametrize("seed", range(300))
def test_status_formula_evaluates_to_status_value(seed):
    checks, values = _status_cases(seed)
    cells = {f"{r}{p}": v for (r, p), v in values.items()}
    formula = rules.status_formula(checks, lambda r, p: f"{r}{p}")
    assert evaluate(formula, cells) == rules.status_value(checks, lambda r, p: values.get((r, p)))


def test_live_checks_of_the_embedded_plan_evaluate_as_written(catalogue, registry):
    """The formulas the writer puts in each form, on filled values with rules broken on
    purpose (a value off by one, or left blank), give the text the writer caches."""
    rnd = random.Random(7)
    checked = broken = 0
    for unit in registry.units:
        for form_id in unit.forms:
            form = catalogue.form(form_id)
            layout = form_layout(form)
            values = valid_values(form, unit.code, rnd)
            for rule in form.rules:   # off by one, or a cell left blank, in one period
                key = (rnd.choice(rule.row_ids), rnd.choice(form.periods).id)
                if key in values and rnd.random() < 0.6:
                    values[key] = values[key] + 1 if rnd.random() < 0.7 else None
            cells = {layout.input_at(r, p).a1: v for (r, p), v in values.items()}
            for st in layout.statuses:
                formula = rules.status_formula(st.checks, lambda r, p, layout=layout: layout.input_at(r, p).a1)
                expected = rules.status_value(st.checks, lambda r, p, values=values: values.get((r, p)))
                assert evaluate(formula, cells) == expected, (form_id, unit.code, st.row)
                checked += 1
                broken += expected != rules.CHECK_OK
    assert checked > 50 and broken > 5


@pytest.mark.parametrize("formula, cells, expected", [
    ("=A1=0", {}, True),                       # a blank is 0 next to a number
    ('=A1=""', {}, True),                      # … and "" next to a text
    ("=COUNT(A1,B1,C1)", {"A1": 1, "B1": "x"}, 1),
    ("=SUM(A1,B1)", {"A1": 2, "B1": "x"}, 2),
    ("=N(A1)+N(B1)", {"A1": "x"}, 0),
    ('=A1>5', {"A1": "x"}, True),              # a text is above every number
    ("=0.1+0.2=0.3", {}, True),                # equal to 15 digits
    ("=1=1.0001", {}, False),
    ('=TRIM("  a  b ")&"c"', {}, "a bc"),
    ('=IF(AND(TRUE,OR(FALSE,A1<=B1)),"OK","no")', {"A1": 2, "B1": 2}, "OK"),
    ('="x ""y"""', {}, 'x "y"'),
])
def test_the_evaluator_knows_excel(formula, cells, expected):
    assert evaluate(formula, cells) == expected


@pytest.mark.parametrize("formula", ["=VLOOKUP(A1,B1,1)", "=A1:B2", "=1+"])
def test_the_evaluator_refuses_what_it_does_not_know(formula):
    with pytest.raises((Unsupported, IndexError)):
        evaluate(formula, {})
