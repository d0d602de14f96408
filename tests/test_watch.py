"""cchc watch, without real timing: the lines made from two harvests (from the (unit, form)
states before and after, checked on generated histories), the clock they use, the loop
driven by scripted batches, and the supervisor that follows the inbox when it goes and
comes back. The real watcher on a temporary inbox: tests/test_watch_live.py."""
from __future__ import annotations

import errno
import os
import random
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from harvest.console import FileState, Snapshot, change_lines, hhmm, tally_line
from harvest.watch import GONE, UNREADABLE, Away, Back, inbox_state, supervised, wait_settled, watch_loop
from xlsx_forms.errors import CchcError

AT = datetime(2020, 3, 20, 7, 2, tzinfo=timezone.utc)   # 14:02 in Vietnam
NAMES = {"vp": "Văn phòng HĐND-UBND thành phố", "tu-phap": "Phòng Tư pháp", "tcnv": "Ban Tổ chức - Nội vụ"}
VP = "Văn phòng HĐND-UBND thành phố"


def _snap(files: dict[str, FileState], statuses=None, missing=3) -> Snapshot:
    return Snapshot(files, statuses or {}, missing)


USED = FileState("a1", "vp", "PL3", "used", "", 0)
CASES = [
    # (before, after, statuses after, expected lines), one per kind of change and outcome
    ({}, {"PL3.xlsx": USED}, {("vp", "PL3"): "Đã nộp"},
     [f"14:02 nhận PL3 của {VP} («PL3.xlsx») — đã nộp, 0 lỗi; còn thiếu phụ lục: 3 đơn vị"]),
    ({}, {"PL3.xlsx": USED}, {("vp", "PL3"): "Nộp muộn"},
     [f"14:02 nhận PL3 của {VP} («PL3.xlsx») — nộp muộn, 0 lỗi; còn thiếu phụ lục: 3 đơn vị"]),
    ({}, {"a/PL2.xls": FileState("b", "tu-phap", "PL2", "used", "", 4)}, {("tu-phap", "PL2"): "Có lỗi"},
     ["14:02 nhận PL2 của Phòng Tư pháp («a/PL2.xls») — đã nộp, 4 lỗi; còn thiếu phụ lục: 3 đơn vị"]),
    ({}, {"x.xlsx": FileState("c", "", "", "rejected", "tệp không đọc được", 1)}, {},
     ["14:02 nhận tệp chưa rõ của đơn vị nào, phụ lục nào («x.xlsx») — không dùng được: tệp không đọc được; "
      "còn thiếu phụ lục: 3 đơn vị"]),
    ({"new.xlsx": USED},
     {"new.xlsx": USED, "old.xlsx": FileState("d", "vp", "PL3", "superseded", "thay bằng new.xlsx", 0, "new.xlsx")},
     {("vp", "PL3"): "Đã nộp"},
     [f"14:02 nhận PL3 của {VP} («old.xlsx») — không dùng: đã có bản mới hơn «new.xlsx»; "
      "còn thiếu phụ lục: 3 đơn vị"]),
    ({}, {"a.xlsx": USED, "b.xlsx": FileState("a1", "vp", "PL3", "duplicate", "giống hệt a.xlsx", 0, "a.xlsx")},
     {("vp", "PL3"): "Đã nộp"},
     [f"14:02 nhận PL3 của {VP} («a.xlsx») — đã nộp, 0 lỗi; còn thiếu phụ lục: 3 đơn vị",
      f"14:02 nhận PL3 của {VP} («b.xlsx») — trùng lặp: giống hệt «a.xlsx» đã nhận, không thay đổi gì; "
      "còn thiếu phụ lục: 3 đơn vị"]),
    ({"PL3.xlsx": USED}, {"PL3.xlsx": FileState("a2", "vp", "PL3", "used", "", 2)}, {("vp", "PL3"): "Có lỗi"},
     [f"14:02 nhận bản mới của PL3 của {VP} («PL3.xlsx», thay tệp cùng tên) — đã nộp, 2 lỗi; "
      "còn thiếu phụ lục: 3 đơn vị"]),
    # A newer version under another name: the one it replaces is named.
    ({"PL3.xlsx": USED},
     {"PL3.xlsx": FileState("a1", "vp", "PL3", "superseded", "thay bằng sửa.xlsx", 0, "sửa.xlsx"),
      "sửa.xlsx": FileState("a2", "vp", "PL3", "used", "", 0)}, {("vp", "PL3"): "Đã nộp"},
     [f"14:02 nhận bản mới của PL3 của {VP} («sửa.xlsx», thay «PL3.xlsx») — đã nộp, 0 lỗi; "
      "còn thiếu phụ lục: 3 đơn vị"]),
    ({"tmp/PL3.part": USED}, {"PL3.xlsx": USED}, {("vp", "PL3"): "Đã nộp"},
     [f"14:02 đổi tên «tmp/PL3.part» thành «PL3.xlsx» (PL3 của {VP}) — đã nộp, 0 lỗi; còn thiếu phụ lục: 3 đơn vị"]),
    ({"PL3.xlsx": USED}, {}, {("vp", "PL3"): "Chưa nộp"},
     [f"14:02 bỏ PL3 của {VP} («PL3.xlsx» không còn trong thư mục nhận) — PL3 nay: chưa nộp; "
      "còn thiếu phụ lục: 3 đơn vị"]),
    # Removing the newest version brings the older one back: which one counts now is said.
    ({"new.xlsx": USED, "old.xlsx": FileState("d", "vp", "PL3", "superseded", "thay bằng new.xlsx", 1, "new.xlsx")},
     {"old.xlsx": FileState("d", "vp", "PL3", "used", "", 1)}, {("vp", "PL3"): "Có lỗi"},
     [f"14:02 bỏ PL3 của {VP} («new.xlsx» không còn trong thư mục nhận) — PL3 nay dùng «old.xlsx»: đã nộp, 1 lỗi; "
      "còn thiếu phụ lục: 3 đơn vị"]),
    # The file of one unit overwritten with another unit's workbook: the first unit loses its appendix.
    ({"Phụ lục 1 - Phòng Tư pháp.xlsx": FileState("t", "tu-phap", "PL1", "used", "", 0)},
     {"Phụ lục 1 - Phòng Tư pháp.xlsx": FileState("n", "tcnv", "PL1", "used", "", 0)},
     {("tu-phap", "PL1"): "Chưa nộp", ("tcnv", "PL1"): "Đã nộp"},
     ["14:02 nhận PL1 của Ban Tổ chức - Nội vụ («Phụ lục 1 - Phòng Tư pháp.xlsx», thay tệp cùng tên) — đã nộp, 0 lỗi; "
      "còn thiếu phụ lục: 3 đơn vị",
      "14:02 bỏ PL1 của Phòng Tư pháp («Phụ lục 1 - Phòng Tư pháp.xlsx» nay là PL1 của Ban Tổ chức - Nội vụ) — "
      "PL1 nay: chưa nộp; còn thiếu phụ lục: 3 đơn vị"]),
    # Overwritten with an older version than another file of the same unit: that one counts now.
    ({"a.xlsx": USED, "b.xlsx": FileState("b1", "vp", "PL3", "superseded", "thay bằng a.xlsx", 0, "a.xlsx")},
     {"a.xlsx": FileState("a0", "vp", "PL3", "superseded", "thay bằng b.xlsx", 0, "b.xlsx"),
      "b.xlsx": FileState("b1", "vp", "PL3", "used", "", 0)}, {("vp", "PL3"): "Đã nộp"},
     [f"14:02 nhận PL3 của {VP} («a.xlsx», thay tệp cùng tên) — không dùng: đã có bản mới hơn «b.xlsx»; "
      "còn thiếu phụ lục: 3 đơn vị",
      f"14:02 PL3 của {VP} nay dùng «b.xlsx»: đã nộp, 0 lỗi; còn thiếu phụ lục: 3 đơn vị"]),
]


