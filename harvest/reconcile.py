"""Per reporting unit and form: which file counts, which were superseded, who is missing.

The outcome depends only on the files' contents, saved times and arrival times, never on
their names or the order they were found in.

Which of a unit's files wins: the latest by the workbook's saved time. That time is written
by the sender's machine (or by anyone editing the file), so it is believed only when it is
possible: not later than the harvest itself, and not later than the file's arrival in the
inbox (its modification time), each with a tolerance of ``CLOCK_TOLERANCE``. A saved time
that breaks either is flagged (R-CLOCK), and such a file wins only by arriving in the inbox
after the latest file whose saved time is believable (arrival compared with arrival; an
unknown arrival never wins), so a forged future time never wins by itself.

Received is not submitted: a unit whose only files for a form were all rejected (a file
that says which unit and form it is, but cannot be used: signature, layout, old version…)
is *Có lỗi* with the reason of its latest such file, never *Chưa nộp*. Nothing of a
rejected file is counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

from xlsx_forms.inert import inert
from xlsx_forms.model import dmy
from xlsx_forms.registry import Registry

from .cellvalues import show
from .issues import Code, Issue, issue
from .process import FileResult

LOCAL = timezone(timedelta(hours=7))   # Vietnam: deadlines are local days
SUBMITTED, WITH_ERRORS, MISSING, LATE, NOT_ASSIGNED = (
    "Đã nộp", "Có lỗi", "Chưa nộp", "Nộp muộn", "Không được giao")


class Outcome(StrEnum):
    """What became of a file read from the inbox: its value in ledger.csv (the member is
    that string) and its Vietnamese label in the summary and the command's report."""

    label: str

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_, member.label = value, label
        return member

    USED = "used", "được dùng"
    SUPERSEDED = "superseded", "bị thay bằng bản mới hơn"
    DUPLICATE = "duplicate", "trùng lặp"
    REJECTED = "rejected", "bị loại"


MAX_CHANGES = 12
QUOTE_CHARS = 40   # of one value in the list of changes
# How far a believable saved time may lie after the file's arrival or the harvest. Office
# machines are set to the wrong zone or a drifting clock, and ODS stores local time
# without a zone (read as UTC, seven hours off here): a machine whose zone is set to
# UTC−12 while showing Vietnam's time stamps files 19 hours ahead. A day covers every
# such honest error; a file stamped further ahead was saved by a clock that is wrong or
# set on purpose. Saved long *before* arrival is normal (a file filled in, sent later).
CLOCK_TOLERANCE = timedelta(days=1)
_EARLIEST = datetime(1980, 1, 1, tzinfo=timezone.utc)   # the order key of a file without a believable time


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
    reason: str = ""   # why the file received could not be used (nothing of it counted)


@dataclass
class Reconciliation:
    """The chosen file per (unit, form), every file's outcome, statuses, extra issues."""

    used: dict[tuple[str, str], FileResult] = field(default_factory=dict)
    outcomes: dict[str, tuple[Outcome, str]] = field(default_factory=dict)   # rel -> (outcome, reason)
    statuses: list[Status] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def outcome_of(self, result: FileResult) -> tuple[Outcome, str]:
        """(outcome, reason) of a file read: a file never reconciled was rejected."""
        return self.outcomes.get(result.rel) or (Outcome.REJECTED, result.reason)

    def outcome_counts(self) -> dict[Outcome, int]:
        """How many files had each outcome, every outcome listed, in the enum's order."""
        found = [o for o, _ in self.outcomes.values()]
        return {o: found.count(o) for o in Outcome}

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


