"""Killing a harvest while it writes leaves the previous outputs intact and readable."""
from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl

from samples.build_samples import DEMO_KEY
from xlsx_forms.outdir import MARKER
from xlsx_forms.outwrite import recover

REPO = Path(__file__).parents[1]
SAMPLES = REPO / "samples" / "inbox"
# Run the CLI with os.fsync slowed down, so the test can kill it while outputs are written.
SLOW = ("import os, time\n"
        "real = os.fsync\n"
        "def slow(fd):\n    time.sleep(3)\n    real(fd)\n"
        "os.fsync = slow\n"
        "from cchc.cli import main\nmain()\n")


def _harvest(out: Path, slow: bool = False) -> subprocess.Popen:
    args = ["-c", SLOW] if slow else ["-m", "cchc"]
    return subprocess.Popen([sys.executable, *args, "harvest", str(SAMPLES), "--key-file", str(DEMO_KEY),
                             "--out", str(out)], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir()}


def _readable(out: Path) -> None:
    openpyxl.load_workbook(out / "tong-hop-cchc.xlsx")
    for name in ("values.csv", "issues.csv", "ledger.csv"):
        assert list(csv.reader(io.StringIO((out / name).read_bytes().decode("utf-8-sig"))))


def test_kill_while_writing(tmp_path):
    out = tmp_path / "summary"
    assert _harvest(out).wait(timeout=120) == 0
    before = _snapshot(out)
    proc = _harvest(out, slow=True)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".summary.new-*/*")):   # it has started writing
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _snapshot(out) == before
    _readable(out)
    assert _harvest(out).wait(timeout=120) == 0            # the next run cleans up after it
    assert [p.name for p in tmp_path.iterdir()] == ["summary"]


def test_recover_puts_back_outputs_moved_aside(tmp_path):
    out = tmp_path / "summary"
    aside = tmp_path / ".summary.old-abc12_xy"
    (aside / "previous").mkdir(parents=True)
    (aside / MARKER).write_text("cchc aside\n")
    (aside / "previous" / "values.csv").write_text("x")
    (tmp_path / ".summary.new-def34567").mkdir()                # killed before its marker: empty
    (tmp_path / ".summary.new-mno23_ef").mkdir()                # killed while writing its marker
    (tmp_path / ".summary.new-mno23_ef" / f".{MARKER}.k3j2.tmp").write_text("cchc sta")
    half = tmp_path / ".summary.new-ghi89_ab"                  # killed while writing
    half.mkdir()
    (half / MARKER).write_text("cchc staging harvest\n")
    (half / "values.csv").write_text("half")
    done = tmp_path / ".summary.new-jkl01_cd"                  # killed between marker and swap
    done.mkdir()
    (done / MARKER).write_text("cchc harvest\nvalues.csv\n")
    (done / "values.csv").write_text("done")
    recover(out)
    assert (out / "values.csv").read_text() == "x"
    assert [p.name for p in tmp_path.iterdir()] == ["summary"]
    shutil.rmtree(out)


def test_recover_never_touches_folders_without_the_marker(tmp_path):
    """A user's folders that happen to match the staging and aside names stay as they are."""
    out = tmp_path / "summary"
    mine = {".summary.old-thang3ab/previous/ghi chú.txt": "a", ".summary.new-bản nháp/số liệu.xlsx": "b",
            ".summary.old-x1234567/.cchc-output": "cchc harvest\n", ".summary.new-y1234567/.cchc-output": "no\n",
            ".summary.new-y1234567/values.csv": "c",
            # Another output folder's staging, whose name starts like this one's: not a leftover of it.
            ".summary.new-x.new-abcdefgh/.cchc-output": "cchc harvest\n"}
    for rel, text in mine.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    recover(out)
    assert not out.exists()
    assert {p.relative_to(tmp_path).as_posix(): p.read_text() for p in tmp_path.rglob("*") if p.is_file()} == mine


def test_recover_never_removes_a_users_copy_of_outputs_with_their_own_files(tmp_path):
    """A copy of cchc's outputs, marker included, named like a leftover and holding the
    user's own work, is not a leftover: nothing cchc did not write is ever removed."""
    out = tmp_path / "summary"
    mine = {".summary.new-20200323/.cchc-output": "cchc harvest\nvalues.csv\n",
            ".summary.new-20200323/values.csv": "v", ".summary.new-20200323/phân tích của tôi.xlsx": "u",
            ".summary.old-20200323/.cchc-output": "cchc aside\n",
            ".summary.old-20200323/previous/values.csv": "p", ".summary.old-20200323/ghi chú.txt": "u"}
    for rel, text in mine.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    recover(out)
    assert {p.relative_to(tmp_path).as_posix(): p.read_text() for p in tmp_path.rglob("*") if p.is_file()} == mine


def test_the_lock_file_is_never_written_through_a_link(tmp_path):
    victim = tmp_path / "của người dùng.txt"
    victim.write_text("dữ liệu quan trọng")
    out = tmp_path / "summary"
    (tmp_path / ".summary.cchc-lock").symlink_to(victim)
    run = _harvest(out)
    assert run.wait(timeout=120) == 2
    assert victim.read_text() == "dữ liệu quan trọng" and not out.exists()
    os.unlink(tmp_path / ".summary.cchc-lock")
    os.link(victim, tmp_path / ".summary.cchc-lock")          # a hard link: the same file
    assert _harvest(out).wait(timeout=120) == 2
    assert victim.read_text() == "dữ liệu quan trọng" and not out.exists()
