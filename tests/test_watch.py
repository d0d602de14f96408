"""cchc watch: the lines made from two harvests, the loop driven by scripted batches, and
the real watcher on a temporary inbox (files copied in slowly, renamed into place,
replaced, removed; runs never overlap; Ctrl+C stops cleanly)."""
from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from cchc.watch_commands import watch_inbox
from harvest.console import FileState, Snapshot, change_lines, snapshot
from harvest.run import harvest
from harvest.watch import wait_settled, watch_loop
from samples.fill import valid_values, write_values
from tests.conftest import TEST_KEY
from xlsx_forms.errors import CchcError

AT = datetime(2020, 3, 20, 14, 2)
NAMES = {"vp": "Văn phòng HĐND-UBND thành phố", "tu-phap": "Phòng Tư pháp", "tcnv": "Ban Tổ chức - Nội vụ"}
ROOT = Path(__file__).parents[1]


def _snap(files: dict[str, FileState], statuses=None, missing=3) -> Snapshot:
    return Snapshot(files, statuses or {}, missing)


USED = FileState("a1", "vp", "PL3", "used", "", 0)
CASES = [
    # (before, after, expected line), one per kind of change and outcome
    ({}, {"PL3.xlsx": USED}, {("vp", "PL3"): "Đã nộp"},
     "14:02 nhận PL3 của Văn phòng HĐND-UBND thành phố («PL3.xlsx») — đã nộp, 0 lỗi; còn thiếu: 3 đơn vị"),
    ({}, {"PL3.xlsx": USED}, {("vp", "PL3"): "Nộp muộn"},
     "14:02 nhận PL3 của Văn phòng HĐND-UBND thành phố («PL3.xlsx») — nộp muộn, 0 lỗi; còn thiếu: 3 đơn vị"),
    ({}, {"a/PL2.xls": FileState("b", "tu-phap", "PL2", "used", "", 4)}, {("tu-phap", "PL2"): "Có lỗi"},
     "14:02 nhận PL2 của Phòng Tư pháp («a/PL2.xls») — đã nộp, 4 lỗi; còn thiếu: 3 đơn vị"),
    ({}, {"x.xlsx": FileState("c", "", "", "rejected", "tệp không đọc được", 1)}, {},
     "14:02 nhận tệp chưa rõ của đơn vị nào, phụ lục nào («x.xlsx») — không dùng được: tệp không đọc được; "
     "còn thiếu: 3 đơn vị"),
    ({}, {"old.xlsx": FileState("d", "vp", "PL3", "superseded", "thay bằng new.xlsx", 0)}, {},
     ("14:02 nhận PL3 của Văn phòng HĐND-UBND thành phố («old.xlsx») — không dùng: đã có bản mới hơn "
     "(thay bằng new.xlsx); còn thiếu: 3 đơn vị")),
    ({}, {"b.xlsx": FileState("e", "vp", "PL3", "duplicate", "giống hệt a.xlsx", 0)}, {},
     ("14:02 nhận PL3 của Văn phòng HĐND-UBND thành phố («b.xlsx») — không dùng: giống hệt a.xlsx; "
     "còn thiếu: 3 đơn vị")),
    ({"PL3.xlsx": USED}, {"PL3.xlsx": FileState("a2", "vp", "PL3", "used", "", 2)}, {("vp", "PL3"): "Có lỗi"},
     ("14:02 nhận bản mới của PL3 của Văn phòng HĐND-UBND thành phố («PL3.xlsx», thay tệp cùng tên) — "
     "đã nộp, 2 lỗi; còn thiếu: 3 đơn vị")),
    ({"tmp/PL3.part": USED}, {"PL3.xlsx": USED}, {("vp", "PL3"): "Đã nộp"},
     ("14:02 đổi tên «tmp/PL3.part» thành «PL3.xlsx» (PL3 của Văn phòng HĐND-UBND thành phố) — đã nộp, 0 lỗi; "
     "còn thiếu: 3 đơn vị")),
    ({"PL3.xlsx": USED}, {}, {("vp", "PL3"): "Chưa nộp"},
     ("14:02 bỏ PL3 của Văn phòng HĐND-UBND thành phố («PL3.xlsx» không còn trong thư mục nhận) — "
     "PL3 nay: chưa nộp; còn thiếu: 3 đơn vị")),
]


@pytest.mark.parametrize(("before", "after", "statuses", "line"), CASES)
def test_one_line_per_change(before, after, statuses, line):
    assert change_lines(_snap(before), _snap(after, statuses), NAMES, AT) == [line]


