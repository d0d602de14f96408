"""What the console says about a harvest: the closing summary of ``cchc harvest`` and the
one-line news of ``cchc watch`` (pure: builds Vietnamese text from results, prints nothing).

The watch compares two harvests, not two folder listings: a file's line says what the
harvest made of it (its unit by name, its appendix, used or not and why, its errors), and
how many units still miss an appendix, whatever the watcher saw happen on the disk.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from xlsx_forms.registry import Registry

from .issues import Code
from .reconcile import LATE, LOCAL, MISSING, Outcome, Reconciliation
from .run import Harvest

USED, SUPERSEDED, DUPLICATE, REJECTED = Outcome.USED, Outcome.SUPERSEDED, Outcome.DUPLICATE, Outcome.REJECTED

LISTED = 20   # units named in one line of the closing summary; the rest are counted


@dataclass(frozen=True)
class FileState:
    """What one harvest made of one inbox file."""

    sha256: str
    unit: str        # code, "" when the file could not be identified
    form: str
    outcome: str     # used, superseded, duplicate, rejected
    reason: str      # why it is not used ("" when used)
    errors: int


@dataclass(frozen=True)
class Snapshot:
    """The facts of one harvest the watch compares: every file's state, every (unit, form)
    status, and how many units still miss an appendix."""

    files: dict[str, FileState] = field(default_factory=dict)
    statuses: dict[tuple[str, str], str] = field(default_factory=dict)
    missing_units: int = 0
    complete_units: int = 0
    with_errors_units: int = 0
    at: datetime | None = None   # the harvest's time (its summary's «lập lúc»), when known


def snapshot(result: Harvest, at: datetime | None = None) -> Snapshot:
    """The comparable facts of a harvest (small: kept between two runs of the watch);
    ``at``: the time the harvest was given (``harvest(now=…)``)."""
    rec = result.reconciliation
    files = {}
    for r in result.results:
        if any(i.code == Code.F_SYSTEM_FILE for i in r.issues):
            continue   # an office suite's own lock or a thumbnail file comes and goes: no news
        outcome, reason = rec.outcomes.get(r.rel, (REJECTED, r.reason))
        files[r.rel] = FileState(r.sha256, r.unit, r.form, outcome, reason,
                                 sum(i.severity == "error" for i in r.issues))
    complete, with_errors, missing = rec.unit_tally()
    return Snapshot(files, {(s.unit, s.form): s.status for s in rec.statuses}, missing, complete, with_errors, at)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _what(state: FileState, names: dict[str, str]) -> str:
    """'PL3 của Văn phòng HĐND-UBND thành phố', or 'tệp không rõ đơn vị' for a file that
    could not be attributed."""
    if state.unit in names and state.form:
        return f"{state.form} của {names[state.unit]}"
    if state.form:
        return f"{state.form} (không rõ đơn vị)"
    return "tệp chưa rõ của đơn vị nào, phụ lục nào"


def _state(state: FileState, snap: Snapshot) -> str:
    """'đã nộp, 0 lỗi', 'nộp muộn, 0 lỗi', 'không dùng được: …'."""
    if state.outcome == USED:
        late = snap.statuses.get((state.unit, state.form)) == LATE
        return f"{'nộp muộn' if late else 'đã nộp'}, {state.errors} lỗi"
    if state.outcome == SUPERSEDED:
        return f"không dùng: đã có bản mới hơn ({state.reason})"
    if state.outcome == DUPLICATE:
        return f"không dùng: {state.reason}"
    return f"không dùng được: {state.reason or 'xem issues.csv'}"


def _missing(snap: Snapshot) -> str:
    return f"còn thiếu: {snap.missing_units} đơn vị" if snap.missing_units else "đã đủ mọi đơn vị"


def hhmm(at: datetime) -> str:
    """The time of a watch line, on the summary's clock: Vietnam time (``LOCAL``, as the
    summary's «lập lúc»), whatever zone the machine is set to. ``at`` must be aware."""
    local = at.astimezone(LOCAL)
    return f"{local.hour:02d}:{local.minute:02d}"


def _used(snap: Snapshot) -> dict[tuple[str, str], str]:
    """(unit, form) → the file counted for it."""
    return {(s.unit, s.form): rel for rel, s in snap.files.items() if s.outcome == USED}


