"""Who gets a reminder, and about what, from a harvest's status.csv and issues.csv (pure:
rows in, cases out). The narrative report (the outline's id, status.csv's "report" column)
counts like an appendix: a unit that never sent it is reminded of it, even with every
appendix in; one whose report came back with errors is told them."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from harvest.issues import Code
from harvest.reconcile import MISSING, WITH_ERRORS
from xlsx_forms.registry import Registry, Unit

from .messages import for_office

# Issues that say "not received": the reminder lists the appendix or report as missing instead.
_NOT_RECEIVED = {Code.R_MISSING, Code.N_MISSING}


@dataclass
class Reminder:
    """What one unit is reminded of: form ids (the report's too) not received; received
    but unusable (form → (reason, problems)); received with errors (form → problems); the
    file received per form (as the office sent it)."""

    unit: Unit
    missing: list[str] = field(default_factory=list)
    unusable: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    wrong: dict[str, list[str]] = field(default_factory=dict)
    sent: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.missing or self.unusable or self.wrong)


def reminders(statuses: list[dict[str, str]], issues: list[dict[str, str]], registry: Registry,
              report_id: str | None) -> list[Reminder]:
    """One Reminder per registered unit with something missing or wrong, in registry order.
    ``report_id``: the narrative report's form id (None when the plan has no outline)."""
    paths = {r["file"] for r in statuses} | {r["file"] for r in issues}   # letters show file names only
    problems = defaultdict(list)
    for row in issues:
        if row["severity"] == "error" and row["code"] not in _NOT_RECEIVED:
            problems[(row["unit_code"], row["form"])].append(for_office(row["message"], paths))
    out = []
    for unit in registry.units:
        mine = [s for s in statuses if s["unit_code"] == unit.code]
        r = Reminder(unit, sent={s["form"]: s["file"] for s in mine if s["file"] and s["status"] != MISSING})
        r.missing = [s["form"] for s in mine if s["status"] == MISSING]
        # Received but unusable (status.csv's reason): never "not submitted".
        r.unusable = {s["form"]: (for_office(s.get("reason") or "", paths), problems[(unit.code, s["form"])])
                      for s in mine if s["status"] == WITH_ERRORS and s.get("reason")}
        r.wrong = {s["form"]: problems[(unit.code, s["form"])] for s in mine
                   if s["status"] == WITH_ERRORS and s["form"] not in r.unusable}
        report = next((s.get("report") or "" for s in mine), "")
        if report_id and report == MISSING:
            r.missing.append(report_id)
        elif report_id and report == WITH_ERRORS:
            r.wrong[report_id] = problems[(unit.code, report_id)]
            got = next((i["file"] for i in issues if (i["unit_code"], i["form"]) == (unit.code, report_id)
                        and i["file"]), "")
            if got:
                r.sent[report_id] = got
        if r:
            out.append(r)
    return out
