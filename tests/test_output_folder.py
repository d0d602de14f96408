"""The output-folder rule: cchc never writes into, around or inside a folder it reads, and
replaces or writes into only folders it made; one run at a time per folder."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cchc.cli import cli
from oslayer import dirlock
from samples.build_samples import DEMO_KEY
from tests.conftest import TEST_KEY
from xlsx_forms.outdir import MARKER, read_marker

REPO = Path(__file__).parents[1]
SAMPLES = REPO / "samples" / "inbox"
# What versions before the marker wrote (outdir recognises such a folder), and what a harvest writes now.
LEGACY_HARVEST_FILES = ["issues.csv", "ledger.csv", "status.csv", "tong-hop-cchc.xlsx", "values.csv"]
HARVEST_FILES = sorted([*LEGACY_HARVEST_FILES, "city.csv", "phu-luc-thanh-pho.xlsx", "sections.csv"])


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def tree(folder: Path) -> dict[str, tuple[str, int]]:
    """Every entry below ``folder``: content hash (or kind) and mtime, links not followed."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = ("link:" + os.readlink(path), 0)
        elif path.is_file():
            out[rel] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        else:
            out[rel] = ("dir", 0)
    return out


@pytest.fixture()
def place(tmp_path):
    """tmp_path/work/inbox: a copy of the sample returns, plus a user's file beside it."""
    work = tmp_path / "work"
    shutil.copytree(SAMPLES, work / "inbox")
    (work / "ghi chú của tôi.txt").write_text("không được xóa", encoding="utf-8")
    return work


# Where --out points, relative to the working folder holding the inbox.
OVERLAPS = {
    "the inbox itself": ("inbox", "trùng với"),
    "the inbox with a trailing dot-dot": ("inbox/2020-03-16/..", "trùng với"),
    "a folder inside the inbox": ("inbox/2020-03-16", "nằm trong"),
    "a new folder inside the inbox": ("inbox/kết quả", "nằm trong"),
    "a new folder two levels inside": ("inbox/a/b", "nằm trong"),
    "the folder holding the inbox": (".", "chứa"),
    "the folder above that": ("..", "chứa"),
    "a link to the inbox": ("link-to-inbox", "trùng với"),
    "a new folder through a link into the inbox": ("link-to-inbox/mới", "nằm trong"),
    "a link to a folder inside the inbox": ("link-inside", "nằm trong"),
    "a link to the folder above": ("link-up", "chứa"),
}


@pytest.mark.parametrize("case", list(OVERLAPS))
def test_harvest_refuses_an_out_that_overlaps_the_inbox(place, tmp_path, case):
    rel, relation = OVERLAPS[case]
    os.symlink(place / "inbox", place / "link-to-inbox")
    os.symlink(place / "inbox" / "2020-03-17", place / "link-inside")
    os.symlink(tmp_path, place / "link-up")
    before = tree(tmp_path)
    result = run("harvest", place / "inbox", "--key-file", DEMO_KEY, "--out", place / rel)
    assert result.exit_code == 2, result.output
    assert "Lỗi: " in result.output and f"thư mục ghi (--out) {relation} thư mục nhận" in result.output
    assert tree(tmp_path) == before          # nothing written, moved or removed anywhere


def test_harvest_refuses_the_inbox_spelled_in_other_case(place):
    if not (place / "INBOX").exists():
        pytest.skip("needs a case-insensitive file system (Windows, macOS)")
    result = run("harvest", place / "inbox", "--key-file", DEMO_KEY, "--out", place / "INBOX")
    assert result.exit_code == 2 and "trùng với thư mục nhận" in result.output


def _user_folder(out: Path, entries: dict[str, str]) -> None:
    for rel, text in entries.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text, encoding="utf-8")


# Existing --out folders that are not cchc's harvest outputs: refused, left exactly as they are.
FOREIGN = {
    "a user's documents": {"báo cáo.docx": "x", "ảnh/1.jpg": "y"},
    "one file only": {"values.csv": "của tôi"},
    "old outputs plus a user's file": {**dict.fromkeys(LEGACY_HARVEST_FILES, "old"), "ghi chú.txt": "x"},
    "old outputs plus a sub-folder": {**dict.fromkeys(LEGACY_HARVEST_FILES, "old"), "lưu/values.csv": "x"},
    "marked, with a file cchc did not write": {MARKER: "cchc harvest\nvalues.csv\n", "values.csv": "a",
                                               "thêm.txt": "b"},
    "marked as templates": {MARKER: "cchc templates\nmanifest.csv\n", "manifest.csv": "a"},
    "marked as an outbox": {MARKER: "cchc outbox\n", "mau-vp.eml": "a"},
    "a marker of an unknown kind": {MARKER: "cchc something\n", "a.txt": "b"},
}