@pytest.mark.parametrize(("before", "after", "statuses", "lines"), CASES)
def test_lines_per_change(before, after, statuses, lines):
    statuses_before = {(s.unit, s.form): "Đã nộp" for s in before.values() if s.outcome == "used"}
    assert change_lines(_snap(before, statuses_before), _snap(after, statuses), NAMES, AT) == lines


@pytest.mark.parametrize("copy", ["PL3 lần 2.xlsx", "thư 21-3/PL3.xlsx", "A.xlsx", "zz.xlsx"])
def test_a_new_identical_copy_is_a_duplicate_whichever_name_sorts_first(copy):
    """The reconciliation names the copy first by name as used (harvest.reconcile): the
    line says what is true whichever it is: the copy adds nothing."""
    counted = "thư 20-3 PL3.xlsx"
    first, second = sorted([counted, copy])
    after = {first: USED, second: FileState("a1", "vp", "PL3", "duplicate", f"giống hệt {first}", 0)}
    statuses = {("vp", "PL3"): "Đã nộp"}
    assert change_lines(_snap({counted: USED}, statuses), _snap(after, statuses), NAMES, AT) == [
        f"14:02 nhận PL3 của {VP} («{copy}») — trùng lặp: giống hệt «{counted}» đã nhận, không thay đổi gì; "
        "còn thiếu phụ lục: 3 đơn vị"]


