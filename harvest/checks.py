"""The spec's consistency rules, evaluated on one file's values (never on cached formulas).

A broken rule is an issue at its anchor cell, and a mark on the values it puts in doubt
(its type says which: ``RuleType.in_doubt``, every row it reads): an error rule leaves
them out of every total (status = the rule's code), a warning rule flags them.

A value left out for any reason also takes out, for its unit and period, the other values
of every rule that reads it (``V-RULE-LINKED``, ``exclude_linked``): the rule cannot be
checked there, and a city total that counted the unit's total but not its left-out part
would disagree with the sum of its parts with nothing to say so. This is decided here, on
the file, so that values.csv, the per-unit sheets and every count say what the city
figures leave out.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from xlsx_forms import rules
from xlsx_forms.layout import form_layout
from xlsx_forms.model import Form, Period, Rule

from .cellstore import CellStore
from .cellvalues import show
from .issues import ERROR, Code, Issue, issue


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


def linked_out(form: Form, usable: Mapping[tuple[str, str], object],
               left_out: Mapping[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """The usable values of one unit that do not count because another value of the same
    rule and period is left out (``left_out``): (row, period) → ``V-RULE-LINKED``. A row
    in several rules (a total that is a part of another) carries the exclusion on, and a
    weighted value goes with its weight."""
    found: dict[tuple[str, str], str] = {}
    weighted = [row for row in form.input_rows if row.weight]
    changed = bool(left_out)
    while changed:
        changed = False
        for rule in form.rules:
            for period in form.periods:
                keys = [(r, period.id) for r in rule.row_ids]
                if any(k in left_out or k in found for k in keys):
                    for k in keys:
                        if k in usable and k not in found:
                            found[k] = Code.V_RULE_LINKED.value
                            changed = True
        for row in weighted:
            for period in form.periods:
                key = (row.id, period.id)
                if (row.weight, period.id) in found and key in usable and key not in found:
                    found[key] = Code.V_RULE_LINKED.value
                    changed = True
    return found


def exclude_linked(form: Form, store: CellStore) -> None:
    """Leave out of every total, with ``V-RULE-LINKED``, the values ``linked_out`` names
    (after the rules and the weights have left theirs out)."""
    if not form.rules:
        return
    left_out = store.left_out()
    if left_out:
        for key, code in linked_out(form, store.usable(), left_out).items():
            store.exclude(key, code)