@pytest.mark.parametrize("case", list(FOREIGN))
def test_harvest_refuses_a_folder_it_did_not_make(place, tmp_path, case):
    out = place / "kết quả"
    _user_folder(out, FOREIGN[case])
    before = tree(tmp_path)
    result = run("harvest", place / "inbox", "--key-file", DEMO_KEY, "--out", out)
    assert result.exit_code == 2, result.output
    assert "Lỗi: " in result.output and "không dùng được làm thư mục ghi (--out)" in result.output
    assert str(out) in result.output and "không có gì bị xóa" in result.output
    assert tree(tmp_path) == before


def test_a_link_inside_the_out_folder_is_not_cchcs(place, tmp_path):
    out = place / "kết quả"
    assert run("harvest", place / "inbox", "--key-file", DEMO_KEY, "--out", out).exit_code == 0
    os.symlink(place / "ghi chú của tôi.txt", out / "lối tắt.txt")
    before = tree(tmp_path)
    result = run("harvest", place / "inbox", "--key-file", DEMO_KEY, "--out", out)
    assert result.exit_code == 2 and "«lối tắt.txt» không do cchc tạo" in result.output
    assert tree(tmp_path) == before


@pytest.mark.parametrize("case", ["missing", "empty", "own outputs", "outputs of the version before the marker",
                                  "old outputs without status.csv"])