def arrival_time(r: FileResult, now: datetime | None = None) -> datetime | None:
    """When the file arrived in the inbox (its modification time, UTC), or None when the
    file system gives an impossible time: unrepresentable, or (given ``now``) later than
    the harvest itself (a time copied along with the file, from a wrong clock)."""
    try:
        arrived = datetime.fromtimestamp(r.mtime, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    if not _EARLIEST.year <= arrived.year < 2200 or (now is not None and arrived > now + CLOCK_TOLERANCE):
        return None
    return arrived


def saved_time(r: FileResult) -> datetime | None:
    """The workbook's own saved time (checked when read: see process.checked_saved_time),
    else the file's arrival time (UTC)."""
    if r.saved_at is not None:
        return r.saved_at if r.saved_at.tzinfo else r.saved_at.replace(tzinfo=timezone.utc)
    return arrival_time(r)


def clock_problem(r: FileResult, now: datetime) -> str:
    """Why the file's saved time cannot be believed (Vietnamese), or "" when it can."""
    if r.saved_at is None:
        return ""
    saved, arrived = saved_time(r), arrival_time(r, now)
    if saved > now + CLOCK_TOLERANCE:
        return "sau cả thời điểm tổng hợp"
    if arrived is not None and saved > arrived + CLOCK_TOLERANCE:
        return "sau thời điểm tệp đến hộp thư"
    return ""


def order_time(r: FileResult, now: datetime) -> datetime:
    """The time that places a file among its unit's resubmissions: its saved time when
    believable, else its arrival, else the earliest time (it never wins on its clock)."""
    if r.saved_at is not None and not clock_problem(r, now):
        return saved_time(r)
    return arrival_time(r, now) or _EARLIEST


def is_late(r: FileResult, deadline: date, now: datetime | None = None) -> bool:
    """Saved (by the believable order time) after the deadline day ended (Vietnam time)."""
    when = order_time(r, now or datetime.now(timezone.utc))
    return when > _EARLIEST and when.astimezone(LOCAL).date() > deadline


def _changes(old: FileResult, new: FileResult) -> str:
    keys = sorted(set(old.values) | set(new.values),
                  key=lambda k: (old.values.get(k) or new.values.get(k)).cell)
    diffs = []
    for k in keys:
        a, b = old.values.get(k), new.values.get(k)
        va, vb = (a.raw if a else None), (b.raw if b else None)
        if va != vb:
            cell = (a or b).cell
            diffs.append(f"{cell}: {_quote(va)} → {_quote(vb)}")
    if not diffs:
        return "không có ô số liệu nào thay đổi"
    more = f" và {len(diffs) - MAX_CHANGES} ô khác" if len(diffs) > MAX_CHANGES else ""
    return "; ".join(diffs[:MAX_CHANGES]) + more


def reconcile(results: list[FileResult], registry: Registry, deadline: date,
              now: datetime | None = None) -> Reconciliation:
    """Choose, per (unit, form), the latest distinct file; list all the others. ``now``:
    the harvest's time (default: the clock), against which saved times are checked."""
    now = now or datetime.now(timezone.utc)
    now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    rec = Reconciliation()
    groups: dict[tuple[str, str], list[FileResult]] = {}
    unusable: dict[tuple[str, str], list[FileResult]] = {}   # received, rejected, attributed
    for r in results:
        if not r.accepted:
            rec.outcomes[r.rel] = (Outcome.REJECTED, r.reason)
            if r.unit and r.form:
                unusable.setdefault((r.unit, r.form), []).append(r)
            continue
        unit = registry.unit(r.unit)
        if r.form not in unit.forms:
            rec.outcomes[r.rel] = (Outcome.REJECTED, "phụ lục không được giao cho đơn vị")
            rec.issues.append(issue(Code.R_UNASSIGNED, unit=r.unit, form=r.form, file=r.rel))
            rec.statuses.append(Status(r.unit, r.form, NOT_ASSIGNED, r.rel, saved_time(r)))
            continue
        groups.setdefault((r.unit, r.form), []).append(r)
    for key, files in groups.items():
        for r in files:
            why = clock_problem(r, now)
            if why:
                rec.issues.append(issue(Code.R_CLOCK, unit=key[0], form=key[1], file=r.rel, why=why,
                                        saved=_local(saved_time(r)), now=_local(now),
                                        arrived=_local(arrival_time(r)) if arrival_time(r) else "không rõ"))
        # Latest first; the content hash breaks ties, so names and order never matter.
        files.sort(key=lambda r: (order_time(r, now), _arrival_key(r, now), r.sha256), reverse=True)
        by_hash: dict[str, list[FileResult]] = {}
        for r in files:
            by_hash.setdefault(r.sha256, []).append(r)
        distinct = []
        for same in by_hash.values():
            same.sort(key=lambda r: r.rel)
            distinct.append(same[0])
            for dup in same[1:]:
                rec.outcomes[dup.rel] = (Outcome.DUPLICATE, f"giống hệt {same[0].rel}")
                rec.issues.append(issue(Code.R_DUPLICATE, unit=key[0], form=key[1], file=dup.rel,
                                        other=same[0].rel))
        winner = _winner(distinct, now)
        distinct.remove(winner)
        distinct.insert(0, winner)
        rec.used[key] = winner
        rec.outcomes[winner.rel] = (Outcome.USED, "")
        for old in distinct[1:]:
            rec.outcomes[old.rel] = (Outcome.SUPERSEDED, f"thay bằng {winner.rel}")
            rec.issues.append(issue(Code.R_SUPERSEDED, unit=key[0], form=key[1], file=old.rel,
                                    other=winner.rel, changes=_changes(old, winner)))
    for unit in registry.units:
        for form in unit.forms:
            r = rec.used.get((unit.code, form))
            if r is None and (unit.code, form) in unusable:
                rec.statuses.append(_unusable(unusable[(unit.code, form)], now))
                continue
            if r is None:
                rec.statuses.append(Status(unit.code, form, MISSING))
                rec.issues.append(issue(Code.R_MISSING, unit=unit.code, form=form, deadline=dmy(deadline)))
                continue
            late = is_late(r, deadline, now)
            if late:
                rec.issues.append(issue(Code.R_LATE, unit=unit.code, form=form, file=r.rel,
                                        how="đến hộp thư" if clock_problem(r, now) else "lưu",
                                        saved=_local(order_time(r, now)), deadline=dmy(deadline)))
            errors = sum(i.severity == "error" for i in r.issues)
            warnings = sum(i.severity == "warning" for i in r.issues) + late
            status = WITH_ERRORS if errors else LATE if late else SUBMITTED
            rec.statuses.append(Status(unit.code, form, status, r.rel, saved_time(r), errors, warnings,
                                       *r.preparer))
    order = {u.code: i for i, u in enumerate(registry.units)}
    rec.statuses.sort(key=lambda s: (order.get(s.unit, len(order)), s.form))
    return rec


def _winner(files: list[FileResult], now: datetime) -> FileResult:
    """The file that counts. Of the files whose saved time is believable, the latest saved
    (``files`` come sorted, latest first). A file whose saved time cannot be believed wins
    only by arriving in the inbox after that one (arrival times are compared with arrival
    times, never with a saved time): the latest such arrival."""
    believed = [r for r in files if not clock_problem(r, now)]
    best = believed[0] if believed else None
    floor = _arrival_key(best, now) if best is not None else float("-inf")
    later = [r for r in files if clock_problem(r, now) and _arrival_key(r, now) > floor]
    if later:
        return max(later, key=lambda r: (_arrival_key(r, now), r.sha256))
    return best if best is not None else files[0]


def _unusable(files: list[FileResult], now: datetime) -> Status:
    """The status of a form whose every file received was rejected: Có lỗi, naming the
    latest of them and why it could not be used."""
    r = max(files, key=lambda f: (order_time(f, now), _arrival_key(f, now), f.sha256))
    errors = sum(i.severity == "error" for i in r.issues)
    warnings = sum(i.severity == "warning" for i in r.issues)
    return Status(r.unit, r.form, WITH_ERRORS, r.rel, saved_time(r), errors, warnings, reason=r.reason)


def _quote(value) -> str:
    """A cell's value in a list of changes: short, so twelve of them fit one message."""
    return "trống" if value is None else inert(show(value), single_line=True, limit=QUOTE_CHARS)


def _arrival_key(r: FileResult, now: datetime) -> float:
    arrived = arrival_time(r, now)
    return arrived.timestamp() if arrived else float("-inf")



def _local(t: datetime) -> str:
    return t.astimezone(LOCAL).strftime("%H:%M %d/%m/%Y")
