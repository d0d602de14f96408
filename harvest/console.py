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

from xlsx_forms.outline import Outline
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
    other: str = ""  # a duplicate: the file it repeats; superseded: the file used instead


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
    no_report_units: int | None = None   # units without a narrative report (None: the plan asks for none)


def snapshot(result: Harvest, at: datetime | None = None) -> Snapshot:
    """The comparable facts of a harvest (small: kept between two runs of the watch);
    ``at``: the time the harvest was given (``harvest(now=…)``)."""
    rec = result.reconciliation
    kept = [r for r in result.results if not any(i.code == Code.F_SYSTEM_FILE for i in r.issues)]
    # an office suite's own lock or a thumbnail file comes and goes: no news
    outcome = {r.rel: rec.outcomes.get(r.rel, (REJECTED, r.reason)) for r in kept}
    used = {(r.unit, r.form): r.rel for r in kept if outcome[r.rel][0] == USED}
    copies: dict[tuple[str, str, str], list[str]] = {}   # (unit, form, content) → its copies by name
    for r in sorted(kept, key=lambda r: r.rel):
        if r.sha256:
            copies.setdefault((r.unit, r.form, r.sha256), []).append(r.rel)
    files = {}
    for r in kept:
        how, reason = outcome[r.rel]
        # a duplicate repeats the first other copy by name, as the reconciliation picks it
        other = (next((c for c in copies.get((r.unit, r.form, r.sha256), []) if c != r.rel), "") if how == DUPLICATE
                 else used.get((r.unit, r.form), "") if how == SUPERSEDED else "")
        files[r.rel] = FileState(r.sha256, r.unit, r.form, how, reason,
                                 sum(i.severity == "error" for i in r.issues), other)
    complete, with_errors, missing = rec.unit_tally()
    no_report = (None if result.reports is None
                 else sum(s.status == MISSING for s in result.reports.statuses))
    return Snapshot(files, {(s.unit, s.form): s.status for s in rec.statuses}, missing, complete, with_errors, at,
                    no_report)


def form_names(outline: Outline | None) -> dict[str, str]:
    """Form id → the name a person reads, for the forms not named by their code: the
    narrative report ('BC' → 'báo cáo theo Đề cương', from the outline's kind and name).
    Appendices keep their code (PL1…), which is how the plan names them."""
    if outline is None:
        return {}
    kind = outline.kind.strip().lower()
    source = outline.name.strip()
    if source.upper().endswith(outline.kind.strip().upper()):   # "ĐỀ CƯƠNG BÁO CÁO": the outline of a report
        source = source[:len(source) - len(outline.kind.strip())].strip()
    source = source.lower()
    return {outline.id: f"{kind} theo {source[:1].upper()}{source[1:]}" if source else kind}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _what(state: FileState, names: dict[str, str], forms: dict[str, str] | None = None) -> str:
    """'PL3 của Văn phòng HĐND-UBND thành phố', or 'tệp không rõ đơn vị' for a file that
    could not be attributed; ``forms``: form id → its name (``form_names``)."""
    form = (forms or {}).get(state.form, state.form)
    if state.unit in names and state.form:
        return f"{form} của {names[state.unit]}"
    if state.form:
        return f"{form} (không rõ đơn vị)"
    return "tệp chưa rõ của đơn vị nào, phụ lục nào"


def _state(state: FileState, snap: Snapshot) -> str:
    """'đã nộp, 0 lỗi', 'nộp muộn, 0 lỗi', 'không dùng được: …'."""
    if state.outcome == USED:
        late = snap.statuses.get((state.unit, state.form)) == LATE
        return f"{'nộp muộn' if late else 'đã nộp'}, {state.errors} lỗi"
    if state.outcome == SUPERSEDED:
        return "không dùng: đã có bản mới hơn" + (f" «{state.other}»" if state.other else "")
    if state.outcome == DUPLICATE:
        return SAME.format(state.other) if state.other else "trùng lặp: giống hệt một tệp đã nhận, không thay đổi gì"
    return f"không dùng được: {state.reason or 'xem issues.csv'}"