def _counted(snap: Snapshot, used: dict[tuple[str, str], str], key: tuple[str, str]) -> tuple[str, str]:
    """What a (unit, form) has: the content counted for it and its status."""
    rel = used.get(key)
    return (snap.files[rel].sha256 if rel else "", snap.statuses.get(key, ""))


def _form_of(key: tuple[str, str], names: dict[str, str]) -> str:
    return _what(FileState("", *key, USED, "", 0), names)


def _now(key: tuple[str, str], after: Snapshot, used: dict[tuple[str, str], str]) -> str:
    """What a (unit, form) has after: 'nay dùng «b.xlsx»: đã nộp, 0 lỗi', 'nay: chưa nộp'."""
    if key in used:
        return f"nay dùng «{used[key]}»: {_state(after.files[used[key]], after)}"
    status = after.statuses.get(key)
    return f"nay: {_lower_first(status) if status else 'không còn tệp nào được dùng'}"


def change_lines(before: Snapshot, after: Snapshot, names: dict[str, str], at: datetime) -> list[str]:
    """The news between two harvests, e.g. '14:02 nhận PL3 của Văn phòng HĐND-UBND thành
    phố («vp/PL3.xlsx») — đã nộp, 0 lỗi; còn thiếu: 3 đơn vị'. ``names``: unit code →
    name (people read names, not codes); ``at``: the later harvest's time.

    One line per file that arrived, was rewritten, renamed or removed, saying what the
    harvest made of it; and every (unit, form) whose state changed (the content counted
    for it, its status) is told what it has now: by the line of the file that caused it,
    or by a line of its own (a file rewritten with another unit's workbook takes the old
    unit's appendix away). What a line says comes from the two harvests' states, never
    from file names: a new copy of the content already counted is a duplicate whichever
    copy the reconciliation now names as used (it picks identical copies by name)."""
    t = hhmm(at)
    used_before, used_after = _used(before), _used(after)
    keys = {*used_before, *used_after, *before.statuses, *after.statuses}
    changed = {k for k in keys if _counted(before, used_before, k) != _counted(after, used_after, k)}
    told: set[tuple[str, str]] = set()   # the changed (unit, form) a line has given the state of
    added = sorted(set(after.files) - set(before.files))
    removed = sorted(set(before.files) - set(after.files))
    rewritten = [rel for rel in sorted(set(before.files) & set(after.files))
                 if before.files[rel].sha256 != after.files[rel].sha256]
    # A file renamed into place (or moved) is one event, not a removal and an arrival.
    renamed: dict[str, str] = {}
    for rel in removed:
        same = next((a for a in added if a not in renamed.values()
                     and after.files[a].sha256 == before.files[rel].sha256), None)
        if same is not None:
            renamed[rel] = same
    lines = []

    def twin(state: FileState) -> str | None:
        """The file counted before whose content this one repeats, if it is still there."""
        old = used_before.get((state.unit, state.form))
        return old if old in after.files and before.files[old].sha256 == state.sha256 else None
    same = "trùng lặp: giống hệt «{}» đã nhận, không thay đổi gì"
    for rel in sorted({*added, *rewritten} - set(renamed.values())):
        state, key = after.files[rel], (after.files[rel].unit, after.files[rel].form)
        where = f"«{rel}», thay tệp cùng tên" if rel in before.files else f"«{rel}»"
        old = used_before.get(key)
        if twin(state):
            news = f"nhận {_what(state, names)} ({where}) — {same.format(old)}"
        elif state.outcome == USED and key in changed:
            told.add(key)
            if old and old != rel and old in after.files:
                where += f", thay «{old}»"
            news = f"nhận {'bản mới của ' if old else ''}{_what(state, names)} ({where}) — {_state(state, after)}"
        else:
            if key in changed and key not in used_after:
                told.add(key)   # its status is this file's: rejected, it says why
            news = f"nhận {_what(state, names)} ({where}) — {_state(state, after)}"
        lines.append((rel, f"{t} {news}"))
    for old, new in renamed.items():
        state = after.files[new]
        told.add((state.unit, state.form))
        now = same.format(twin(state)) if twin(state) else _state(state, after)
        lines.append((new, f"{t} đổi tên «{old}» thành «{new}» ({_what(state, names)}) — {now}"))
    for rel in removed:
        if rel in renamed:
            continue
        state = before.files[rel]
        key = (state.unit, state.form)
        told.add(key)
        tail = f" — {key[1]} {_now(key, after, used_after)}" if key in keys else ""
        lines.append((rel, f"{t} bỏ {_what(state, names)} («{rel}» không còn trong thư mục nhận){tail}"))
    for key in sorted(changed - told):
        old = used_before.get(key)
        if old in after.files and key not in used_after:
            now = after.files[old]
            why = (f"«{old}» nay là {_what(now, names)}" if (now.unit, now.form) != key
                   else f"«{old}» nay {_state(now, after)}")
            lines.append((old, f"{t} bỏ {_form_of(key, names)} ({why}) — {key[1]} {_now(key, after, used_after)}"))
        else:
            lines.append((used_after.get(key, ""), f"{t} {_form_of(key, names)} {_now(key, after, used_after)}"))
    return [f"{text}; {_missing(after)}" for _, text in sorted(lines, key=lambda p: p[0])]


