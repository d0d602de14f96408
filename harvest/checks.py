"""The spec's consistency rules, evaluated on one file's values (never on cached formulas).

A broken rule is an issue at its anchor cell, and a mark on the values it puts in doubt
(its type says which: ``RuleType.in_doubt``, every row it reads): an error rule leaves
them out of every total (status = the rule's code), a warning rule flags them.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from xlsx_forms import rules
from xlsx_forms.layout import form_layout
from xlsx_forms.model import Form, Period, Rule

from .cellstore import CellStore
from .cellvalues import show
from .issues import ERROR, Issue, issue


def broken_rules(form: Form, values: Mapping[tuple[str, str], object],
                 unusable: set[tuple[str, str]]) -> Iterator[tuple[Rule, Period, dict]]:
    """(rule, period, its values) for every rule and period where the rule does not hold.
    A period where one of the rule's cells is ``unusable`` (already an error) is skipped:
    one wrong cell gives one error, not a cascade."""
    for rule in form.rules:
        meaning = rules.rule_type(rule)
        for period in form.periods:
            if unusable and any((r, period.id) in unusable for r in rule.row_ids):
                continue
            v = {r: values.get((r, period.id)) for r in rule.row_ids}
            if not meaning.holds(rule, v.get):
                yield rule, period, v


def check_rules(form: Form, store: CellStore, *, unit: str, file: str) -> list[Issue]:
    """An issue per rule and period where the rule does not hold, at the anchor's cell
    (where the value really was: rows of a file may have moved), marking the values the
    broken rule puts in doubt: an error rule leaves them out of the totals and a warning
    rule flags them."""
    found = []

    def address(key):   # only asked for a broken rule
        return store[key].cell

    for rule, period, v in broken_rules(form, store.usable(), store.unusable()):
        found.append(_issue(form, rule, period, v, unit, file, address))
        mark = store.exclude if rule.severity == ERROR else store.flag
        for row_id in rules.rule_type(rule).in_doubt(rule):
            mark((row_id, period.id), rule.code)
    return found


def _issue(form: Form, rule: Rule, period: Period, v: dict, unit: str, file: str, address) -> Issue:
    layout = form_layout(form)
    detail = rules.rule_type(rule).detail(rule, v.get, show)
    return issue(rule.code, unit=unit, form=form.id, file=file, sheet=layout.sheet_name,
                 cell=address((rule.anchor, period.id)),
                 severity=rule.severity, text=f"{rule.message} ({period.label}: {detail}).")
