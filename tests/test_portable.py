"""The Windows paths, taken on any system: CCHC_PORTABLE and its fallbacks, spawned workers,
files locked by another program, Windows path shapes, long and Vietnamese names, the
private key on Windows (oslayer.portable)."""
from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path, PureWindowsPath

import pytest

from cchc import demo
from harvest import inbox as inbox_mod
from harvest.cellstore import Spill
from harvest.run import harvest
from oslayer import dirlock, parallel, portable
from samples.build_samples import DEMO_KEY
from tests.conftest import FIXED_TIME, TEST_KEY
from tests.hostile_env import REPO, read_csv_rows
from xlsx_forms import identity
from xlsx_forms.errors import CchcError

SAMPLES = REPO / "samples" / "inbox"
ON_LINUX = sys.platform.startswith("linux")
DEADLINE = FIXED_TIME.date().replace(day=23)

# --- The switch takes every fallback ------------------------------------------------------

# In every Python process of the run (spawned workers too, through sitecustomize): each
# POSIX-only call that CCHC_PORTABLE replaces fails loudly if it is still made.
SABOTAGE = '''
import os
try:
    import fcntl
except ImportError:
    fcntl = None
def _refused(name):
    def call(*args, **kwargs):
        raise AssertionError(name + " called although CCHC_PORTABLE=1")
    return call
os.pread = _refused("os.pread")
os.fork = _refused("os.fork")
if fcntl is not None:
    fcntl.flock = _refused("fcntl.flock")
_NOFOLLOW, _open, _WATCHED = getattr(os, "O_NOFOLLOW", 0), os.open, os.environ["SABOTAGE_WATCHED"]
def _checked_open(path, flags, *args, **kwargs):
    # Only cchc's own no-follow opens: the inbox's files and the lock file (tempfile uses it too).
    text = os.fsdecode(os.fspath(path))
    if flags & _NOFOLLOW and (text.startswith(_WATCHED) or text.endswith(".cchc-lock")):
        raise AssertionError("O_NOFOLLOW used although CCHC_PORTABLE=1: " + text)
    return _open(path, flags, *args, **kwargs)
os.open = _checked_open
'''
# In the cchc process: workers from two jobs on, on two cores, whatever this machine has.
POOLS = ("import harvest.run, xlsx_forms.generate, oslayer.parallel\n"
         "oslayer.parallel.cores = lambda: 2\n"
         "harvest.run.PARALLEL_FROM = xlsx_forms.generate.PARALLEL_FROM = 2\n"
         "from cchc.cli import main\nmain()\n")
HARVEST_CSVS = ("values.csv", "issues.csv", "ledger.csv", "status.csv")


def _cchc(args: list, env: dict, sabotage: Path | None = None, pools: bool = False) -> subprocess.CompletedProcess:
    path = [str(REPO)] + ([str(sabotage)] if sabotage else [])
    command = [sys.executable, "-c", POOLS] if pools else [sys.executable, "-m", "cchc"]
    return subprocess.run(command + [str(a) for a in args], check=False, cwd=REPO, capture_output=True, text=True,
                          timeout=300,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(path), "SOURCE_DATE_EPOCH": "1583971200",
                               **env})