def test_harvest_writes_where_it_may(place, case):
    out = place / "kết quả"
    if case == "empty":
        out.mkdir()
    elif case == "own outputs":
        assert run("harvest", place / "inbox", "--key-file", DEMO_KEY, "--out", out).exit_code == 0
    elif case.startswith(("outputs", "old outputs")):
        _user_folder(out, {n: "old" for n in LEGACY_HARVEST_FILES
                           if not (case.endswith("status.csv") and n == "status.csv")})
    result = run("harvest", place / "inbox", "--key-file", DEMO_KEY, "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [MARKER, *HARVEST_FILES]
    assert read_marker(out) == ("harvest", set(HARVEST_FILES))
    assert (place / "ghi chú của tôi.txt").read_text(encoding="utf-8") == "không được xóa"
    assert sorted(p.name for p in place.iterdir()) == ["ghi chú của tôi.txt", "inbox", "kết quả"]


def test_out_that_is_a_file_is_refused(place):
    result = run("harvest", place / "inbox", "--key-file", DEMO_KEY, "--out", place / "ghi chú của tôi.txt")
    assert result.exit_code == 2 and "Lỗi: " in result.output
    assert (place / "ghi chú của tôi.txt").read_text(encoding="utf-8") == "không được xóa"


# ---- the same rule for generate, feedback and mail ------------------------------------------

@pytest.fixture()
def key_file(tmp_path):
    path = tmp_path / "hmac.key"
    path.write_text(TEST_KEY.hex())
    return path


def test_generate_replaces_only_its_own_folder(tmp_path, key_file):
    out = tmp_path / "templates"
    _user_folder(out, {"hợp đồng.pdf": "x"})
    before = tree(tmp_path)
    result = run("generate", "--forms", "PL2", "--key-file", key_file, "--out", out)
    assert result.exit_code == 2 and "«hợp đồng.pdf» không do cchc tạo" in result.output
    assert tree(tmp_path) == before
    shutil.rmtree(out)
    assert run("generate", "--forms", "PL2", "--key-file", key_file, "--out", out).exit_code == 0
    # A second run replaces the set whole: no workbook of the first survives.
    assert run("generate", "--forms", "PL7", "--key-file", key_file, "--out", out).exit_code == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.xlsx")) == ["vhtt/PL7_vhtt.xlsx"]
    kind, files = read_marker(out)
    assert kind == "templates" and files == {"manifest.csv", "settings.json", "vhtt/PL7_vhtt.xlsx"}


def test_generate_accepts_templates_of_the_version_before_the_marker(tmp_path, key_file):
    out = tmp_path / "templates"
    _user_folder(out, {"manifest.csv": "unit_code,unit_name,email,form,file\n", "vp/PL3_vp.xlsx": "old",
                       "tu-phap/PL2_tu-phap.xlsx": "old"})
    assert run("generate", "--forms", "PL2", "--key-file", key_file, "--out", out).exit_code == 0
    assert read_marker(out)[0] == "templates" and not (out / "vp").exists()


def test_generate_refuses_a_harvest_folder(place, key_file):
    out = place / "kết quả"
    assert run("harvest", place / "inbox", "--key-file", DEMO_KEY, "--out", out).exit_code == 0
    before = tree(out)
    result = run("generate", "--forms", "PL2", "--key-file", key_file, "--out", out)
    assert result.exit_code == 2 and "đây là thư mục kết quả tổng hợp (cchc harvest)" in result.output
    assert tree(out) == before


@pytest.fixture()
def made(tmp_path, key_file):
    """Templates and a harvest of one return, as cchc made them."""
    templates = tmp_path / "templates"
    assert run("generate", "--forms", "PL3", "--key-file", key_file, "--out", templates).exit_code == 0
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(templates / "vp" / "PL3_vp.xlsx", inbox / "PL3.xlsx")
    summary = tmp_path / "summary"
    assert run("harvest", inbox, "--key-file", key_file, "--out", summary).exit_code == 0
    return templates, summary


@pytest.mark.parametrize("where, fragment", [
    ("{templates}", "trùng với thư mục biểu mẫu (--templates)"),
    ("{templates}/thư", "nằm trong thư mục biểu mẫu (--templates)"),
    ("{tmp}", "chứa thư mục biểu mẫu (--templates)"),
    ("{summary}", "trùng với thư mục kết quả tổng hợp (--summary)"),
])
def test_mail_never_writes_into_what_it_reads(made, tmp_path, where, fragment):
    templates, summary = made
    outbox = Path(where.format(templates=templates, summary=summary, tmp=tmp_path))
    before = tree(tmp_path)
    result = run("mail", "--reminders", "--summary", summary, "--templates", templates, "--out", outbox)
    assert result.exit_code == 2 and fragment in result.output, result.output
    assert tree(tmp_path) == before


def test_mail_writes_into_its_outbox_and_keeps_what_is_there(made, tmp_path):
    templates, _ = made
    outbox = tmp_path / "outbox"
    assert run("mail", "--templates", templates, "--out", outbox).exit_code == 0
    (outbox / "sent.csv").write_text("message_id,file,to,status,at,detail\r\n")
    assert run("mail", "--templates", templates, "--out", outbox).exit_code == 0
    assert read_marker(outbox)[0] == "outbox" and (outbox / "sent.csv").exists()
    foreign = tmp_path / "thư của tôi"
    _user_folder(foreign, {"thư riêng.eml": "x"})
    result = run("mail", "--templates", templates, "--out", foreign)
    assert result.exit_code == 2 and "«thư riêng.eml» không do cchc tạo" in result.output
    assert [p.name for p in foreign.iterdir()] == ["thư riêng.eml"]


@pytest.mark.parametrize("args, fragment", [
    (["--out", "{summary}"], "trùng với thư mục kết quả tổng hợp (--summary)"),
    (["--outbox", "{summary}"], "trùng với thư mục kết quả tổng hợp (--summary)"),
    (["--out", "{tmp}/fb", "--outbox", "{tmp}/fb"], "trùng với thư mục thư đi (--outbox)"),
    (["--out", "{templates}"], "đây là thư mục biểu mẫu (cchc generate)"),
])
def test_feedback_never_writes_into_what_it_reads(made, tmp_path, key_file, args, fragment):
    templates, summary = made
    args = [a.format(summary=summary, templates=templates, tmp=tmp_path) for a in args]
    before = tree(tmp_path)
    result = run("feedback", "--summary", summary, "--key-file", key_file, *args)
    assert result.exit_code == 2 and fragment in result.output, result.output
    assert tree(tmp_path) == before


# ---- the lock ---------------------------------------------------------------------------------

def test_lock_waits_for_the_holder_then_takes_a_fresh_file(tmp_path):
    folder = tmp_path / "out"
    path = dirlock.lock_path(folder)
    got = []

    def second():
        with dirlock.hold(folder, wait=10, on_wait=got.append):
            got.append(path.read_text().strip())
            # A third waits no longer than it is told.
            with pytest.raises(dirlock.Busy), dirlock.hold(folder, wait=0.3):
                pass

    with dirlock.hold(folder, wait=0):
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)
        assert got == [str(os.getpid())]        # told once who holds it
    thread.join(10)
    assert got == [str(os.getpid()), str(os.getpid())]
    assert not path.exists()                     # released: no lock file left