def test_nothing_changed_says_nothing_and_all_done_is_said():
    same = _snap({"PL3.xlsx": USED}, {("vp", "PL3"): "Đã nộp"})
    assert change_lines(same, same, NAMES, AT) == []
    done = change_lines(_snap({}), _snap({"PL3.xlsx": USED}, {("vp", "PL3"): "Đã nộp"}, missing=0), NAMES, AT)
    assert done[0].endswith("— đã nộp, 0 lỗi; đã đủ phụ lục của mọi đơn vị")


# Generated histories: a small model of the reconciliation (latest content wins, identical
# copies: the first name counts) and random changes to an inbox.
UNITS, FORMS = ("vp", "tu-phap", "tcnv"), ("PL1", "PL3")
FILE_NAMES = ("a.xlsx", "b.xlsx", "c.xlsx", "PL1.xlsx", "thư/PL3.xlsx", "z.xlsx")


def _model(inbox: dict[str, tuple[str, str, int]]) -> Snapshot:
    """A Snapshot of an inbox of name → (unit, form, version); unit "" is a file of no
    known unit, version 0 a file of a known unit that cannot be used: both rejected."""
    files, by_key = {}, {}
    for rel, (unit, form, version) in sorted(inbox.items()):
        if not unit or not version:
            files[rel] = FileState(f"x{unit}{form}{version}", unit, form if unit else "", "rejected", "tệp hỏng", 1)
        else:
            by_key.setdefault((unit, form), []).append(rel)
    for key, rels in by_key.items():
        newest = max(inbox[r][2] for r in rels)
        winner = min(r for r in rels if inbox[r][2] == newest)
        for rel in rels:
            version = inbox[rel][2]
            sha = f"{key}{version}"
            if rel == winner:
                files[rel] = FileState(sha, *key, "used", "", version % 3)
            elif version == newest:
                files[rel] = FileState(sha, *key, "duplicate", f"giống hệt {winner}", version % 3)
            else:
                files[rel] = FileState(sha, *key, "superseded", f"thay bằng {winner}", version % 3, winner)
    used = {(s.unit, s.form): s for s in files.values() if s.outcome == "used"}
    broken = {(s.unit, s.form) for s in files.values() if s.outcome == "rejected"}
    statuses = {(u, f): ("Có lỗi" if (u, f) in broken else "Chưa nộp") if (u, f) not in used
                else "Có lỗi" if used[(u, f)].errors else "Đã nộp" for u in UNITS for f in FORMS}
    return Snapshot(files, statuses, sum(1 for u in UNITS if any(statuses[(u, f)] == "Chưa nộp" for f in FORMS)))


