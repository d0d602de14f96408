"""Operator errors are messages, not tracebacks: `Lỗi:` and exit code 2, no hang, the
previous outputs intact, nothing left in the system's temporary folder.

Every run is a real ``cchc`` process with TMPDIR pointed at a fresh folder. Read-only
folders and full disks are simulated inside that process by a small fault injector
(tests run as root in some places, where permissions do not stop writes); a real full
tmpfs is used too where the test may mount one.
"""
from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from samples.build_samples import DEMO_KEY
from tests.test_output_folder import HARVEST_FILES, tree
from xlsx_forms.outdir import MARKER

REPO = Path(__file__).parents[1]
SAMPLES = REPO / "samples" / "inbox"
TIME_LIMIT = 120   # seconds: a hang guard

# Faults, set by environment variables, in the cchc process (and its forked children):
#   FAULT=readonly FAULT_DIR=D FAULT_ERRNO=E: no entry of D can be added, removed or renamed,
#     nor D itself moved, like a folder without write permission (E: EACCES or EROFS);
#   FAULT=full FAULT_GLOB=G: creating or opening for writing a file whose path matches G
#     fails with ENOSPC, like a full disk.
INJECT = r'''
import builtins, errno, fnmatch, io, os
FAULT = os.environ.get("FAULT")
def _real(path):
    try:
        return os.path.realpath(os.fsdecode(path))
    except TypeError:
        return None
def _fail(code, path):
    raise OSError(code, os.strerror(code), os.fsdecode(path))
if FAULT == "readonly":
    DIR, CODE = os.path.realpath(os.environ["FAULT_DIR"]), getattr(errno, os.environ["FAULT_ERRNO"])
    def entry(path, dir_fd=None):
        p = _real(path) if dir_fd is None else None
        return p is not None and os.path.dirname(p) == DIR
    def new_entry(path):
        return entry(path) and not os.path.lexists(path)
    def wrap(name, test):
        real = getattr(os, name)
        def fn(path, *a, **k):
            if test(path, *a, **k):
                _fail(CODE, path)
            return real(path, *a, **k)
        setattr(os, name, fn)
    wrap("mkdir", lambda p, *a, **k: new_entry(p))
    wrap("open", lambda p, flags, *a, **k: bool(flags & os.O_CREAT) and new_entry(p))
    wrap("unlink", lambda p, *a, **k: entry(p, k.get("dir_fd")))
    wrap("rmdir", lambda p, *a, **k: entry(p, k.get("dir_fd")))
    wrap("replace", lambda s, d, *a, **k: entry(s) or entry(d) or _real(s) == DIR)
    wrap("rename", lambda s, d, *a, **k: entry(s) or entry(d) or _real(s) == DIR)
    real_open = builtins.open
    def guarded_open(file, mode="r", *a, **k):
        if isinstance(file, (str, bytes, os.PathLike)) and set(mode) & set("wax+") and new_entry(file):
            _fail(CODE, file)
        return real_open(file, mode, *a, **k)
    builtins.open = io.open = guarded_open
elif FAULT == "full":
    GLOB = os.environ["FAULT_GLOB"]
    def hit(path):
        p = _real(path)
        return p is not None and fnmatch.fnmatch(p, GLOB)
    real_os_open, real_open = os.open, builtins.open
    def os_open(path, flags, *a, **k):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and hit(path):
            _fail(errno.ENOSPC, path)
        return real_os_open(path, flags, *a, **k)
    def guarded_open(file, mode="r", *a, **k):
        if isinstance(file, (str, bytes, os.PathLike)) and set(mode) & set("wax+") and hit(file):
            _fail(errno.ENOSPC, file)
        return real_open(file, mode, *a, **k)
    os.open, builtins.open, io.open = os_open, guarded_open, guarded_open
from cchc.cli import main
main()
'''


def cchc(*args, tmpdir: Path, env: dict | None = None, script: str = INJECT) -> subprocess.CompletedProcess:
    """Run cchc in its own process with TMPDIR=``tmpdir`` and the fault injector."""
    tmpdir.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-c", script, *map(str, args)], check=False, capture_output=True, text=True,
                          timeout=TIME_LIMIT, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmpdir), **(env or {})})


