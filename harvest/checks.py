"""The spec's consistency rules, evaluated on one file's values (never on cached formulas)."""
from __future__ import annotations

from typing import Callable, Mapping

from xlsx_forms import rules
from xlsx_forms.layout import form_layout
from xlsx_forms.model import Form, Rule

from .cellvalues import show
from .issues import Issue, issue


def _detail(rule: Rule, v: Mapping[str, object]) -> str:
    if rule.type == "sum":
        parts = sum(v[r] for r in rule.parts)
        return f"dòng tổng = {show(v[rule.total])}, cộng các dòng con = {show(parts)}"
    if rule.type == "le":
        return f"{show(v[rule.left])} > {show(v[rule.right])}"
    return f"{show(v.get(rule.row))} nhưng giá trị cần có = {show(v.get(rule.needs) or 0)}"


def rule_issues(form: Form, values: Mapping[tuple[str, str], object], *, unit: str, file: str,
                unusable: set[tuple[str, str]] = frozenset(),
                address: Callable[[tuple[str, str]], str] | None = None) -> list[Issue]:
    """An issue per rule and period where the rule does not hold, at the anchor's cell.
    A period where one of the rule's cells is ``unusable`` (already an error) is skipped:
    one wrong cell gives one error, not a cascade. ``address`` says where a value really
    was (rows of a file may have moved); by default the layout's cell."""
    layout = form_layout(form)
    found = []
    for rule in form.rules:
        for period in form.periods:
            if any((r, period.id) in unusable for r in rule.row_ids):
                continue
            v = {r: values.get((r, period.id)) for r in rule.row_ids}
            if rules.holds(rule, v):
                continue
            text = f"{rule.message} ({period.label}: {_detail(rule, v)})."
            found.append(issue(rule.code, unit=unit, form=form.id, file=file, sheet=layout.sheet_name,
                               cell=address((rule.anchor, period.id)) if address
                               else layout.input_at(rule.anchor, period.id).a1,
                               severity=rule.severity, text=text))
    return found