FAKE_MSVCRT = (  # msvcrt.locking (a mandatory byte-range lock) emulated with POSIX record locks
    "import errno, fcntl, os, types\n"
    "m = types.ModuleType('msvcrt'); m.LK_UNLCK, m.LK_NBLCK = 0, 2\n"
    "def locking(fd, mode, n):\n"
    "    start = os.lseek(fd, 0, os.SEEK_CUR)\n"
    "    try:\n"
    "        fcntl.lockf(fd, fcntl.LOCK_UN if mode == m.LK_UNLCK else fcntl.LOCK_EX | fcntl.LOCK_NB, n, start)\n"
    "    except BlockingIOError:\n"
    "        raise PermissionError(errno.EACCES, 'Permission denied') from None\n"
    "m.locking = locking\n"
    "from oslayer import dirlock\n"
    "dirlock.msvcrt, dirlock.BACKEND = m, 'msvcrt'\n")
SLOW_WRITES = ("import os, time\nreal = os.fsync\n"
               "def slow(fd):\n    time.sleep(1)\n    real(fd)\nos.fsync = slow\n")
MAIN = "from cchc.cli import main\nmain()\n"


def _start(inbox: Path, out: Path, prelude: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", prelude + MAIN, "harvest", str(inbox), "--key-file",
                             str(DEMO_KEY), "--out", str(out)], cwd=REPO, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _writing(out: Path, proc: subprocess.Popen) -> None:
    """Wait until ``proc`` holds the lock and writes its staging folder."""
    deadline = time.monotonic() + 120
    while not list(out.parent.glob(f".{out.name}.new-*/*.csv")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)


@pytest.mark.parametrize("backend", ["fcntl", "msvcrt"])
def test_two_harvests_into_one_folder_both_finish(place, tmp_path, backend):
    prelude = FAKE_MSVCRT if backend == "msvcrt" else ""
    out = place / "kết quả"
    alone = tmp_path / "alone"
    assert run("harvest", place / "inbox", "--key-file", DEMO_KEY, "--out", alone).exit_code == 0
    first = _start(place / "inbox", out, prelude + SLOW_WRITES)
    _writing(out, first)
    second = _start(place / "inbox", out, prelude)
    results = [p.communicate(timeout=180) + (p.returncode,) for p in (first, second)]
    assert [r[2] for r in results] == [0, 0], results
    assert "Đang chờ: một lần chạy cchc khác (tiến trình" in results[1][1]
    assert "Traceback" not in results[0][1] + results[1][1]
    for name in [n for n in HARVEST_FILES if n.endswith(".csv")]:   # the workbooks carry the run's time
        assert (out / name).read_bytes() == (alone / name).read_bytes(), name
    assert sorted(p.name for p in out.iterdir()) == [MARKER, *HARVEST_FILES]
    assert sorted(p.name for p in place.iterdir()) == ["ghi chú của tôi.txt", "inbox", "kết quả"]


def test_second_harvest_stops_with_a_message_after_its_wait(place):
    out = place / "kết quả"
    first = _start(place / "inbox", out, SLOW_WRITES)
    _writing(out, first)
    second = _start(place / "inbox", out, "", env={"CCHC_LOCK_WAIT": "0.5"})
    _, err = second.communicate(timeout=120)
    assert second.returncode == 2 and "Traceback" not in err
    assert "Lỗi: " in err and "đang ghi vào thư mục này; đã chờ 0.5 giây" in err and "CCHC_LOCK_WAIT" in err
    assert first.wait(timeout=180) == 0
    assert sorted(p.name for p in out.iterdir()) == [MARKER, *HARVEST_FILES]


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf"])
def test_bad_lock_wait_is_a_message(place, value):
    result = run("harvest", place / "inbox", "--key-file", DEMO_KEY, "--out", place / "o",
                 env={"CCHC_LOCK_WAIT": value})
    assert result.exit_code == 2 and f"CCHC_LOCK_WAIT: «{value}» không phải số giây hợp lệ" in result.output
    assert not (place / "o").exists()
