"""cchc watch, what it says and when it holds back: entries the last run read files from
that cannot be read now (a folder or a file made unreadable) keep the previous outputs
until they can be read again; the narrative report is named as people read it; duplicates
and older versions name the file they yield to in «»; the tallies say what they count."""
from __future__ import annotations

import dataclasses
import errno
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from harvest import watch
from harvest.console import FileState, Snapshot, change_lines, form_names, snapshot, tally_line
from harvest.inbox import FILE, FOLDER, GONE, LINK, InboxFile
from harvest.watch import unreadable, watch_loop
from xlsx_forms.outline import default_outline

AT = datetime(2020, 3, 20, 7, 2, tzinfo=timezone.utc)   # 14:02 in Vietnam
NAMES = {"tp": "UBND phường Trần Phú", "tu-phap": "Phòng Tư pháp"}
DENIED = PermissionError(errno.EACCES, "Permission denied")
BROKEN = OSError(errno.EIO, "Input/output error")
VANISHED = FileNotFoundError(errno.ENOENT, "No such file or directory")


def _read(rel: str) -> FileState:
    return FileState("h-" + rel, "tp", "PL1", "used", "", 0)


def _entry(rel: str) -> InboxFile:
    kind = FOLDER if rel.endswith("/") else GONE if rel.startswith("gone") else LINK if rel.endswith(".lnk") else FILE
    return InboxFile(rel, "/in/" + rel, 0, 0.0, kind, error="x" if kind in (FOLDER, GONE) else "")


# (files the last run read (rel → read or not), the entry of the scan, the error opening it now, held back)
CASES = [
    ({"batch/a.xlsx": True}, "batch/", DENIED, True),
    ({"batch/sub/a.xlsx": True}, "batch/", DENIED, True),
    ({"batch/sub/a.xlsx": True}, "batch/sub/", BROKEN, True),
    ({"batch/a.xlsx": True}, "bat/", DENIED, False),            # another folder whose name starts alike
    ({"batch/a.xlsx": False}, "batch/", DENIED, False),         # nothing read there: harvested as ever
    ({"a.xlsx": True}, "batch/", DENIED, False),                # unreadable from the start
    ({"a.xlsx": True}, "a.xlsx", DENIED, True),
    ({"a.xlsx": True}, "a.xlsx", BROKEN, True),
    ({"a.xlsx": False}, "a.xlsx", DENIED, False),               # not read last time either
    ({"a.xlsx": True}, "b.xlsx", DENIED, False),                # new and unreadable: the harvest says so
    ({"a.xlsx": True}, "a.xlsx", VANISHED, False),              # gone: a removal, not a blockage
    ({"a.xlsx": True}, "a.xlsx", None, False),
    ({"gone.xlsx": True}, "gone.xlsx", DENIED, True),
    ({"x.lnk": True}, "x.lnk", DENIED, False),                  # not a file the harvest reads
]


@pytest.mark.parametrize(("read", "rel", "error", "held"), CASES)
def test_unreadable_holds_back_only_what_the_last_run_read(read, rel, error, held, monkeypatch, tmp_path):
    before = Snapshot({r: _read(r) if ok else FileState("", "", "", "rejected", "x", 1) for r, ok in read.items()})
    monkeypatch.setattr(watch.kinds, "scan", lambda _inbox: [_entry(rel)])
    opened = []
    monkeypatch.setattr(watch, "_opened", lambda path, folder: opened.append((path, folder)) or error)
    found = unreadable(tmp_path, before)
    why = {DENIED: "không có quyền đọc", BROKEN: "lỗi đọc/ghi của ổ đĩa"}.get(error, "")
    assert [r for r, _ in found] == ([rel] if held else [])
    assert all(w.startswith(why) for _, w in found)


def test_unreadable_really_opens_folders_and_files(tmp_path):
    (tmp_path / "batch").mkdir()
    (tmp_path / "batch" / "a.xlsx").write_bytes(b"x")
    assert watch._opened(str(tmp_path / "batch"), True) is None
    assert watch._opened(str(tmp_path / "batch" / "a.xlsx"), False) is None
    assert isinstance(watch._opened(str(tmp_path / "none"), True), FileNotFoundError)
    assert unreadable(tmp_path, Snapshot({"batch/a.xlsx": _read("batch/a.xlsx")})) == []


def test_the_loop_keeps_the_outputs_while_blocked_and_harvests_when_readable():
    """35 appendices under «batch/» counted: the folder made unreadable must not turn into 35
    removals and replaced outputs; one line, then the harvest once it can be read."""
    counted = {f"batch/{i}.xlsx": FileState(f"h{i}", f"u{i}", "PL1", "used", "", 0) for i in range(35)}
    first = Snapshot(counted, {(f"u{i}", "PL1"): "Đã nộp" for i in range(35)}, 1, 34, 0, AT)
    arrived = dict(counted, **{"new.xlsx": FileState("n", "tp", "PL1", "used", "", 0)})
    later = Snapshot(arrived, {**first.statuses, ("tp", "PL1"): "Đã nộp"}, 0, 35, 0, AT)
    runs = iter([first, later])
    ran = []

    def run():
        ran.append(1)
        return next(runs)
    stuck = iter([[("batch/", "không có quyền đọc")]] * 3 + [[]])
    said: list[str] = []
    report = watch_loop([{1}, {2}, {3}, {4}], run, said.append, {**NAMES, **{f"u{i}": f"U{i}" for i in range(35)}},
                        clock=lambda: AT, blocked=lambda before: next(stuck))
    assert len(ran) == 2 and report.runs == 2 and report.last is later
    assert said[1:] == [
        "14:02 không đọc được «batch/» (không có quyền đọc); giữ nguyên kết quả trước, chờ đến khi đọc được",
        f"14:02 nhận PL1 của {NAMES['tp']} («new.xlsx») — đã nộp, 0 lỗi; đã đủ phụ lục của mọi đơn vị"]