@pytest.fixture(scope="module")
def sabotage(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sabotage")
    (folder / "sitecustomize.py").write_text(SABOTAGE)
    return folder


@pytest.fixture(scope="module")
def two_inboxes(tmp_path_factory):
    """The samples twice over, in a folder of its own."""
    inbox = tmp_path_factory.mktemp("inbox")
    for copy in ("a", "b"):
        shutil.copytree(SAMPLES, inbox / copy)
    return inbox


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _commands(inbox: Path, out: Path) -> dict[str, list]:
    return {"harvest": ["harvest", inbox, "--key-file", DEMO_KEY, "--out", out],
            "generate": ["generate", "--key-file", DEMO_KEY, "--out", out]}


@pytest.mark.parametrize("command", ["harvest", "generate"])
def test_portable_mode_takes_every_fallback_with_the_same_results(command, sabotage, two_inboxes, tmp_path):
    plain = _cchc(_commands(two_inboxes, tmp_path / "plain")[command], {"CCHC_PORTABLE": "0"})
    assert plain.returncode == 0, plain.stderr
    env = {"CCHC_PORTABLE": "1", "SABOTAGE_WATCHED": str(two_inboxes)}
    portable_run = _cchc(_commands(two_inboxes, tmp_path / "portable")[command], env, sabotage, pools=True)
    assert portable_run.returncode == 0, portable_run.stderr
    assert "Traceback" not in portable_run.stderr
    plain_tree, portable_tree = _tree(tmp_path / "plain"), _tree(tmp_path / "portable")
    if command == "harvest":   # the summary workbook holds the time of the run
        plain_tree = {n: plain_tree[n] for n in HARVEST_CSVS}
        portable_tree = {n: portable_tree[n] for n in HARVEST_CSVS}
    assert len(plain_tree) >= 4 and portable_tree == plain_tree


@pytest.mark.skipif(not ON_LINUX, reason="fork, pread and flock are Linux's native paths")
@pytest.mark.parametrize("command", ["harvest", "generate"])
def test_the_sabotage_catches_the_native_paths(command, sabotage, two_inboxes, tmp_path):
    # Without the switch, the same run makes the calls the sabotage refuses: so the test
    # above would fail if a fallback were not taken.
    env = {"CCHC_PORTABLE": "0", "SABOTAGE_WATCHED": str(two_inboxes)}
    run = _cchc(_commands(two_inboxes, tmp_path / "native")[command], env, sabotage, pools=True)
    assert run.returncode != 0 or "called although CCHC_PORTABLE=1" in run.stderr


@pytest.mark.parametrize(("forced", "platform", "method"), [
    (True, "linux", "spawn"), (False, "linux", "fork"), (False, "win32", "spawn"), (False, "darwin", "spawn"),
    (True, "win32", "spawn")])
def test_start_method_and_fallback_flags(forced, platform, method, monkeypatch):
    monkeypatch.setattr(portable, "FORCED", forced)
    monkeypatch.setattr(portable, "WINDOWS", platform == "win32")
    monkeypatch.setattr(portable.sys, "platform", platform)
    assert portable.start_method() == method
    assert portable.can_fork() == (method == "fork")
    assert portable.pool_context().get_start_method() == method
    if forced:
        assert not portable.has_pread() and portable.no_follow() == 0
    elif ON_LINUX:
        assert portable.has_pread() and portable.no_follow() == os.O_NOFOLLOW


# --- Workers get their context by pickling --------------------------------------------------

_MARK = None   # set in this process only: a spawned worker never sees it, a forked one does


def _probe(job, token):
    return job, token, _MARK, tempfile.tempdir, os.getpid()


@pytest.mark.parametrize("forced", [True, False])
def test_spawned_workers_get_the_context_and_the_temporary_folder(forced, monkeypatch, tmp_path):
    if not forced and not ON_LINUX:
        pytest.skip("fork is Linux's path")
    monkeypatch.setattr(portable, "FORCED", forced)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    monkeypatch.setattr(sys.modules[__name__], "_MARK", "inherited")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    results = list(parallel.ordered_map(_probe, list(range(40)), ("trong ngữ cảnh",), min_jobs=2, chunksize=4))
    assert [r[0] for r in results] == list(range(40))                   # in job order
    assert {r[1] for r in results} == {"trong ngữ cảnh"}               # the context travelled
    assert {r[3] for r in results} == {str(tmp_path)}                    # and the temporary folder
    assert os.getpid() not in {r[4] for r in results}                     # in other processes
    assert {r[2] for r in results} == ({None} if forced else {"inherited"})   # spawned, or forked


# --- Reading at an offset ------------------------------------------------------------------

@pytest.mark.parametrize("forced", [True, False])
def test_spill_reads_back_with_or_without_pread(forced, monkeypatch):
    if not forced and not hasattr(os, "pread"):
        pytest.skip("no os.pread here")
    calls = []
    real = getattr(os, "pread", None)

    def pread(fd, n, offset):
        calls.append(offset)
        return real(fd, n, offset)
    monkeypatch.setattr(os, "pread", pread, raising=False)
    monkeypatch.setattr(portable, "FORCED", forced)
    spill = Spill()
    blobs = [bytes([i]) * (i * 7 + 1) for i in range(50)]
    where = []
    for i, blob in enumerate(blobs):   # writes and reads interleaved: the position moves both ways
        where.append(spill.put(blob))
        assert spill.get(where[i // 2], len(blobs[i // 2])) == blobs[i // 2]
    assert [spill.get(w, len(b)) for w, b in zip(where, blobs, strict=True)] == blobs
    assert (calls == []) == forced


# --- Files another program keeps locked ---------------------------------------------------

def _locked(code: int, winerror: int | None, text: str) -> OSError:
    exc = OSError(code, text)
    if winerror is not None:
        exc.winerror = winerror   # what Windows adds to the errno it maps the error to
    return exc


LOCKS = {  # case → (the call that fails, the error, words of the message)
    "open: sharing violation (Excel has it open)": (
        "open", _locked(errno.EACCES, 32, "The process cannot access the file because it is being used by another "
                                          "process"), "đang được chương trình khác mở và khóa"),
    "read: lock violation (a range locked)": (
        "read", _locked(errno.EACCES, 33, "The process cannot access the file because another process has locked "
                                          "a portion of the file"), "đóng tệp trong Excel"),
    "open: access denied": ("open", _locked(errno.EACCES, None, "Permission denied"), "không có quyền đọc"),
    "read: device error": ("read", _locked(errno.EIO, None, "Input/output error"), "lỗi đọc/ghi của ổ đĩa"),
}


@pytest.fixture(scope="module")
def plain_harvest(good_inbox, catalogue, registry, tmp_path_factory):
    out = tmp_path_factory.mktemp("plain") / "out"
    harvest(good_inbox, out, catalogue, registry, TEST_KEY, DEADLINE, now=FIXED_TIME)
    return out


@pytest.mark.parametrize("case", list(LOCKS))
def test_a_file_locked_by_another_program_is_an_issue_not_a_failure(case, good_inbox, plain_harvest, catalogue,
                                                                      registry, tmp_path, monkeypatch):
    call, error, words = LOCKS[case]
    victim = sorted(good_inbox.rglob("*.xlsx"))[3]
    rel = victim.relative_to(good_inbox).as_posix()
    real_open, real_read = os.open, os.read
    locked = (victim.stat().st_dev, victim.stat().st_ino)

    def fake_open(path, flags, *args, **kwargs):
        if call == "open" and os.fspath(path) == os.fspath(victim):
            raise error
        return real_open(path, flags, *args, **kwargs)

    def fake_read(fd, n):
        st = os.fstat(fd)
        if call == "read" and (st.st_dev, st.st_ino) == locked:
            raise error
        return real_read(fd, n)
    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "read", fake_read)
    out = tmp_path / "out"
    harvest(good_inbox, out, catalogue, registry, TEST_KEY, DEADLINE, now=FIXED_TIME)
    [issue] = [i for i in read_csv_rows(out / "issues.csv") if i["file"] == rel]
    assert issue["code"] == "F-NOT-READ" and words in issue["message"]
    assert unicodedata.is_normalized("NFC", issue["message"])
    [entry] = [e for e in read_csv_rows(out / "ledger.csv") if e["path"] == rel]
    assert entry["outcome"] != "used" and words in entry["reason"]
    # Every other file's values are exactly those of a run without the lock.
    assert read_csv_rows(out / "values.csv") == [r for r in read_csv_rows(plain_harvest / "values.csv")
                                                 if r["file"] != rel]


# --- Paths: '/' in every output, Windows path shapes, long and Vietnamese names -------------

class _FakeEntry:
    """A directory entry as Windows' scandir gives it (paths with backslashes)."""

    def __init__(self, folder: str, name: str, is_dir: bool) -> None:
        self.name, self.path, self._dir = name, str(PureWindowsPath(folder, name)), is_dir

    def stat(self, follow_symlinks=True):
        mode = stat.S_IFDIR | 0o755 if self._dir else stat.S_IFREG | 0o644
        return os.stat_result((mode, abs(hash(self.path)) % 10**9, 7, 1, 0, 0, 1234, 0, 1.6e9, 1.6e9))


class _FakeListing(list):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


WINDOWS_TREE = {"": [("2020-03-16", True), ("Phu\u0323 lu\u0323c 1 - Ngo\u0323c Ha\u0300.xlsx", False)],
                "2020-03-16": [("Đơn vị", True), ("PL1.xlsx", False)],
                "2020-03-16\\Đơn vị": [("Phụ lục 8 - Ủy ban.xlsx", False)]}


@pytest.mark.parametrize("root", ["C:\\Users\\Nguyễn Văn A\\Nhận", "\\\\may-chu\\chia se\\Nhận"])
def test_relative_paths_use_slashes_from_windows_listings(root, monkeypatch):
    # As on Windows: the root made an extended-length path, entries under it with backslashes.
    monkeypatch.setattr(inbox_mod, "long_path", portable.windows_long_path)
    top = portable.windows_long_path(root)

    def scandir(folder):
        rel = str(PureWindowsPath(folder).relative_to(PureWindowsPath(top))) if folder != top else ""
        rel = "" if rel == "." else rel
        return _FakeListing(_FakeEntry(folder, name, is_dir) for name, is_dir in WINDOWS_TREE[rel])
    monkeypatch.setattr(inbox_mod.os, "scandir", scandir)
    found = inbox_mod.scan(Path(root))
    assert [f.rel for f in found] == ["2020-03-16/PL1.xlsx", "2020-03-16/Đơn vị/Phụ lục 8 - Ủy ban.xlsx",
                                      "Phụ lục 1 - Ngọc Hà.xlsx"]
    assert all(unicodedata.is_normalized("NFC", f.rel) for f in found)
    assert all(str(f.path).startswith(top + "\\") for f in found)


@pytest.mark.parametrize(("given", "extended"), [
    ("C:\\inbox\\PL1.xlsx", "\\\\?\\C:\\inbox\\PL1.xlsx"),
    ("C:/inbox/sub/../PL1.xlsx", "\\\\?\\C:\\inbox\\PL1.xlsx"),                # '/' and '..' resolved first
    ("\\\\server\\share\\Nhận\\PL1.xlsx", "\\\\?\\UNC\\server\\share\\Nhận\\PL1.xlsx"),
    ("\\\\?\\C:\\already\\PL1.xlsx", "\\\\?\\C:\\already\\PL1.xlsx"),
    ("D:\\" + "Thư mục rất dài\\" * 20 + "PL1.xlsx", "\\\\?\\D:\\" + "Thư mục rất dài\\" * 20 + "PL1.xlsx"),
])
def test_windows_long_paths(given, extended):
    assert portable.windows_long_path(given) == extended
    assert portable.windows_long_path(str(PureWindowsPath(given))) == extended


def test_long_path_changes_nothing_elsewhere(monkeypatch, tmp_path):
    monkeypatch.setattr(portable, "WINDOWS", False)
    assert portable.long_path(tmp_path) is tmp_path


def test_long_vietnamese_names_are_read_and_shown_with_slashes(good_inbox, plain_harvest, catalogue, registry,
                                                               tmp_path):
    inbox = tmp_path / "Thư mục nhận của Ban Tổ chức – Nội vụ"
    deep = inbox / ("Ủy ban nhân dân phường Trần Phú " * 3).strip() / "Gửi lại lần hai, đã sửa theo góp ý"
    name = "Phụ lục 1 " + "bao cao tong ket cai cach hanh chinh giai doan 2011-2020 " * 3 + "ban chinh thuc đã ký.xlsx"
    assert len(name) > 200 and len(name.encode()) < 255 and len(str(deep / name)) > 300
    shutil.copytree(good_inbox, inbox)
    originals = sorted(p for p in inbox.rglob("*.xlsx"))
    moved = originals[0]
    deep.mkdir(parents=True)
    target = deep / unicodedata.normalize("NFD", name)   # as macOS would write it
    moved.rename(target)
    out = tmp_path / "out"
    harvest(inbox, out, catalogue, registry, TEST_KEY, DEADLINE, now=FIXED_TIME)
    rel = target.relative_to(inbox).as_posix()
    shown = unicodedata.normalize("NFC", rel)
    ledger = {e["path"]: e for e in read_csv_rows(out / "ledger.csv")}
    assert ledger[shown]["outcome"] == "used" and "\\" not in shown
    old = moved.relative_to(inbox).as_posix()
    want = [{**r, "file": shown} if r["file"] == old else r for r in read_csv_rows(plain_harvest / "values.csv")]
    got = read_csv_rows(out / "values.csv")
    assert sorted(got, key=lambda r: (r["file"], r["cell"])) == sorted(want, key=lambda r: (r["file"], r["cell"]))


# --- The lock file is never opened through a link, even without O_NOFOLLOW ------------------

@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="links need privileges on Windows")
@pytest.mark.parametrize("when", ["before", "between lstat and open"])
def test_lock_file_never_written_through_a_link(when, tmp_path, monkeypatch):
    monkeypatch.setattr(dirlock, "no_follow", lambda: 0)   # as on Windows
    folder, outside = tmp_path / "out", tmp_path / "someone's file.txt"
    outside.write_text("không do cchc tạo")
    lock = dirlock.lock_path(folder)
    if when == "before":
        lock.symlink_to(outside)
        with pytest.raises(OSError), dirlock.hold(folder, 0):
            pass
    else:
        lock.write_text("")
        seen = os.lstat(lock)
        lock.unlink()
        lock.symlink_to(outside)
        real, swapped = os.lstat, []

        def lstat(path, *args, **kwargs):
            if os.fspath(path) == os.fspath(lock) and not swapped:
                swapped.append(True)   # the check saw the plain file; the link came after it
                return seen
            return real(path, *args, **kwargs)
        monkeypatch.setattr(os, "lstat", lstat)
        # The next look sees the link and refuses it.
        with pytest.raises(OSError), dirlock.hold(folder, 0):
            pass
        assert swapped
    assert outside.read_text() == "không do cchc tạo"


# --- The private key on Windows -------------------------------------------------------------

SID = "S-1-5-21-1004336348-1177238915-682003330-1001"


class _Tools:
    """whoami and icacls as Windows would answer, recording what cchc asked."""

    def __init__(self, whoami_code=0, icacls_code=0):
        self.calls, self.codes, self.key_size_then = [], {"whoami.exe": whoami_code, "icacls.exe": icacls_code}, None

    def __call__(self, args):
        tool = args[0].rsplit("\\", 1)[-1]
        self.calls.append([tool, *args[1:]])
        if tool == "icacls.exe":
            self.key_size_then = os.path.getsize(args[1])
            return subprocess.CompletedProcess(args, self.codes[tool], b"processed file: 1", b"Access is denied.")
        out = f'"may-tinh\\nguyen van a","{SID}"\r\n'.encode()
        return subprocess.CompletedProcess(args, self.codes[tool], out if not self.codes[tool] else b"", b"")


def test_key_created_on_windows_is_limited_to_the_user(monkeypatch, tmp_path):
    tools = _Tools()
    monkeypatch.setattr(portable, "WINDOWS", True)
    monkeypatch.setattr(portable, "_run", tools)
    monkeypatch.setenv("SystemRoot", "C:\\Windows")
    path = tmp_path / "cấu hình" / "hmac.key"
    key = identity.load_or_create_key(path)
    assert len(key) == identity.KEY_BYTES
    assert tools.calls == [["whoami.exe", "/user", "/fo", "csv", "/nh"],
                           ["icacls.exe", str(path), "/inheritance:r", "/grant:r", f"*{SID}:(F)"]]
    assert tools.key_size_then == 0   # limited before a byte of the key was written


@pytest.mark.parametrize("failing", ["whoami", "icacls"])
def test_key_not_created_when_it_cannot_be_made_private(failing, monkeypatch, tmp_path):
    tools = _Tools(whoami_code=1 if failing == "whoami" else 0, icacls_code=5 if failing == "icacls" else 0)
    monkeypatch.setattr(portable, "WINDOWS", True)
    monkeypatch.setattr(portable, "_run", tools)
    path = tmp_path / "hmac.key"
    with pytest.raises(CchcError) as caught:
        identity.load_or_create_key(path)
    assert "không giới hạn được quyền đọc cho riêng tài khoản này" in str(caught.value)
    assert not path.exists()   # no key that others could read is left behind


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_key_created_on_posix_has_mode_0600(tmp_path):
    path = tmp_path / "hmac.key"
    identity.load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- The demo runs from the samples, wherever cchc is installed ----------------------------

def test_demo_runs_from_its_samples(tmp_path):
    assert (demo.samples_dir() / "demo-hmac.key").is_file() and (demo.samples_dir() / "inbox").is_dir()
    done = subprocess.run([sys.executable, "-m", "cchc.demo", str(tmp_path / "demo")], check=False, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "demo" / "templates" / "manifest.csv").is_file()
    assert {p.name for p in (tmp_path / "demo" / "summary").iterdir()} >= {"tong-hop-cchc.xlsx", *HARVEST_CSVS}
    assert "Bảng tổng hợp" in done.stdout