def _step(inbox: dict, rng: random.Random) -> dict:
    inbox = dict(inbox)
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["add", "add", "remove", "rewrite", "rename", "copy"])
        names = sorted(inbox)
        free = [n for n in FILE_NAMES if n not in inbox]
        entry = (rng.choice(UNITS + ("",)), rng.choice(FORMS), rng.randint(0, 4))
        if kind == "add" and free:
            inbox[rng.choice(free)] = entry
        elif kind == "remove" and names:
            del inbox[rng.choice(names)]
        elif kind == "rewrite" and names:
            inbox[rng.choice(names)] = entry
        elif kind in ("rename", "copy") and names and free:
            rel = rng.choice(names)
            inbox[rng.choice(free)] = inbox.pop(rel) if kind == "rename" else inbox[rel]
    return inbox


def _counted(snap: Snapshot) -> dict:
    return {k: ({s.sha256 for s in snap.files.values() if s.outcome == "used" and (s.unit, s.form) == k}, v)
            for k, v in snap.statuses.items()}


@pytest.mark.parametrize("seed", range(300))
def test_every_unit_form_whose_state_changed_is_told(seed):
    rng = random.Random(seed)
    before_inbox = {}
    for _ in range(rng.randint(0, 3)):
        before_inbox = _step(before_inbox, rng)
    after_inbox = _step(before_inbox, rng)
    before, after = _model(before_inbox), _model(after_inbox)
    lines = change_lines(before, after, NAMES, AT)
    text = "\n".join(lines)
    old, new = _counted(before), _counted(after)
    for key in old:
        if old[key] != new[key]:   # its content counted or its status changed: named in a line
            assert f"{key[1]} của {NAMES[key[0]]}" in text, (key, before_inbox, after_inbox, lines)
    for line in lines:
        assert line.startswith("14:02 ") and line.count("; còn") + line.count("; đã đủ") == 1
        for unit, name in NAMES.items():
            for form in FORMS:
                if f"bản mới của {form} của {name}" in line:   # only a (unit, form) that had something
                    assert old[(unit, form)][0], (line, before_inbox, after_inbox)
    for rel in set(before.files) ^ set(after.files):
        assert f"«{rel}»" in text, (rel, lines)
    for rel, state in after.files.items():
        counted_before = [r for r, s in before.files.items() if s.outcome == "used"
                          and (s.unit, s.form) == (state.unit, state.form) and s.sha256 == state.sha256]
        if rel not in before.files and counted_before and counted_before[0] in after.files:
            # a new copy of the content already counted: a duplicate, whichever name sorts first
            assert any(f"«{rel}»" in line and f"— trùng lặp: giống hệt «{counted_before[0]}»" in line
                       for line in lines), lines
    if before_inbox == after_inbox:
        assert lines == []


# The clock ------------------------------------------------------------------------------

@pytest.mark.parametrize("hours", [-12, -5, 0, 7, 9, 14])
def test_lines_use_vietnam_time_as_the_summary_does_whatever_the_zone(hours):
    """The summary writes «lập lúc» in Vietnam time (harvest.reconcile.LOCAL); a watch line
    for the same instant says the same time, whatever zone the instant is expressed in."""
    at = AT.astimezone(timezone(timedelta(hours=hours)))
    assert hhmm(at) == "14:02"
    assert tally_line(_snap({}), 3, at).startswith("14:02 đã tổng hợp 0 tệp")
    assert change_lines(_snap({}), _snap({"PL3.xlsx": USED}), NAMES, at)[0].startswith("14:02 nhận")


def test_the_loop_times_a_run_by_its_harvest_not_by_the_machine_clock():
    runs = iter([Snapshot(at=AT), Snapshot({"PL3.xlsx": USED}, at=AT + timedelta(minutes=3))])
    said = []
    report = watch_loop(["arrived"], lambda: next(runs), said.append, NAMES,
                        clock=lambda: datetime(2020, 3, 20, 1, 0, tzinfo=timezone.utc))
    assert said[0].startswith("14:02 ") and said[1].startswith("14:05 nhận")
    assert report.last_at == AT + timedelta(minutes=3)


# The loop ---------------------------------------------------------------------------------