SAME = "trùng lặp: giống hệt «{}» đã nhận, không thay đổi gì"


def _missing(snap: Snapshot, forms: dict[str, str] | None = None) -> str:
    """'còn thiếu phụ lục: 3 đơn vị', and with narrative reports asked for, how many units
    have not sent theirs ('chưa gửi báo cáo theo Đề cương: 12 đơn vị')."""
    text = (f"còn thiếu phụ lục: {snap.missing_units} đơn vị" if snap.missing_units
            else "đã đủ phụ lục của mọi đơn vị")
    if snap.no_report_units:
        report = next(iter((forms or {}).values()), "báo cáo")
        text += f"; chưa gửi {report}: {snap.no_report_units} đơn vị"
    return text


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


def _form_of(key: tuple[str, str], names: dict[str, str], forms: dict[str, str] | None) -> str:
    return _what(FileState("", *key, USED, "", 0), names, forms)


def _now(key: tuple[str, str], after: Snapshot, used: dict[tuple[str, str], str]) -> str:
    """What a (unit, form) has after: 'nay dùng «b.xlsx»: đã nộp, 0 lỗi', 'nay: chưa nộp'."""
    if key in used:
        return f"nay dùng «{used[key]}»: {_state(after.files[used[key]], after)}"
    status = after.statuses.get(key)
    return f"nay: {_lower_first(status) if status else 'không còn tệp nào được dùng'}"


def change_lines(before: Snapshot, after: Snapshot, names: dict[str, str], at: datetime,
                 forms: dict[str, str] | None = None) -> list[str]:
    """The news between two harvests, e.g. '14:02 nhận PL3 của Văn phòng HĐND-UBND thành
    phố («vp/PL3.xlsx») — đã nộp, 0 lỗi; còn thiếu: 3 đơn vị'. ``names``: unit code →
    name (people read names, not codes); ``at``: the later harvest's time.

    One line per file that arrived, was rewritten, renamed or removed, saying what the
    harvest made of it; and every (unit, form) whose state changed (the content counted
    for it, its status) is told what it has now: by the line of the file that caused it,
    or by a line of its own (a file rewritten with another unit's workbook takes the old
    unit's appendix away). What a line says comes from the two harvests' states, never
    from file names: a new copy of the content already counted is a duplicate whichever
    copy the reconciliation now names as used (it picks identical copies by name).
    ``forms``: form id → the name a person reads (``form_names``), else the id."""
    t = hhmm(at)
    forms = forms or {}

    def what(state: FileState) -> str:
        return _what(state, names, forms)

    def form(key: tuple[str, str]) -> str:
        return forms.get(key[1], key[1])
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
    for rel in sorted({*added, *rewritten} - set(renamed.values())):
        state, key = after.files[rel], (after.files[rel].unit, after.files[rel].form)
        where = f"«{rel}», thay tệp cùng tên" if rel in before.files else f"«{rel}»"
        old = used_before.get(key)
        if twin(state):
            news = f"nhận {what(state)} ({where}) — {SAME.format(old)}"
        elif state.outcome == USED and key in changed:
            told.add(key)
            if old and old != rel and old in after.files:
                where += f", thay «{old}»"
            news = f"nhận {'bản mới của ' if old else ''}{what(state)} ({where}) — {_state(state, after)}"
        else:
            if key in changed and key not in used_after:
                told.add(key)   # its status is this file's: rejected, it says why
            news = f"nhận {what(state)} ({where}) — {_state(state, after)}"
        lines.append((rel, f"{t} {news}"))
    for old, new in renamed.items():
        state = after.files[new]
        told.add((state.unit, state.form))
        now = SAME.format(twin(state)) if twin(state) else _state(state, after)
        lines.append((new, f"{t} đổi tên «{old}» thành «{new}» ({what(state)}) — {now}"))
    for rel in removed:
        if rel in renamed:
            continue
        state = before.files[rel]
        key = (state.unit, state.form)
        told.add(key)
        tail = f" — {form(key)} {_now(key, after, used_after)}" if key in keys else ""
        lines.append((rel, f"{t} bỏ {what(state)} («{rel}» không còn trong thư mục nhận){tail}"))
    for key in sorted(changed - told):
        old = used_before.get(key)
        if old in after.files and key not in used_after:
            now = after.files[old]
            why = (f"«{old}» nay là {what(now)}" if (now.unit, now.form) != key
                   else f"«{old}» nay {_state(now, after)}")
            now_is = _now(key, after, used_after)
            lines.append((old, f"{t} bỏ {_form_of(key, names, forms)} ({why}) — {form(key)} {now_is}"))
        else:
            lines.append((used_after.get(key, ""), f"{t} {_form_of(key, names, forms)} {_now(key, after, used_after)}"))
    return [f"{text}; {_missing(after, forms)}" for _, text in sorted(lines, key=lambda p: p[0])]