def tally_line(snap: Snapshot, units: int, at: datetime) -> str:
    """The state of the outputs in one line: '14:00 đã tổng hợp 12 tệp: 10/15 đơn vị đã
    nộp đủ không lỗi, 2 có lỗi; còn thiếu: 3 đơn vị'."""
    return (f"{hhmm(at)} đã tổng hợp {len(snap.files)} tệp: {snap.complete_units}/{units} đơn vị "
            f"đã nộp đủ không lỗi, {snap.with_errors_units} có lỗi; {_missing(snap)}")


def _listed(items: list[str], noun: str = "phụ lục") -> str:
    """The first LISTED items, then how many more ``noun`` (what the items count)."""
    more = f" và {len(items) - LISTED} {noun} khác" if len(items) > LISTED else ""
    return "; ".join(items[:LISTED]) + more


def closing_lines(result: Harvest, registry: Registry, out: Path) -> list[str]:
    """The closing summary of ``cchc harvest``: files by outcome, units by state, what is
    missing, late or unusable (unit names, not codes), and the count of every kind of
    problem: errors, warnings, late appendices and rejected files."""
    rec: Reconciliation = result.reconciliation
    outcomes = [o for o, _ in rec.outcomes.values()]
    complete, with_errors, missing_units = rec.unit_tally()
    names = {u.code: u.name for u in registry.units}
    counts = rec.outcome_counts()
    lines = [f"Đã đọc {len(result.results)} tệp: {', '.join(f'{n} {o.label}' for o, n in counts.items())}.",
             (f"Đơn vị: {complete}/{len(registry.units)} đã nộp đủ không lỗi, "
             f"{with_errors} có lỗi, {missing_units} còn thiếu phụ lục.")]
    missing = [s for s in rec.statuses if s.status == MISSING]
    if missing:
        lines.append(f"Chưa nộp: {_listed([f'{names.get(s.unit, s.unit)} ({s.form})' for s in missing])}.")
    late = [i for i in result.issues if i.code == Code.R_LATE]
    if late:
        lines.append(f"Nộp muộn: {_listed([f'{names.get(i.unit_code, i.unit_code)} ({i.form})' for i in late])}.")
    unusable = [s for s in rec.statuses if s.reason]
    if unusable:
        lines.append("Đã nhận nhưng tệp không dùng được: "
                     f"{_listed([f'{names.get(s.unit, s.unit)} ({s.form}: {s.reason})' for s in unusable], 'tệp')}.")
    if result.reports is not None:   # the narrative reports (harvest.sections)
        absent = [names.get(s.unit, s.unit) for s in result.reports.statuses if s.status == MISSING]
        got = len(result.reports.statuses) - len(absent)
        lines.append(f"Báo cáo theo Đề cương: {got}/{len(registry.units)} đơn vị đã gửi"
                     + (f"; chưa gửi: {_listed(absent, 'đơn vị')}" if absent else "")
                     + f" (nội dung: {out / 'sections.csv'}).")
    errors = sum(i.severity == "error" for i in result.issues)
    warnings = sum(i.severity == "warning" for i in result.issues)
    lines.append(f"Tổng cộng: {errors} lỗi, {warnings} cảnh báo, {len(late)} phụ lục nộp muộn, "
                 f"{outcomes.count(REJECTED)} tệp bị loại (chi tiết: {out / 'issues.csv'}).")
    lines.append(f"Bảng tổng hợp: {result.summary_path}")
    return lines