def test_loop_reports_each_batch_keeps_going_after_an_error_and_stops_on_ctrl_c():
    results = iter([_snap({}), _snap({"PL3.xlsx": USED}, {("vp", "PL3"): "Đã nộp"}, 2),
                    CchcError("FILE_MISSING", "x.key"), _snap({}, {("vp", "PL3"): "Chưa nộp"}, 3)])

    def run():
        r = next(results)
        if isinstance(r, Exception):
            raise r
        return r

    def batches():
        yield from ("arrived", "broken", "removed")
        raise KeyboardInterrupt   # what watchfiles raises on Ctrl+C
    said, settled = [], []
    report = watch_loop(batches(), run, said.append, NAMES, settle=settled.append, clock=lambda: AT)
    assert report.interrupted and report.runs == 3 and settled == ["arrived", "broken", "removed"]
    assert said[0] == ("14:02 đã tổng hợp 0 tệp: 0/3 đơn vị đã nộp đủ phụ lục, không lỗi, 0 có lỗi; "
                       "còn thiếu phụ lục: 3 đơn vị")
    assert said[1].startswith("14:02 nhận PL3 của Văn phòng") and said[1].endswith("còn thiếu phụ lục: 2 đơn vị")
    assert said[2].startswith("14:02 Lỗi: x.key: không tìm thấy tệp.") and "giữ nguyên" in said[2]
    assert said[3].startswith("14:02 bỏ PL3") and said[3].endswith("còn thiếu phụ lục: 3 đơn vị")
    assert report.last.missing_units == 3


def test_loop_waits_while_the_inbox_is_away_and_harvests_when_it_is_back():
    results = iter([_snap({"PL3.xlsx": USED}, {("vp", "PL3"): "Đã nộp"}, 2),
                    _snap({"PL3.xlsx": USED, "x.xlsx": FileState("c", "", "", "rejected", "tệp hỏng", 1)},
                          {("vp", "PL3"): "Đã nộp"}, 2),
                    _snap({"PL3.xlsx": USED}, {("vp", "PL3"): "Đã nộp"}, 2)])
    said, settled = [], []
    batches = [Away(GONE), Away(UNREADABLE.format(why="không có quyền đọc")), Back(), Back()]
    report = watch_loop(batches, lambda: next(results), said.append, NAMES, settle=settled.append, clock=lambda: AT)
    assert report.runs == 3 and settled == []   # away: no run; back: a run, nothing to wait for
    assert said[1:] == [
        "14:02 thư mục nhận không còn; chờ thư mục được tạo lại — kết quả tổng hợp trước vẫn giữ nguyên",
        "14:02 không đọc được thư mục nhận (không có quyền đọc); chờ đến khi đọc được — kết quả tổng hợp trước "
        "vẫn giữ nguyên",
        "14:02 thư mục nhận đã có lại: tổng hợp lại",
        "14:02 nhận tệp chưa rõ của đơn vị nào, phụ lục nào («x.xlsx») — không dùng được: tệp hỏng; "
        "còn thiếu phụ lục: 2 đơn vị",
        "14:02 đã tổng hợp 2 tệp: 0/3 đơn vị đã nộp đủ phụ lục, không lỗi, 0 có lỗi; còn thiếu phụ lục: 2 đơn vị",
        "14:02 thư mục nhận đã có lại: tổng hợp lại",
        "14:02 bỏ tệp chưa rõ của đơn vị nào, phụ lục nào («x.xlsx» không còn trong thư mục nhận); "
        "còn thiếu phụ lục: 2 đơn vị",
        "14:02 đã tổng hợp 1 tệp: 0/3 đơn vị đã nộp đủ phụ lục, không lỗi, 0 có lỗi; còn thiếu phụ lục: 2 đơn vị"]


def test_ctrl_c_during_a_run_keeps_the_last_complete_one():
    calls = []

    def run():
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return _snap({})
    report = watch_loop(["change"], run, lambda _line: None, NAMES, clock=lambda: AT)
    assert report.interrupted and report.runs == 1 and report.last_at == AT