def tally_line(snap: Snapshot, units: int, at: datetime, forms: dict[str, str] | None = None) -> str:
    """The state of the outputs in one line: '14:00 đã tổng hợp 12 tệp: 10/15 đơn vị đã
    nộp đủ phụ lục, không lỗi, 2 có lỗi; còn thiếu phụ lục: 3 đơn vị' (and how many units
    have sent no narrative report, when the plan asks for one)."""
    return (f"{hhmm(at)} đã tổng hợp {len(snap.files)} tệp: {snap.complete_units}/{units} đơn vị "
            f"đã nộp đủ phụ lục, không lỗi, {snap.with_errors_units} có lỗi; {_missing(snap, forms)}")


def _listed(items: list[str], noun: str = "phụ lục") -> str:
    """The first LISTED items, then how many more ``noun`` (what the items count)."""
    more = f" và {len(items) - LISTED} {noun} khác" if len(items) > LISTED else ""
    return "; ".join(items[:LISTED]) + more


def closing_lines(result: Harvest, registry: Registry, out: Path, outline: Outline | None = None) -> list[str]:
    """The closing summary of ``cchc harvest``: files by outcome, units by state, what is
    missing, late or unusable (unit names, not codes), and the count of every kind of
    problem: errors, warnings, late appendices and rejected files. ``outline``: the
    narrative reports' Đề cương, which names them."""
    rec: Reconciliation = result.reconciliation
    outcomes = [o for o, _ in rec.outcomes.values()]
    complete, with_errors, missing_units = rec.unit_tally()
    names = {u.code: u.name for u in registry.units}
    counts = rec.outcome_counts()
    lines = [f"Đã đọc {len(result.results)} tệp: {', '.join(f'{n} {o.label}' for o, n in counts.items())}.",
             (f"Đơn vị: {complete}/{len(registry.units)} đã nộp đủ phụ lục, không lỗi; "
             f"{with_errors} có lỗi, {missing_units} còn thiếu phụ lục"
              + (f"; {sum(s.status == MISSING for s in result.reports.statuses)} chưa gửi "
                 f"{next(iter(form_names(outline).values()), 'báo cáo')}" if result.reports is not None else "")
              + ".")]
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
        report = next(iter(form_names(outline).values()), "báo cáo")
        lines.append(f"{report[:1].upper()}{report[1:]}: {got}/{len(registry.units)} đơn vị đã gửi"
                     + (f"; chưa gửi: {_listed(absent, 'đơn vị')}" if absent else "")
                     + f" (nội dung: {out / 'sections.csv'}).")
    errors = sum(i.severity == "error" for i in result.issues)
    warnings = sum(i.severity == "warning" for i in result.issues)
    lines.append(f"Tổng cộng: {errors} lỗi, {warnings} cảnh báo, {len(late)} phụ lục nộp muộn, "
                 f"{outcomes.count(REJECTED)} tệp bị loại (chi tiết: {out / 'issues.csv'}).")
    lines.append(f"Bảng tổng hợp: {result.summary_path}")
    return lines
