"""PL8 against the evidence: a target's rating checked against the city's own consolidated
figures, by the evidence rules of the specs (``evidence`` in pl8.yaml, model.Evidence).

A rating of Đạt that a figure contradicts (P-PL8-CONTRADICTED), and a rating of Không đạt
where a figure that measures the whole target shows it met (P-PL8-UNDERRATED), are warnings
at the rating's cell in the responsible unit's file, naming the figure. A target without a
city figure (no unit reported it) or without a rating is left to judgement.
"""
from __future__ import annotations

from collections.abc import Mapping

from xlsx_forms.model import COMPARISONS, Catalogue, Evidence, Form

from .consolidate import CityValue
from .issues import Code, Issue, issue
from .plausibility import Finding, num_text
from .process import FileResult


class EvidenceCheck:
    """The evidence rules of the forms that have them (PL8), checked on city values."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.met, self.not_met = catalogue.kinds["rating"].choices[:2]   # Đạt, Không đạt

    def _figure(self, e: Evidence, city: Mapping[str, Mapping[tuple[str, str], CityValue]]):
        """(period, value) of the latest of the rule's periods the city has a number for."""
        values = city.get(e.form, {})
        for period in e.periods:
            cv = values.get((e.row, period))
            if cv is not None and isinstance(cv.value, (int, float)) and not isinstance(cv.value, bool):
                return period, cv.value
        return None

    def check(self, form: Form, city: Mapping[str, Mapping[tuple[str, str], CityValue]]) -> list[Finding]:
        """Findings for ``form``'s ratings (read from ``city``) against its evidence rules."""
        found = []
        (period_id,) = [p.id for p in form.periods]   # an assessment form has one column
        for e in form.evidence:
            rating = city.get(form.id, {}).get((e.target, period_id))
            figure = self._figure(e, city)
            if rating is None or figure is None or rating.value not in (self.met, self.not_met):
                continue
            period, value = figure
            met = e.met(value)
            if rating.value == self.met and not met:
                code = Code.P_PL8_CONTRADICTED
            elif rating.value == self.not_met and met and e.decides == "both":
                code = Code.P_PL8_UNDERRATED
            else:
                continue
            target = form.row(e.target)
            source = self.catalogue.form(e.form)
            row = source.row(e.row)
            unit = "%" if row.unit == "%" else f" {row.unit}" if row.unit else ""
            label = next(p.label for p in source.periods if p.id == period)
            found.append(Finding(code, target.responsible or "", form.id, (e.target, period_id), {
                "target": target.stt.rstrip("."), "requirement": e.requirement,
                "figure": f"Phụ lục {source.number}, «{row.label}», {label}: {num_text(value)}{unit}",
                "needed": f"cần {COMPARISONS[e.compare]} {num_text(e.threshold)}{unit}"}))
        return found


def run(catalogue: Catalogue, city: Mapping[str, Mapping[tuple[str, str], CityValue]],
        used: Mapping[tuple[str, str], FileResult]) -> list[Issue]:
    """The PL8-evidence warnings of a harvest, at the rating's cell in the used file."""
    check = EvidenceCheck(catalogue)
    issues = []
    for form in catalogue.forms.values():
        for f in check.check(form, city) if form.evidence else ():
            result = used.get((f.unit, f.form))
            if result is None:
                continue   # unreachable: a rating in the city values came from this file
            issues.append(issue(f.code, unit=f.unit, form=f.form, file=result.rel, sheet=result.sheet,
                                cell=result.values[f.key].cell, **f.fields))
    return issues