def test_the_loop_checks_against_the_last_run():
    seen = []
    snaps = iter([Snapshot(at=AT), Snapshot(at=AT)])
    watch_loop([{1}], lambda: next(snaps), lambda _line: None, NAMES, blocked=lambda before: seen.append(before) or [])
    assert len(seen) == 1 and seen[0].at == AT


OUTLINE = default_outline()


@pytest.mark.parametrize(("kind", "name", "expected"), [
    (None, None, "báo cáo theo Đề cương"),
    ("TỜ TRÌNH", "ĐỀ CƯƠNG TỜ TRÌNH", "tờ trình theo Đề cương"),
    ("BÁO CÁO", "KHUNG BÁO CÁO", "báo cáo theo Khung"),
    ("BÁO CÁO", "BÁO CÁO", "báo cáo"),
])
def test_the_narrative_report_is_named_from_the_outline(kind, name, expected):
    outline = dataclasses.replace(OUTLINE, **({"kind": kind, "name": name} if kind else {}))
    forms = form_names(outline)
    assert forms == {OUTLINE.id: expected} and form_names(None) == {}
    report = FileState("r1", "tp", OUTLINE.id, "used", "", 0)
    before = Snapshot({"bc.docx": report}, {("tp", OUTLINE.id): "Đã nộp"}, 0, no_report_units=3)
    after = Snapshot({}, {("tp", OUTLINE.id): "Chưa nộp"}, 0, no_report_units=4)
    assert change_lines(Snapshot(no_report_units=4), before, NAMES, AT, forms)[0].startswith(
        f"14:02 nhận {expected} của UBND phường Trần Phú («bc.docx») — đã nộp")
    assert change_lines(before, after, NAMES, AT, forms) == [
        f"14:02 bỏ {expected} của UBND phường Trần Phú («bc.docx» không còn trong thư mục nhận) — {expected} nay: "
        f"chưa nộp; đã đủ phụ lục của mọi đơn vị; chưa gửi {expected}: 4 đơn vị"]
    assert OUTLINE.id not in " ".join(change_lines(before, after, NAMES, AT, forms)).split()


@pytest.mark.parametrize(("missing", "no_report", "tail"), [
    (1, None, "còn thiếu phụ lục: 1 đơn vị"),
    (1, 12, "còn thiếu phụ lục: 1 đơn vị; chưa gửi báo cáo theo Đề cương: 12 đơn vị"),
    (0, 0, "đã đủ phụ lục của mọi đơn vị"),
    (0, 2, "đã đủ phụ lục của mọi đơn vị; chưa gửi báo cáo theo Đề cương: 2 đơn vị"),
])
def test_the_tally_says_what_it_counts(missing, no_report, tail):
    snap = Snapshot({}, {}, missing, 12, 2, no_report_units=no_report)
    assert tally_line(snap, 15, AT, form_names(OUTLINE)) == (
        f"14:02 đã tổng hợp 0 tệp: 12/15 đơn vị đã nộp đủ phụ lục, không lỗi, 2 có lỗi; {tail}")


def _result(files: list[tuple[str, str, str, str]]) -> SimpleNamespace:
    """A harvest's result of files (rel, content, outcome, reason) of one unit's PL1."""
    results = [SimpleNamespace(rel=rel, sha256=sha, unit="tu-phap", form="PL1", issues=[], reason="")
               for rel, sha, _, _ in files]
    rec = SimpleNamespace(outcomes={rel: (how, why) for rel, _, how, why in files}, statuses=[],
                          unit_tally=lambda: (0, 0, 0))
    return SimpleNamespace(results=results, reconciliation=rec, reports=None)


SAME = "trùng lặp: giống hệt «{}» đã nhận, không thay đổi gì"
NEWER = "không dùng: đã có bản mới hơn «{}»"
# Arriving in one batch: (files of the harvest, {rel: what its line says})
BATCHES = [
    ([("batch/a/Phụ lục 1.xlsx", "x", "used", ""), ("batch/b/Phụ lục 1.xlsx", "x", "duplicate", "giống hệt batch/a/…")],
     {"batch/b/Phụ lục 1.xlsx": SAME.format("batch/a/Phụ lục 1.xlsx")}),
    ([("BC (sửa lại).docx", "y", "used", ""), ("BC.docx", "x", "superseded", "thay bằng BC (sửa lại).docx")],
     {"BC.docx": NEWER.format("BC (sửa lại).docx")}),
    # A copy of the older version: it repeats the older one, which yields to the newest.
    ([("new.xlsx", "y", "used", ""), ("old.xlsx", "x", "superseded", "thay bằng new.xlsx"),
      ("old2.xlsx", "x", "duplicate", "giống hệt old.xlsx")],
     {"old.xlsx": NEWER.format("new.xlsx"), "old2.xlsx": SAME.format("old.xlsx")}),
]


@pytest.mark.parametrize(("files", "says"), BATCHES)
def test_duplicates_and_older_versions_name_their_file_in_quotes(files, says):
    after = snapshot(_result(files), AT)
    lines = change_lines(Snapshot(), after, NAMES, AT)
    for rel, text in says.items():
        line = next(x for x in lines if f"(«{rel}»)" in x)
        assert f" — {text}; " in line
        assert "((" not in line and "))" not in line and "thay bằng" not in line