def refused(run: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit code 2, a Vietnamese operator message, no traceback."""
    assert run.returncode == 2, (run.returncode, run.stdout[-2000:], run.stderr[-3000:])
    assert "Traceback" not in run.stderr and "Lỗi: " in run.stderr
    for fragment in fragments:
        assert fragment in run.stderr, run.stderr


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    """A harvest of the samples, done once: the outputs each test starts from."""
    work = tmp_path_factory.mktemp("previous")
    shutil.copytree(SAMPLES, work / "inbox")
    run = cchc("harvest", work / "inbox", "--key-file", DEMO_KEY, "--out", work / "out" / "summary",
               tmpdir=work / "tmp")
    assert run.returncode == 0, run.stderr
    return work


@pytest.fixture()
def place(previous, tmp_path):
    """tmp_path with inbox/, out/summary/ (previous outputs) and tmp/ (empty TMPDIR)."""
    shutil.copytree(previous / "inbox", tmp_path / "inbox")
    shutil.copytree(previous / "out", tmp_path / "out")
    (tmp_path / "tmp").mkdir()
    return tmp_path


def _harvest(place: Path, env: dict, *extra) -> subprocess.CompletedProcess:
    return cchc("harvest", place / "inbox", "--key-file", DEMO_KEY, "--out", place / "out" / "summary",
                *extra, tmpdir=place / "tmp", env=env)


WRITE_FAULTS = {   # case → (environment of the fault, words of the message, the folder named)
    "read-only --out": ({"FAULT": "readonly", "FAULT_DIR": "{out}/summary", "FAULT_ERRNO": "EACCES"},
                        "không ghi được vào thư mục (không có quyền ghi)", "{out}/summary"),
    "read-only parent of --out": ({"FAULT": "readonly", "FAULT_DIR": "{out}", "FAULT_ERRNO": "EACCES"},
                                  "không có quyền ghi", "{out}"),
    "read-only disk": ({"FAULT": "readonly", "FAULT_DIR": "{out}", "FAULT_ERRNO": "EROFS"},
                       "ổ đĩa chỉ cho phép đọc", "{out}"),
    "disk full on values.csv": ({"FAULT": "full", "FAULT_GLOB": "*/.summary.new-*/values.csv"},
                                "ổ đĩa đầy", "{out}/summary"),
    "disk full on the summary workbook (forked writer)": (
        {"FAULT": "full", "FAULT_GLOB": "*/.summary.new-*/tong-hop-cchc.xlsx"}, "ổ đĩa đầy", "{out}/summary"),
    "disk full on the writers' temporary files": ({"FAULT": "full", "FAULT_GLOB": "*/.cchc-tmp/*"},
                                                 "ổ đĩa đầy", "{out}/summary"),
    "disk full on the lock file": ({"FAULT": "full", "FAULT_GLOB": "*.cchc-lock"}, "ổ đĩa đầy", "{out}"),
}


@pytest.mark.parametrize("case", list(WRITE_FAULTS))
def test_output_folder_that_cannot_be_written(place, case):
    env, words, where = WRITE_FAULTS[case]
    out = place / "out"
    before = tree(out)
    run = _harvest(place, {k: v.format(out=out) for k, v in env.items()})
    refused(run, words, f"Lỗi: {where.format(out=out)}: ", "Không tệp nào bị xóa")
    assert "Giải phóng dung lượng" in run.stderr or "Cấp quyền ghi" in run.stderr \
        or "ổ đĩa ghi được" in run.stderr
    assert tree(out) == before                         # previous outputs intact, nothing left beside
    assert list((place / "tmp").iterdir()) == []


def test_successful_and_killed_runs_leave_nothing_in_the_temporary_folder(place):
    assert _harvest(place, {}).returncode == 0
    assert list((place / "tmp").iterdir()) == []
    slow = INJECT.replace("from cchc.cli import main",
                          "import time\nreal = os.fsync\nos.fsync = lambda fd: (time.sleep(3), real(fd))[1]\n"
                          "from cchc.cli import main")
    proc = subprocess.Popen([sys.executable, "-c", slow, "harvest", str(place / "inbox"), "--key-file",
                             str(DEMO_KEY), "--out", str(place / "out" / "summary")], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(place / "tmp")},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + TIME_LIMIT
    while not list((place / "out").glob(".summary.new-*/*.csv")):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert list((place / "tmp").iterdir()) == []


@pytest.mark.skipif(sys.platform != "linux", reason="mounts a tmpfs")
def test_a_really_full_disk(place, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)],
                      check=False, capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        out = disk / "summary"
        assert cchc("harvest", place / "inbox", "--key-file", DEMO_KEY, "--out", out,
                    tmpdir=place / "tmp").returncode == 0
        before = tree(disk)
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        with open(disk / "filler", "wb") as fh:    # leave 20 KB: the lock fits, the outputs do not
            fh.write(b"\0" * (free - 20_000))
        run = cchc("harvest", place / "inbox", "--key-file", DEMO_KEY, "--out", out, tmpdir=place / "tmp")
        refused(run, f"Lỗi: {out}: không ghi được vào thư mục (ổ đĩa đầy)", "Giải phóng dung lượng")
        (disk / "filler").unlink()
        assert tree(disk) == before
        assert list((place / "tmp").iterdir()) == []
    finally:
        subprocess.run(["umount", str(disk)], check=False)


# ---- configuration files and arguments ------------------------------------------------------

def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


def _deep(path: Path, depth: int) -> Path:
    path.write_text("units:\n" + "".join("  " * i + "- \n" for i in range(1, depth)) + "  " * depth + "x\n")
    return path


def _flow(path: Path, depth: int) -> Path:
    path.write_text("units: " + "[" * depth + "]" * depth + "\n")
    return path


# case → (extra arguments, made from tmp_path; words of the message)
CONFIG_ERRORS = {
    "registry nested deeper than Python recurses": (lambda t: ["--units", _deep(t / "u.yaml", 3000)],
                                                     ["u.yaml", "lồng nhau quá sâu"]),
    "registry of a million nested brackets": (lambda t: ["--units", _flow(t / "u.yaml", 1_000_000)],
                                              ["u.yaml", "không đọc được YAML"]),
    "huge registry": (lambda t: ["--units", _sparse(t / "u.yaml", 40 << 20)], ["u.yaml", "lớn hơn 32 MB"]),
    "registry that is a FIFO": (lambda t: ["--units", _fifo(t / "u.yaml")],
                                ["u.yaml", "không phải tệp thông thường"]),
    "registry that is a device": (lambda t: ["--units", "/dev/zero"], ["/dev/zero", "không phải tệp thông thường"]),
    "registry that is not UTF-8": (lambda t: ["--units", t / "u.yaml"] if (t / "u.yaml").write_bytes(b"\xff\xfe")
                                   else [], ["u.yaml", "không phải UTF-8"]),
    "key file that is a FIFO": (lambda t: ["--key-file", _fifo(t / "k.key")], ["k.key", "không phải tệp thông thường"]),
    "key file that is a device": (lambda t: ["--key-file", "/dev/zero"], ["/dev/zero", "không phải tệp thông thường"]),
    "key file that is /dev/null": (lambda t: ["--key-file", "/dev/null"], ["/dev/null", "không phải tệp thông thường"]),
    "huge key file": (lambda t: ["--key-file", _sparse(t / "k.key", 1 << 30)], ["k.key", "lớn hơn 64 KB"]),
}


@pytest.mark.parametrize("case", list(CONFIG_ERRORS))
def test_bad_configuration_files(place, tmp_path, case):
    if ("FIFO" in case or "device" in case or "/dev" in case) and os.name != "posix":
        pytest.skip("FIFOs and /dev are POSIX")
    make, words = CONFIG_ERRORS[case]
    extra = [str(a) for a in make(tmp_path)]
    args = ["--key-file", str(DEMO_KEY), *extra] if "--key-file" not in extra else extra
    out = place / "out"
    before = tree(out)
    run = cchc("harvest", place / "inbox", *args, "--out", out / "summary", tmpdir=place / "tmp")
    refused(run, *words)
    assert tree(out) == before
    assert list((place / "tmp").iterdir()) == []


def test_key_file_that_is_a_directory_for_generate(tmp_path):
    home = tmp_path / "home"
    (home / "hmac.key").mkdir(parents=True)     # the default key path, taken by a folder
    run = cchc("generate", "--forms", "PL2", "--out", tmp_path / "o", tmpdir=tmp_path / "tmp",
               env={"CCHC_HOME": str(home)})
    refused(run, "hmac.key", "là thư mục, không phải tệp")
    assert not (tmp_path / "o").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_generate_with_a_fifo_key_does_not_block(tmp_path):
    run = cchc("generate", "--forms", "PL2", "--key-file", _fifo(tmp_path / "k"), "--out", tmp_path / "o",
               tmpdir=tmp_path / "tmp")
    refused(run, "không phải tệp thông thường")


@pytest.mark.parametrize("inbox, words", [
    ("{tmp}/không có", "không tồn tại"),
    ("{tmp}/tệp.txt", "là tệp"),
])
def test_inbox_that_is_not_a_folder(tmp_path, inbox, words):
    (tmp_path / "tệp.txt").write_text("x")
    run = cchc("harvest", inbox.format(tmp=tmp_path), "--key-file", DEMO_KEY, "--out", tmp_path / "o",
               tmpdir=tmp_path / "tmp")
    refused(run, words)
    assert not (tmp_path / "o").exists()


def test_generate_into_a_read_only_folder(tmp_path):
    out = tmp_path / "templates"
    run = cchc("generate", "--forms", "PL2", "--key-file", DEMO_KEY, "--out", out, tmpdir=tmp_path / "tmp",
               env={"FAULT": "readonly", "FAULT_DIR": str(tmp_path), "FAULT_ERRNO": "EACCES"})
    refused(run, f"Lỗi: {tmp_path}: không ghi được vào thư mục (không có quyền ghi)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"] and not list((tmp_path / "tmp").iterdir())


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores permissions")
def test_really_read_only_out(place):
    out = place / "out" / "summary"
    before = tree(place / "out")
    os.chmod(out, 0o555)
    os.chmod(place / "out", 0o555)
    try:
        run = _harvest(place, {})
    finally:
        os.chmod(place / "out", 0o755)
        os.chmod(out, 0o755)
    refused(run, "không có quyền ghi")
    assert tree(place / "out") == before


def test_oserror_texts_are_vietnamese_with_advice():
    from oslayer.oserrors import advice, describe
    cases = {errno.EACCES: "không có quyền ghi", errno.ENOSPC: "ổ đĩa đầy", errno.EROFS: "chỉ cho phép đọc",
             errno.ENOENT: "không tồn tại", errno.EISDIR: "là thư mục", errno.ELOOP: "vòng lặp",
             errno.ENAMETOOLONG: "quá dài", errno.EBUSY: "đang được chương trình khác mở",
             errno.EIO: "lỗi đọc/ghi"}
    for code, words in cases.items():
        exc = OSError(code, os.strerror(code))
        assert words in describe(exc, "write") and advice(exc, "write")
    sharing = OSError(errno.EACCES, "The process cannot access the file")
    sharing.winerror = 32
    assert describe(sharing) == "tệp đang được chương trình khác mở và khóa"
    assert describe(OSError(errno.EACCES, "x"), "read") == "không có quyền đọc"
    assert "lỗi hệ điều hành: kỳ lạ (mã 999)" == describe(OSError(999, "kỳ lạ"))


def test_outputs_marker_survives_every_fault(place):
    """After all of the above, the previous outputs are still cchc's, as the marker says."""
    assert sorted(p.name for p in (place / "out" / "summary").iterdir()) == [MARKER, *HARVEST_FILES]