def test_nothing_changed_says_nothing_and_all_done_is_said():
    same = _snap({"PL3.xlsx": USED})
    assert change_lines(same, same, NAMES, AT) == []
    done = change_lines(_snap({}), _snap({"PL3.xlsx": USED}, {("vp", "PL3"): "Đã nộp"}, missing=0), NAMES, AT)
    assert done[0].endswith("— đã nộp, 0 lỗi; đã đủ mọi đơn vị")


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
    assert said[0] == "14:02 đã tổng hợp 0 tệp: 0/3 đơn vị đã nộp đủ không lỗi, 0 có lỗi; còn thiếu: 3 đơn vị"
    assert said[1].startswith("14:02 nhận PL3 của Văn phòng") and said[1].endswith("còn thiếu: 2 đơn vị")
    assert said[2].startswith("14:02 Lỗi: x.key: không tìm thấy tệp.") and "giữ nguyên" in said[2]
    assert said[3].startswith("14:02 bỏ PL3") and said[3].endswith("còn thiếu: 3 đơn vị")
    assert report.last.missing_units == 3


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


# The real watcher, on a temporary inbox --------------------------------------------------

@pytest.fixture(scope="module")
def returns(tmp_path_factory, generated, catalogue):
    """Filled PL1 workbooks (bytes) of a few units, and a second, different version of one."""
    templates, _ = generated
    work = tmp_path_factory.mktemp("returns")
    made = {}
    form = catalogue.form("PL1")
    for unit in ("p-ngoc-ha", "p-quang-trung", "p-tran-phu", "x-phuong-do"):
        values = valid_values(form, unit, random.Random(unit))
        write_values(templates / unit / f"PL1_{unit}.xlsx", form, values, work / f"{unit}.xlsx",
                     saved_at=datetime(2020, 3, 18, 9))
        made[unit] = (work / f"{unit}.xlsx").read_bytes()
    values = valid_values(form, "p-ngoc-ha", random.Random("again"))
    write_values(templates / "p-ngoc-ha" / "PL1_p-ngoc-ha.xlsx", form, values, work / "again.xlsx",
                 saved_at=datetime(2020, 3, 19, 9))
    made["again"] = (work / "again.xlsx").read_bytes()
    return made


