"""Per reporting unit and form: which file counts, which were superseded, who is missing.

The outcome depends only on the files' contents and saved times, never on their names or
the order they were found in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from xlsx_forms.registry import Registry

from .cellvalues import show
from .issues import Issue, issue
from .process import FileResult

LOCAL = timezone(timedelta(hours=7))   # Vietnam: deadlines are local days
SUBMITTED, WITH_ERRORS, MISSING, LATE, NOT_ASSIGNED = (
    "Đã nộp", "Có lỗi", "Chưa nộp", "Nộp muộn", "Không được giao")
USED, SUPERSEDED, DUPLICATE, REJECTED = "used", "superseded", "duplicate", "rejected"
MAX_CHANGES = 12


@dataclass(frozen=True, slots=True)
class Status:
    """One line of the submission-status sheet."""

    unit: str
    form: str
    status: str
    file: str = ""
    saved_at: datetime | None = None
    errors: int = 0
    warnings: int = 0
    preparer: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class Reconciliation:
    """The chosen file per (unit, form), every file's outcome, statuses, extra issues."""

    used: dict[tuple[str, str], FileResult] = field(default_factory=dict)
    outcomes: dict[str, tuple[str, str]] = field(default_factory=dict)   # rel -> (outcome, reason)
    statuses: list[Status] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def unit_tally(self) -> tuple[int, int, int]:
        """(units that returned every assigned form without errors, units with errors,
        units still missing a form), over the forms each unit was assigned."""
        by_unit: dict[str, set[str]] = {}
        for s in self.statuses:
            if s.status != NOT_ASSIGNED:
                by_unit.setdefault(s.unit, set()).add(s.status)
        return (sum(st <= {SUBMITTED, LATE} for st in by_unit.values()),
                sum(WITH_ERRORS in st for st in by_unit.values()),
                sum(MISSING in st for st in by_unit.values()))


def saved_time(r: FileResult) -> datetime:
    """The workbook's own saved time, else the file's modification time (UTC)."""
    if r.saved_at is not None:
        return r.saved_at if r.saved_at.tzinfo else r.saved_at.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(r.mtime, tz=timezone.utc)


def is_late(r: FileResult, deadline: date) -> bool:
    """Saved after the deadline day ended (Vietnam time)."""
    return saved_time(r).astimezone(LOCAL).date() > deadline


def _changes(old: FileResult, new: FileResult) -> str:
    keys = sorted(set(old.values) | set(new.values),
                  key=lambda k: (old.values.get(k) or new.values.get(k)).cell)
    diffs = []
    for k in keys:
        a, b = old.values.get(k), new.values.get(k)
        va, vb = (a.raw if a else None), (b.raw if b else None)
        if va != vb:
            cell = (a or b).cell
            diffs.append(f"{cell}: {show(va) if va is not None else 'trống'} → "
                         f"{show(vb) if vb is not None else 'trống'}")
    if not diffs:
        return "không có ô số liệu nào thay đổi"
    more = f" và {len(diffs) - MAX_CHANGES} ô khác" if len(diffs) > MAX_CHANGES else ""
    return "; ".join(diffs[:MAX_CHANGES]) + more


def reconcile(results: list[FileResult], registry: Registry, deadline: date) -> Reconciliation:
    """Choose, per (unit, form), the latest distinct file; list all the others."""
    rec = Reconciliation()
    groups: dict[tuple[str, str], list[FileResult]] = {}
    for r in results:
        if not r.accepted:
            rec.outcomes[r.rel] = (REJECTED, r.reason)
            continue
        unit = registry.unit(r.unit)
        if r.form not in unit.forms:
            rec.outcomes[r.rel] = (REJECTED, "phụ lục không được giao cho đơn vị")
            rec.issues.append(issue("R-UNASSIGNED", unit=r.unit, form=r.form, file=r.rel))
            rec.statuses.append(Status(r.unit, r.form, NOT_ASSIGNED, r.rel, saved_time(r)))
            continue
        groups.setdefault((r.unit, r.form), []).append(r)
    for key, files in groups.items():
        # Latest first; the content hash breaks ties, so names and order never matter.
        files.sort(key=lambda r: (saved_time(r), r.mtime, r.sha256), reverse=True)
        by_hash: dict[str, list[FileResult]] = {}
        for r in files:
            by_hash.setdefault(r.sha256, []).append(r)
        distinct = []
        for same in by_hash.values():
            same.sort(key=lambda r: r.rel)
            distinct.append(same[0])
            for dup in same[1:]:
                rec.outcomes[dup.rel] = (DUPLICATE, f"giống hệt {same[0].rel}")
                rec.issues.append(issue("R-DUPLICATE", unit=key[0], form=key[1], file=dup.rel, other=same[0].rel))
        winner = distinct[0]
        rec.used[key] = winner
        rec.outcomes[winner.rel] = (USED, "")
        for old in distinct[1:]:
            rec.outcomes[old.rel] = (SUPERSEDED, f"thay bằng {winner.rel}")
            rec.issues.append(issue("R-SUPERSEDED", unit=key[0], form=key[1], file=old.rel,
                                    other=winner.rel, changes=_changes(old, winner)))
    for unit in registry.units:
        for form in unit.forms:
            r = rec.used.get((unit.code, form))
            if r is None:
                rec.statuses.append(Status(unit.code, form, MISSING))
                rec.issues.append(issue("R-MISSING", unit=unit.code, form=form, deadline=_dmy(deadline)))
                continue
            late = is_late(r, deadline)
            if late:
                rec.issues.append(issue("R-LATE", unit=unit.code, form=form, file=r.rel,
                                        saved=_local(saved_time(r)), deadline=_dmy(deadline)))
            errors = sum(i.severity == "error" for i in r.issues)
            warnings = sum(i.severity == "warning" for i in r.issues) + late
            status = WITH_ERRORS if errors else LATE if late else SUBMITTED
            rec.statuses.append(Status(unit.code, form, status, r.rel, saved_time(r), errors, warnings,
                                       *r.preparer))
    order = {u.code: i for i, u in enumerate(registry.units)}
    rec.statuses.sort(key=lambda s: (order.get(s.unit, len(order)), s.form))
    return rec


def _dmy(d: date) -> str:
    return f"{d.day}/{d.month}/{d.year}"


def _local(t: datetime) -> str:
    return t.astimezone(LOCAL).strftime("%H:%M %d/%m/%Y")