def test_a_file_being_copied_is_waited_for(tmp_path):
    target = tmp_path / "slow.xlsx"
    target.write_bytes(b"x")

    def writer():
        for _ in range(5):
            time.sleep(0.06)
            with open(target, "ab") as fh:
                fh.write(b"y" * 1000)
    thread = threading.Thread(target=writer)
    thread.start()
    wait_settled([target, tmp_path / "gone.xlsx"], settle=0.2)
    size = target.stat().st_size
    thread.join()
    assert size == 5001   # returned only after the last chunk


# The supervisor: following the inbox when it goes and comes back -------------------------

class Watchers:
    """Scripted watchers: ``start()`` returns the next script as a generator (an OSError
    in the scripts list is raised by start itself); each records whether it was closed."""

    def __init__(self, *scripts) -> None:
        self.scripts, self.started, self.closed = list(scripts), 0, 0

    def start(self):
        script = self.scripts.pop(0)
        if isinstance(script, OSError):
            raise script
        self.started += 1

        def gen():
            try:
                yield from script
            finally:
                self.closed += 1
        return gen()


def _states(*states):
    it = iter(states)
    return lambda: next(it)


A, B = (1, 10), (1, 11)   # two folders' identities (device, inode)
AWAY = Away(GONE)


@pytest.mark.parametrize(("scripts", "states", "expected"), [
    # deleted, still gone at the next tick, made again (same identity, e.g. renamed back): said once each
    ([[{"x"}, set(), {"y"}], [{"z"}]], [A, A, AWAY, AWAY, A, A], [{"x"}, AWAY, Back(), {"z"}]),
    # replaced by another folder under the same name between two ticks: no «away», but a new watcher
    ([[set(), {"x"}], [{"y"}]], [A, B, B], [Back(), {"y"}]),
    # gone, then unreadable, then readable: each state said once
    ([[set()], []], [A, AWAY, Away(UNREADABLE.format(why="không có quyền đọc")),
                     Away(UNREADABLE.format(why="không có quyền đọc")), A],
     [AWAY, Away(UNREADABLE.format(why="không có quyền đọc")), Back()]),
    # the new watcher cannot start at once: said, tried again at the next tick
    ([[set()], OSError(errno.EACCES, "Permission denied"), []], [A, AWAY, A, A],
     [AWAY, Away(UNREADABLE.format(why="không có quyền đọc")), Back()]),
    # the batch says the watched folder itself was deleted, though it is back by the time we look
    ([[{"deleted:inbox"}, {"x"}], [{"y"}]], [A, A, A], [Back(), {"y"}]),
])
def test_supervisor_follows_the_inbox(scripts, states, expected):
    watchers = Watchers(*scripts)
    items = list(supervised(watchers.start, _states(*states), lambda: True,
                            lost=lambda batch: "deleted:inbox" in batch))
    assert items == expected
    assert watchers.closed == watchers.started   # every watcher left behind is stopped


def test_supervisor_starts_the_first_watcher_at_once_and_stops_while_away():
    watchers = Watchers([set()])
    items = supervised(watchers.start, _states(A, AWAY), lambda: False)
    assert watchers.started == 1   # before the first harvest: nothing done meanwhile is missed
    assert list(items) == [AWAY] and watchers.closed == 1


def test_inbox_state(tmp_path, monkeypatch):
    inbox = tmp_path / "nhận"
    assert inbox_state(inbox) == AWAY
    inbox.mkdir()
    here = inbox_state(inbox)
    assert here == (os.stat(inbox).st_dev, os.stat(inbox).st_ino)
    inbox.rmdir()
    inbox.write_bytes(b"not a folder")
    assert inbox_state(inbox) == AWAY
    inbox.unlink()
    inbox.mkdir()
    real_scandir = os.scandir

    def refused(path):
        if Path(path) == inbox:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)
    monkeypatch.setattr(os, "scandir", refused)
    assert inbox_state(inbox) == Away("không đọc được thư mục nhận (không có quyền đọc); chờ đến khi đọc được")