class Watcher:
    """watch_inbox in a thread with the real watcher and harvest; lines go to a queue."""

    def __init__(self, inbox: Path, out: Path, catalogue, registry) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.stop = threading.Event()
        self.active, self.overlaps, self.runs = 0, 0, 0

        def run():
            self.active += 1
            self.overlaps += self.active > 1
            try:
                return snapshot(harvest(inbox, out, catalogue, registry, TEST_KEY, datetime(2020, 3, 23).date()))
            finally:
                self.runs += 1
                self.active -= 1
        names = {u.code: u.name for u in registry.units}
        self.thread = threading.Thread(target=lambda: setattr(self, "report", watch_inbox(
            inbox, out, run, names, say=self.lines.put, settle=0.3, stop_event=self.stop)))
        self.thread.start()

    def expect(self, *parts: str, timeout: float = 30, seen: list | None = None) -> str:
        """The next line containing every one of ``parts`` (earlier lines are skipped, and
        kept in ``seen``)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                break
            if all(p in line for p in parts):
                return line
            if seen is not None:
                seen.append(line)
        raise AssertionError(f"no line with {parts} within {timeout} s")

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_watching_a_real_inbox(tmp_path, returns, catalogue, registry):
    inbox, out = tmp_path / "inbox", tmp_path / "summary"
    (inbox / "thư 18-3").mkdir(parents=True)
    (inbox / "thư 18-3" / "ngọc hà.xlsx").write_bytes(returns["p-ngoc-ha"])
    w = Watcher(inbox, out, catalogue, registry)
    try:
        assert "đã tổng hợp 1 tệp: 1/15 đơn vị" in w.expect("đã tổng hợp")
        # Copied in slowly, in chunks: read once, complete.
        data = returns["p-quang-trung"]
        with open(inbox / "quang trung.xlsx", "wb") as fh:
            for start in range(0, len(data), len(data) // 6 + 1):
                fh.write(data[start:start + len(data) // 6 + 1])
                fh.flush()
                time.sleep(0.05)
        line = w.expect("«quang trung.xlsx»")
        assert line[:2].isdigit() and line[2] == ":"   # the time of the run, HH:MM
        assert "nhận PL1 của UBND phường Quang Trung («quang trung.xlsx») — đã nộp, 0 lỗi; còn thiếu: 13 đơn vị" in line
        # Written under another name outside, renamed into place.
        (tmp_path / "tran-phu.part").write_bytes(returns["p-tran-phu"])
        os.replace(tmp_path / "tran-phu.part", inbox / "tran-phu.xlsx")
        assert "nhận PL1 của UBND phường Trần Phú («tran-phu.xlsx») — đã nộp, 0 lỗi; còn thiếu: 12 đơn vị" in w.expect(
            "«tran-phu.xlsx»")
        # Replaced by a newer version under the same name.
        (tmp_path / "again.part").write_bytes(returns["again"])
        os.replace(tmp_path / "again.part", inbox / "thư 18-3" / "ngọc hà.xlsx")
        assert "nhận bản mới của PL1 của UBND phường Ngọc Hà («thư 18-3/ngọc hà.xlsx»" in w.expect("bản mới")
        # Excel opens a returned file in the inbox: its lock file comes and goes unannounced.
        (inbox / "~$quang trung.xlsx").write_bytes(b"\x08Nguyen Van A" + bytes(150))
        time.sleep(0.05)
        (inbox / "~$quang trung.xlsx").unlink()
        # Removed.
        (inbox / "tran-phu.xlsx").unlink()
        skipped: list[str] = []
        assert "bỏ PL1 của UBND phường Trần Phú («tran-phu.xlsx» không còn trong thư mục nhận) — PL1 nay: chưa nộp; " \
               "còn thiếu: 13 đơn vị" in w.expect("bỏ PL1", seen=skipped)
        assert not [line for line in skipped if "~$" in line], skipped
        # A burst of changes while runs go on: never two runs at once, and the last run sees all.
        for i in range(6):
            (inbox / f"phuong-do-{i}.xlsx").write_bytes(returns["x-phuong-do"])
            time.sleep(0.05)
        w.expect("phuong-do-5.xlsx")
    finally:
        w.close()
    assert w.overlaps == 0 and w.report.runs == w.runs and not w.report.interrupted
    assert "phuong-do-5.xlsx" in w.report.last.files and len(w.report.last.files) == 8
    # Nothing was written into the inbox.
    assert set(_listing(inbox)) == {"thư 18-3/ngọc hà.xlsx", "quang trung.xlsx",
                                    *(f"phuong-do-{i}.xlsx" for i in range(6))}
    assert (out / "status.csv").exists()


def _cli(*args, cwd=ROOT):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "cchc", "watch", *map(str, args)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")


@pytest.mark.skipif(os.name == "nt", reason="SIGINT cannot be sent to a console process this way on Windows")
def test_ctrl_c_stops_the_command_cleanly(tmp_path, returns, key_file_path):
    inbox, out = tmp_path / "inbox", tmp_path / "summary"
    inbox.mkdir()
    (inbox / "ngoc-ha.xlsx").write_bytes(returns["p-ngoc-ha"])
    proc = _cli(inbox, "--out", out, "--key-file", key_file_path, "--templates", tmp_path / "none", "--settle", "0.2")
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)
    reader.start()
    seen = []

    def until(text: str) -> None:
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                seen.append(lines.get(timeout=0.2))
            except queue.Empty:
                continue
            if text in seen[-1]:
                return
        raise AssertionError(f"no «{text}» within 30 s: {''.join(seen)}")
    try:
        until("đã tổng hợp 1 tệp")
        (inbox / "quang-trung.xlsx").write_bytes(returns["p-quang-trung"])
        until("«quang-trung.xlsx»")
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(timeout=10)   # the output is read to its end
    rest = "".join(iter(lambda: lines.get_nowait() if not lines.empty() else None, None))
    output = "".join(seen) + rest
    assert proc.returncode == 0, output
    assert "Traceback" not in output
    assert "Đã dừng theo dõi sau 2 lần tổng hợp" in rest
    assert sorted(p.name for p in inbox.iterdir()) == ["ngoc-ha.xlsx", "quang-trung.xlsx"]


@pytest.fixture()
def key_file_path(tmp_path):
    path = tmp_path / "hmac.key"
    path.write_text(TEST_KEY.hex())
    return path


def test_refuses_an_output_folder_inside_the_inbox(tmp_path, key_file_path):
    from click.testing import CliRunner

    from cchc.cli import cli
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    result = CliRunner().invoke(cli, ["watch", str(inbox), "--out", str(inbox / "kq"), "--key-file",
                                      str(key_file_path), "--templates", str(tmp_path / "none")])
    assert result.exit_code == 2 and "Lỗi:" in result.output
    assert list(inbox.iterdir()) == []
