"""Entries of every kind in the inbox: only regular files are read, never before their size is
known; nothing is skipped silently; every name is shown losslessly, NFC/NFD twins included;
operating-system errors are explained in Vietnamese. The run always goes on."""
from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import unicodedata
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvest import intake
from harvest.inbox import FILE, FOLDER, LINK, kind_of, scan, shown_name, shown_names
from harvest.intake import read_entry, read_one
from harvest.run import harvest
from sheetio.reader import MAX_FILE_BYTES
from tests import hostile
from tests.conftest import TEST_KEY
from tests.hostile_env import REPO, harvest_cli
from tests.hostile_env import read_csv_rows as _csv
from tests.hostile_env import template_of as _template

# The hostile-input harness's fixtures: the good inbox, its key and its harvest.

DEADLINE = date(2020, 3, 23)


# ---------------------------------------------------------------- names

def unshow(shown: str) -> bytes:
    """The name's bytes (POSIX) back from its shown form, as the README states the scheme."""
    out, i = bytearray(), 0
    while i < len(shown):
        c = shown[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        kind = shown[i + 1]
        if kind == "\\":
            out += b"\\"
            i += 2
        elif kind == "x":      # an ASCII control below 80, the raw byte from 80
            out.append(int(shown[i + 2:i + 4], 16))
            i += 4
        else:
            width = 4 if kind == "u" else 8
            out += chr(int(shown[i + 2:i + 2 + width], 16)).encode()
            i += 2 + width
    return bytes(out)


NAMES = [  # raw bytes of a name -> shown
    (b"PL1.xlsx", "PL1.xlsx"),
    ("Phụ lục 1.xlsx".encode(), "Phụ lục 1.xlsx"),
    (unicodedata.normalize("NFD", "Phụ lục 1.xlsx").encode(), "Phụ lục 1.xlsx"),
    (b"\xff\xfe.xlsx", "\\xff\\xfe.xlsx"),
    (b"caf\xe9.xlsx", "caf\\xe9.xlsx"),
    (b"a\\xff.xlsx", "a\\\\xff.xlsx"),
    (b"a\\\xff.xlsx", "a\\\\\\xff.xlsx"),
    (b"d\xc3\xb2ng\nm\xe1\xbb\x9bi.xlsx", "dòng\\x0amới.xlsx"),
    (b"tab\there", "tab\\x09here"),
    ("PL1\u202exslx.exe".encode(), "PL1\\u202exslx.exe"),
    (b"\xed\xa0\x80.xlsx", "\\xed\\xa0\\x80.xlsx"),           # an encoded surrogate is not UTF-8
    (b"\x01\xcc\x81", "\\x01\\u0301"),                      # a mark after an escape would merge
]


@pytest.mark.parametrize("raw, shown", NAMES)
def test_names_are_shown_readably_and_read_back_exactly(raw, shown):
    got = shown_name(os.fsdecode(raw))
    assert got == shown
    got.encode("utf-8")   # valid text for every output
    assert unshow(got) == unicodedata.normalize("NFC", os.fsdecode(raw)).encode("utf-8", "surrogateescape")


_PIECES = st.sampled_from(["a", "x", "f", "0", "\\", "\\x", "ụ", "u\u0323", "\u0323", "\u0301", "Å", "\u212b",
                           "A\u030a", "\u202e", "\n", "\x7f", "\x85", "đ", " ", "\udcff", "\udc80", "😀"])
_NAME = st.lists(_PIECES, min_size=1, max_size=6).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_NAME, st.binary(min_size=1, max_size=12).filter(lambda b: b"/" not in b and b"\0" not in b)
                 .map(os.fsdecode)))
def test_shown_name_is_lossless_valid_and_stable(name):
    for twin in (False, True):
        shown = shown_name(name, twin=twin)
        shown.encode("utf-8")
        assert unicodedata.normalize("NFC", shown) == shown      # a later NFC step changes nothing
    expected = unicodedata.normalize("NFC", name).encode("utf-8", "surrogateescape")
    assert unshow(shown_name(name)) == expected
    assert unshow(shown_name(name, twin=True)) == name.encode("utf-8", "surrogateescape")


@settings(max_examples=300, deadline=None)
@given(st.lists(_NAME, min_size=2, max_size=8, unique=True))
def test_names_of_a_folder_never_show_alike(names):
    shown = shown_names(names)
    assert len(set(shown.values())) == len(names)
    for name, got in shown.items():   # and each reads back to its own name (or its NFC form)
        back = unshow(got)
        assert back in (name.encode("utf-8", "surrogateescape"),
                        unicodedata.normalize("NFC", name).encode("utf-8", "surrogateescape"))


def test_twins_the_nfc_name_shows_nfc_the_other_is_marked():
    nfc, nfd = "Phụ lục.xlsx", unicodedata.normalize("NFD", "Phụ lục.xlsx")
    assert shown_names([nfd, nfc]) == {nfc: nfc, nfd: "Phu\\u0323 lu\\u0323c.xlsx"}
    alone = shown_names([nfd])
    assert alone == {nfd: nfc}     # NFC for display when nothing collides


@pytest.mark.parametrize("st_, kind", [
    (SimpleNamespace(st_mode=stat.S_IFREG | 0o644), FILE),
    (SimpleNamespace(st_mode=stat.S_IFDIR | 0o755), FOLDER),
    (SimpleNamespace(st_mode=stat.S_IFLNK | 0o777), LINK),
    (SimpleNamespace(st_mode=stat.S_IFIFO | 0o644), "fifo"),
    (SimpleNamespace(st_mode=stat.S_IFSOCK | 0o644), "socket"),
    (SimpleNamespace(st_mode=stat.S_IFCHR | 0o644), "char-device"),
    (SimpleNamespace(st_mode=stat.S_IFBLK | 0o644), "block-device"),
    (SimpleNamespace(st_mode=0), "other"),
    # Windows: a junction says "folder" but is a link; a OneDrive placeholder is a file.
    (SimpleNamespace(st_mode=stat.S_IFDIR | 0o755, st_reparse_tag=0xA0000003), LINK),
    (SimpleNamespace(st_mode=stat.S_IFREG | 0o644, st_reparse_tag=0xA000000C), LINK),
    (SimpleNamespace(st_mode=stat.S_IFREG | 0o644, st_reparse_tag=0x9000601A), FILE),
])
def test_kind_of_every_mode(st_, kind):
    assert kind_of(st_) == kind


# ---------------------------------------------------------------- the messy inbox, harvested in a subprocess

def _put(data: bytes):
    def make(path: bytes, ctx) -> bool:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return True
    return make


def _fifo(path: bytes, ctx) -> bool:
    os.mkfifo(path)
    return True


def _socket(path: bytes, ctx) -> bool:
    folder, name = os.path.split(path)
    here = os.getcwd()
    os.chdir(folder)      # a relative name: AF_UNIX paths are limited to ~100 bytes
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(name)
    finally:
        os.chdir(here)
    return True


def _device(kind: int, major: int, minor: int):
    def make(path: bytes, ctx) -> bool:
        try:
            os.mknod(path, kind | 0o644, os.makedev(major, minor))
        except PermissionError:
            return False   # creating devices needs root (CI runs as root)
        return True
    return make


def _sparse(path: bytes, ctx) -> bool:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    os.ftruncate(fd, 8 << 30)   # 8 GiB of nothing: more than the harvest's address-space limit
    os.close(fd)
    return True


def _from_template(change):
    def make(path: bytes, ctx) -> bool:
        return _put(change(ctx.template))(path, ctx)
    return make


def _link_to(target: str):
    def make(path: bytes, ctx) -> bool:
        os.symlink(ctx.outside / target, path)
        return True
    return make




def NFD(text: str) -> str:
    return unicodedata.normalize("NFD", text)


TEXT = "Kính gửi Ban Tổ chức".encode()
NOT_FILE, SYSTEM = "F-NOT-READ", "F-SYSTEM-FILE"
# raw name below the inbox -> (maker, shown path, code, words its message and reason must contain)
ENTRIES: dict[bytes, tuple] = {
    "xấu/ống dẫn.xlsx".encode(): (_fifo, "xấu/ống dẫn.xlsx", NOT_FILE, "ống dẫn (FIFO)"),
    "xấu/ổ cắm.xlsx".encode(): (_socket, "xấu/ổ cắm.xlsx", NOT_FILE, "ổ cắm (socket)"),
    "xấu/thiết bị.xlsx".encode(): (_device(stat.S_IFCHR, 1, 3), "xấu/thiết bị.xlsx", NOT_FILE,
                                   "thiết bị (character device)"),
    "xấu/thiết bị khối.xlsx".encode(): (_device(stat.S_IFBLK, 7, 0), "xấu/thiết bị khối.xlsx", NOT_FILE,
                                        "thiết bị khối"),
    "xấu/thưa 8 GB.xlsx".encode(): (_sparse, "xấu/thưa 8 GB.xlsx", "F-UNREADABLE", "lớn hơn 20 MB"),
    "xấu/liên kết thư mục".encode(): (_link_to("thư mục ngoài"), "xấu/liên kết thư mục", NOT_FILE,
                                      "liên kết tượng trưng"),
    "xấu/liên kết hỏng.xlsx".encode(): (_link_to("không có.xlsx"), "xấu/liên kết hỏng.xlsx", NOT_FILE,
                                        "liên kết tượng trưng"),
    "xấu/".encode() + b"\xff\xfe.xlsx": (_from_template(hostile.truncated), "xấu/\\xff\\xfe.xlsx", "F-UNREADABLE",
                                        "cắt cụt"),
    "xấu/".encode() + b"a\xff.xlsx": (_put(b""), "xấu/a\\xff.xlsx", "F-UNREADABLE", "tệp rỗng"),
    "xấu/".encode() + b"a\\xff.xlsx": (_put(TEXT), "xấu/a\\\\xff.xlsx", "F-UNREADABLE", "không phải sổ Excel"),
    "xấu/".encode() + b"caf\xe9.xlsx": (_put(hostile.pdf_renamed()), "xấu/caf\\xe9.xlsx", "F-UNREADABLE",
                                        "tệp PDF"),
    "xấu/dòng\nmới.xlsx".encode(): (_put(TEXT), "xấu/dòng\\x0amới.xlsx", "F-UNREADABLE", "không phải sổ Excel"),
    "xấu/PL1\u202exslx.exe".encode(): (_put(TEXT), "xấu/PL1\\u202exslx.exe", "F-UNREADABLE", "không phải sổ"),
    "xấu/".encode() + b"th\xf0/b.xlsx": (_put(b""), "xấu/th\\xf0/b.xlsx", "F-UNREADABLE", "tệp rỗng"),
    # NFC/NFD twins: two files, two outcomes; and twin folders.
    "xấu/Phụ lục.xlsx".encode(): (_from_template(hostile.truncated), "xấu/Phụ lục.xlsx", "F-UNREADABLE", "cắt cụt"),
    ("xấu/" + NFD("Phụ lục.xlsx")).encode(): (_put(TEXT), "xấu/Phu\\u0323 lu\\u0323c.xlsx", "F-UNREADABLE",
                                       "không phải sổ Excel"),
    "xấu/Phòng/a.xlsx".encode(): (_put(b""), "xấu/Phòng/a.xlsx", "F-UNREADABLE", "tệp rỗng"),
    ("xấu/" + NFD("Phòng") + "/a.xlsx").encode(): (_put(TEXT), "xấu/Pho\\u0300ng/a.xlsx", "F-UNREADABLE",
                                                  "không phải sổ Excel"),
    # Files programs leave beside the user's: listed, never read, a warning.
    "xấu/.~lock.Phụ lục.xlsx#".encode(): (_put(b"Nguyen,may1,01.03.2020;"), "xấu/.~lock.Phụ lục.xlsx#",
                                          SYSTEM, "tệp khóa của LibreOffice"),
    "xấu/~$ lục.xlsx".encode(): (_put(b"\x06Nguyen" + bytes(150)), "xấu/~$ lục.xlsx", SYSTEM,
                                 "tệp đánh dấu của Microsoft Office"),
    b"x\xe1\xba\xa5u/Thumbs.db": (_put(hostile.docx_renamed()), "xấu/Thumbs.db", SYSTEM, "ảnh thu nhỏ"),
    b"x\xe1\xba\xa5u/desktop.ini": (_put(b"[.ShellClassInfo]\r\n"), "xấu/desktop.ini", SYSTEM, "Windows"),
    b"x\xe1\xba\xa5u/.DS_Store": (_put(b"\0\0\0\1Bud1"), "xấu/.DS_Store", SYSTEM, "macOS"),
    "xấu/._Phụ lục.xlsx".encode(): (_put(b"\0\x05\x16\x07"), "xấu/._Phụ lục.xlsx", SYSTEM, "AppleDouble"),
}


def _tree(root: Path) -> dict[bytes, tuple]:
    """Every entry below ``root``: kind, size, mtime and, for small regular files, a hash."""
    found = {}
    for folder, dirs, files in os.walk(os.fsencode(root)):
        for name in dirs + files:
            path = os.path.join(folder, name)
            st_ = os.lstat(path)
            digest = ""
            if stat.S_ISREG(st_.st_mode) and st_.st_size < MAX_FILE_BYTES:
                digest = hashlib.sha256(Path(os.fsdecode(path)).read_bytes()).hexdigest()
            found[path] = (stat.S_IFMT(st_.st_mode), st_.st_size, st_.st_mtime_ns, digest)
    return found


@pytest.fixture(scope="module")
def entries(good_inbox, generated, key_file, tmp_path_factory):
    """The good inbox plus one entry of every kind, harvested once in a limited subprocess."""
    root = tmp_path_factory.mktemp("entries")
    inbox, outside = root / "inbox", root / "outside"
    shutil.copytree(good_inbox, inbox)
    (outside / "thư mục ngoài").mkdir(parents=True)
    shutil.copy(good_inbox / "vp" / "PL3.xlsx", outside / "thư mục ngoài" / "PL3.xlsx")
    ctx = SimpleNamespace(outside=outside, template=_template(generated))
    made = {}
    for raw, (make, *_rest) in ENTRIES.items():
        path = os.path.join(os.fsencode(inbox), raw)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        made[raw] = make(path, ctx)
    before, around = (_tree(inbox), _tree(outside)), sorted(os.listdir(root))
    run = harvest_cli(inbox, root / "out", key_file)
    return SimpleNamespace(inbox=inbox, out=root / "out", run=run, made=made,
                           unchanged=(_tree(inbox), _tree(outside)) == before,
                           around=(around, sorted(os.listdir(root))))


def test_harvest_of_every_entry_kind_finishes(entries):
    assert entries.run.returncode == 0, entries.run.stderr[-3000:]
    assert "Bảng tổng hợp:" in entries.run.stdout


def test_good_files_rows_are_exactly_as_without_the_bad_entries(entries, baseline):
    assert (entries.out / "values.csv").read_bytes() == (baseline / "values.csv").read_bytes()
    assert (entries.out / "status.csv").read_bytes() == (baseline / "status.csv").read_bytes()


def test_nothing_outside_out_was_written_and_the_inbox_is_untouched(entries):
    assert entries.unchanged
    before, after = entries.around
    assert sorted(set(after) - set(before)) == ["out"]


def test_ledger_lists_every_entry_once_and_nothing_behind_links(entries, baseline):
    ledger = [r["path"] for r in _csv(entries.out / "ledger.csv")]
    assert len(ledger) == len(set(ledger))
    expected = {shown for raw, (_, shown, *_r) in ENTRIES.items() if entries.made[raw]}
    assert set(ledger) == {r["path"] for r in _csv(baseline / "ledger.csv")} | expected


@pytest.mark.parametrize("raw", list(ENTRIES), ids=[v[1] for v in ENTRIES.values()])
def test_each_entry_not_read_is_in_ledger_and_issues_with_its_reason(entries, raw):
    _, shown, code, words = ENTRIES[raw]
    if not entries.made[raw]:
        pytest.skip("this kind of entry cannot be created here (devices need root)")
    row = {r["path"]: r for r in _csv(entries.out / "ledger.csv")}[shown]
    assert (row["outcome"], row["unit_code"]) == ("rejected", "")
    never_read = code != "F-UNREADABLE" or "lớn hơn" in words
    assert (row["sha256"] == "") == never_read
    assert words in row["reason"]
    found = [i for i in _csv(entries.out / "issues.csv") if i["file"] == shown]
    assert [(i["code"], i["severity"]) for i in found] == [(code, "warning" if code == SYSTEM else "error")]
    assert found[0]["message"].startswith(shown + ": ") and words in found[0]["message"]


def test_huge_sparse_file_size_is_reported_not_read(entries):
    row = {r["path"]: r for r in _csv(entries.out / "ledger.csv")}["xấu/thưa 8 GB.xlsx"]
    assert int(row["size"]) == 8 << 30 and "8.589.934.592 byte" in row["reason"]


# ---------------------------------------------------------------- names in every output of a used file

@pytest.fixture(scope="module")
def named(good_inbox, key_file, tmp_path_factory):
    """Good files under names that are not UTF-8 or are NFC/NFD twins, in an inbox whose own
    name is not UTF-8."""
    root = tmp_path_factory.mktemp("named")
    inbox = os.path.join(os.fsencode(root), b"h\xf4p th\xfa")
    shutil.copytree(good_inbox, os.fsdecode(inbox))
    tp = os.path.join(inbox, b"p-tran-phu")
    os.rename(os.path.join(tp, b"PL1.xlsx"), os.path.join(tp, b"\xff PL1\\x.xlsx"))
    vp = os.path.join(inbox, b"vp")
    for name in ("Phụ lục 1.xlsx", NFD("Phụ lục 1.xlsx")):
        shutil.copy(os.path.join(vp, b"PL1.xlsx"), os.path.join(vp, name.encode()))
    os.remove(os.path.join(vp, b"PL1.xlsx"))
    run = harvest_cli(Path(os.fsdecode(inbox)), root / "out", key_file)
    return SimpleNamespace(out=root / "out", run=run)


def test_used_files_keep_their_names_in_every_output(named, baseline):
    assert named.run.returncode == 0, named.run.stderr[-3000:]
    renamed = {"p-tran-phu/PL1.xlsx": "p-tran-phu/\\xff PL1\\\\x.xlsx"}
    twins = {"vp/Phụ lục 1.xlsx", "vp/Phu\\u0323 lu\\u0323c 1.xlsx"}
    got, want = _csv(named.out / "values.csv"), _csv(baseline / "values.csv")
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        if w["file"] == "vp/PL1.xlsx":
            assert g["file"] in twins
            g["file"] = w["file"]
        assert g == {**w, "file": renamed.get(w["file"], w["file"])}
    status = {(s["unit_code"], s["form"]): s["file"] for s in _csv(named.out / "status.csv")}
    assert status[("p-tran-phu", "PL1")] == renamed["p-tran-phu/PL1.xlsx"] and status[("vp", "PL1")] in twins
    ledger = {r["path"]: r["outcome"] for r in _csv(named.out / "ledger.csv")}
    assert ledger[renamed["p-tran-phu/PL1.xlsx"]] == "used"
    assert sorted(ledger[t] for t in twins) == ["duplicate", "used"]
    dup = next(t for t in twins if ledger[t] == "duplicate")
    assert [i["code"] for i in _csv(named.out / "issues.csv") if i["file"] == dup] == ["R-DUPLICATE"]
    texts = [c.value for s in openpyxl.load_workbook(named.out / "tong-hop-cchc.xlsx").worksheets
             for row in s.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("h\\xf4p th\\xfa" in t for t in texts)
    assert renamed["p-tran-phu/PL1.xlsx"] in texts


# ---------------------------------------------------------------- in-process: folders, OS errors, races

def _copy(good_inbox: Path, tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    shutil.copytree(good_inbox, inbox)
    return inbox


FOLDER_ERRORS = [
    (PermissionError(errno.EACCES, "Permission denied"), "không có quyền đọc"),
    (OSError(errno.EIO, "Input/output error"), "lỗi đọc/ghi của ổ đĩa"),
    (OSError(errno.ENAMETOOLONG, "File name too long"), "quá dài"),
    (OSError(errno.ETIMEDOUT, "Connection timed out"), "ổ mạng"),
]


class _Listing:
    """A folder listing that fails after its first entry (a network share dropping)."""

    def __init__(self, real, error):
        self._real, self._error = real, error

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._real.close()

    def __iter__(self):
        yield next(iter(self._real))
        raise self._error


@pytest.mark.parametrize("when", ["opening", "listing"])
@pytest.mark.parametrize("error, words", FOLDER_ERRORS, ids=[e.strerror for e, _ in FOLDER_ERRORS])
def test_a_folder_that_cannot_be_listed_is_reported_not_skipped(good_inbox, tmp_path, monkeypatch, catalogue,
                                                                 registry, error, words, when):
    inbox = _copy(good_inbox, tmp_path)
    real = os.scandir

    def scandir(path="."):
        if isinstance(path, int) or not os.fspath(path).endswith("p-tran-phu"):
            return real(path)   # (a descriptor: shutil.rmtree of cchc's own staging folder)
        if when == "opening":
            raise error
        return _Listing(real(path), error)
    monkeypatch.setattr(os, "scandir", scandir)
    result = harvest(inbox, tmp_path / "out", catalogue, registry, TEST_KEY, DEADLINE)
    ledger = {r["path"]: r for r in _csv(tmp_path / "out" / "ledger.csv")}
    assert ledger["p-tran-phu/"]["outcome"] == "rejected" and words in ledger["p-tran-phu/"]["reason"]
    found = [i for i in _csv(tmp_path / "out" / "issues.csv") if i["file"] == "p-tran-phu/"]
    assert [i["code"] for i in found] == ["F-NOT-READ"]
    assert "không mở được thư mục" in found[0]["message"] and "chưa nộp" in found[0]["message"]
    assert not [p for p in ledger if p.startswith("p-tran-phu/") and p != "p-tran-phu/"]
    assert len(result.results) == len(scan(good_inbox)) - len(list((good_inbox / "p-tran-phu").iterdir())) + 1


def test_an_entry_that_vanishes_before_its_lstat_is_reported(tmp_path, monkeypatch, catalogue, registry):
    (tmp_path / "a.xlsx").write_bytes(b"x")
    real = os.scandir

    class Vanished:
        name, path = "tạm.xlsx", str(tmp_path / "tạm.xlsx")

        def stat(self, follow_symlinks=True):
            raise FileNotFoundError(errno.ENOENT, "No such file or directory")

    class Listing(_Listing):
        def __iter__(self):
            yield from self._real
            yield Vanished()
    monkeypatch.setattr(os, "scandir", lambda path: Listing(real(path), None))
    entries = {f.rel: f for f in scan(tmp_path)}
    assert entries["a.xlsx"].kind == FILE
    result = read_one(entries["tạm.xlsx"], catalogue, registry, TEST_KEY)
    assert [i.code for i in result.issues] == ["F-NOT-READ"] and "đã bị xóa" in result.issues[0].message


def test_an_inbox_that_cannot_be_listed_is_the_operators_error(tmp_path, monkeypatch):
    def scandir(path):
        raise PermissionError(errno.EACCES, "Permission denied")
    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(PermissionError):
        scan(tmp_path)


def _winerror(error: OSError, code: int) -> OSError:
    error.winerror = code    # what Windows adds to EACCES for a file another program holds open
    return error


READ_ERRORS = {  # id -> (the error os.open raises, words of the explanation)
    "permission": (lambda: PermissionError(errno.EACCES, "Permission denied"), "không có quyền đọc"),
    "windows-sharing": (lambda: _winerror(PermissionError(errno.EACCES, "The process cannot access the file"), 32),
                        "đang được chương trình khác mở"),
    "windows-lock": (lambda: _winerror(PermissionError(errno.EACCES, "The process cannot access the file"), 33),
                     "đang được chương trình khác mở"),
    "locked": (lambda: BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable"),
               "đang được chương trình khác mở"),
    "io": (lambda: OSError(errno.EIO, "Input/output error"), "lỗi đọc/ghi của ổ đĩa"),
    "name-too-long": (lambda: OSError(errno.ENAMETOOLONG, "File name too long"), "tên tệp hoặc đường dẫn quá dài"),
    "loop": (lambda: OSError(errno.ELOOP, "Too many levels of symbolic links"), "liên kết"),
    "vanished": (lambda: FileNotFoundError(errno.ENOENT, "No such file or directory"), "đã bị xóa"),
    "other": (lambda: OSError(errno.EOVERFLOW, "Value too large"), "lỗi hệ điều hành"),
}


@pytest.mark.parametrize("case", list(READ_ERRORS))
def test_os_errors_reading_a_file_are_explained_and_the_run_goes_on(good_inbox, tmp_path, monkeypatch, catalogue,
                                                                     registry, baseline, case):
    inbox = _copy(good_inbox, tmp_path)
    make, words = READ_ERRORS[case]
    error = make()
    real = os.open

    def refusing(path, *args, **kwargs):
        if os.fspath(path).endswith(os.path.join("vp", "PL3.xlsx")):
            raise error
        return real(path, *args, **kwargs)
    monkeypatch.setattr(os, "open", refusing)
    harvest(inbox, tmp_path / "out", catalogue, registry, TEST_KEY, DEADLINE)
    row = {r["path"]: r for r in _csv(tmp_path / "out" / "ledger.csv")}["vp/PL3.xlsx"]
    assert row["outcome"] == "rejected" and words in row["reason"]
    found = [i for i in _csv(tmp_path / "out" / "issues.csv") if i["file"] == "vp/PL3.xlsx"]
    assert [i["code"] for i in found] == ["F-NOT-READ"] and words in found[0]["message"]
    assert "chưa được tổng hợp" in found[0]["message"]
    # Every other file's rows are exactly the baseline's.
    want = [r for r in _csv(baseline / "values.csv") if r["file"] != "vp/PL3.xlsx"]
    assert _csv(tmp_path / "out" / "values.csv") == want


@pytest.fixture(params=["native", "windows"])
def flags(request, monkeypatch):
    """Open flags as on Linux, or as on Windows (no O_NOFOLLOW, no O_NONBLOCK)."""
    if request.param == "windows":
        monkeypatch.setattr(intake, "NOFOLLOW", 0)
        monkeypatch.setattr(intake, "NONBLOCK", 0)
    return request.param


@pytest.fixture
def hang_guard():
    def hang(*_):
        raise TimeoutError("the read blocked")
    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _aside(path: Path) -> None:
    # Moved, not deleted: a deleted file's inode number could be given to its replacement.
    path.rename(path.parent.parent / f"aside-{len(list(path.parent.parent.iterdir()))}")


def _swap_fifo(path: Path, outside: Path) -> None:
    _aside(path)
    os.mkfifo(path)


def _swap_link(path: Path, outside: Path) -> None:
    _aside(path)
    path.symlink_to(outside)


def _swap_sparse(path: Path, outside: Path) -> None:
    _aside(path)
    with open(path, "wb") as fh:
        fh.truncate(4 << 30)


def _swap_file(path: Path, outside: Path) -> None:
    _aside(path)
    path.write_bytes(outside.read_bytes())   # another regular file, saved in its place


def _swap_device(path: Path, outside: Path) -> None:
    _aside(path)
    try:
        os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(1, 5))    # /dev/zero: endless
    except PermissionError:
        pytest.skip("creating devices needs root")


SWAPS = {"fifo": (_swap_fifo, "ống dẫn"), "link": (_swap_link, "liên kết tượng trưng"),
         "device": (_swap_device, "thiết bị"), "sparse": (_swap_sparse, "thay đổi trong khi đọc"),
         "file": (_swap_file, "thay đổi trong khi đọc")}


@pytest.mark.parametrize("swap", list(SWAPS))
def test_an_entry_swapped_after_the_scan_is_never_read(swap, flags, hang_guard, generated, catalogue, registry,
                                                       tmp_path):
    (tmp_path / "inbox").mkdir()
    path, outside = tmp_path / "inbox" / "PL1.xlsx", tmp_path / "outside.xlsx"
    outside.write_bytes(_template(generated))
    path.write_bytes(_template(generated))
    [entry] = scan(tmp_path / "inbox")
    make, words = SWAPS[swap]
    make(path, outside)
    result = read_one(entry, catalogue, registry, TEST_KEY)
    assert not result.accepted and result.sha256 == ""
    assert [i.code for i in result.issues] == ["F-NOT-READ"] and words in result.issues[0].message


RACES = {"fifo": (_swap_fifo, "native"), "link": (_swap_link, "native"), "link-windows": (_swap_link, "windows"),
         "device": (_swap_device, "native")}


@pytest.mark.parametrize("race", list(RACES))
def test_a_swap_between_the_check_and_the_open_is_caught_on_the_descriptor(race, hang_guard, generated, catalogue,
                                                                           registry, tmp_path, monkeypatch):
    # The check (lstat) saw the regular file; the entry is swapped before the open.
    make, platform = RACES[race]
    if platform == "windows":
        monkeypatch.setattr(intake, "NOFOLLOW", 0)
        monkeypatch.setattr(intake, "NONBLOCK", 0)
    (tmp_path / "inbox").mkdir()
    path, outside = tmp_path / "inbox" / "PL1.xlsx", tmp_path / "outside.xlsx"
    outside.write_bytes(_template(generated))
    path.write_bytes(_template(generated))
    [entry] = scan(tmp_path / "inbox")
    seen = os.lstat(path)
    make(path, outside)
    real = os.lstat
    monkeypatch.setattr(os, "lstat", lambda p, *a, **k: seen if os.fspath(p) == os.fspath(path) else real(p, *a, **k))
    result = read_one(entry, catalogue, registry, TEST_KEY)
    assert not result.accepted and result.sha256 == "" and [i.code for i in result.issues] == ["F-NOT-READ"]


def test_a_regular_file_reads_the_same_on_the_windows_path(flags, generated, catalogue, registry, tmp_path):
    (tmp_path / "PL1.xlsx").write_bytes(_template(generated))
    result = read_one(scan(tmp_path)[0], catalogue, registry, TEST_KEY)
    assert result.accepted and result.sha256 == hashlib.sha256(_template(generated)).hexdigest()


def test_the_size_is_known_before_any_read_and_reads_are_bounded(tmp_path, monkeypatch):
    path = tmp_path / "lớn.xlsx"
    with open(path, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    [entry] = scan(tmp_path)
    opened = []
    monkeypatch.setattr(os, "open", lambda *a, **k: opened.append(a) or pytest.fail("opened"))
    with pytest.raises(intake._NotRead, match="lớn hơn 20 MB"):
        read_entry(entry)
    assert not opened
    monkeypatch.undo()
    # The file grows after its size was taken: never more than limit + 1 bytes are read.
    grown = tmp_path / "lớn dần.xlsx"
    grown.write_bytes(b"x" * 1000)
    [entry] = [e for e in scan(tmp_path) if e.rel == "lớn dần.xlsx"]

    def as_small(result):   # the size the system gave before the file grew
        return SimpleNamespace(**{k: getattr(result, k) for k in dir(result) if k.startswith("st_")}
                               | {"st_size": 10})
    real_lstat, real_fstat, real_read = os.lstat, os.fstat, os.read
    asked = []
    monkeypatch.setattr(os, "lstat", lambda p, *a, **k: as_small(real_lstat(p, *a, **k)))
    monkeypatch.setattr(os, "fstat", lambda fd: as_small(real_fstat(fd)))
    monkeypatch.setattr(os, "read", lambda fd, n: asked.append(n) or real_read(fd, n))
    with pytest.raises(intake._NotRead, match="lớn hơn"):
        read_entry(entry, limit=100)
    assert 0 < sum(asked) <= 101


# ---------------------------------------------------------------- a real unreadable folder and file, not as root

def _setpriv() -> str | None:
    return shutil.which("setpriv") if hasattr(os, "geteuid") and os.geteuid() == 0 else None


@pytest.mark.skipif(not _setpriv(), reason="needs root and setpriv to run the harvest as another user")
def test_unreadable_folder_and_file_for_a_real_user(good_inbox, key_file):
    # Root reads everything whatever the permissions: run the harvest as "nobody", who
    # must be able to reach the interpreter and the project (not so in a clone made in a
    # private temporary folder).
    probe = subprocess.run([_setpriv(), "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
                            "-c", "import cchc, python_calamine"], capture_output=True, timeout=60, cwd="/",
                           env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"})
    if probe.returncode != 0:
        pytest.skip("the project or its environment is not readable by an unprivileged user here")
    root = Path(tempfile.mkdtemp(prefix="cchc-perm-"))
    try:
        inbox = root / "inbox"
        shutil.copytree(good_inbox, inbox)
        shutil.copy(key_file, root / "hmac.key")
        for p in [root, *root.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        (root / "out").mkdir()
        (root / "out").chmod(0o777)
        (inbox / "tu-phap").chmod(0o000)
        (inbox / "vp" / "PL3.xlsx").chmod(0o000)
        run = subprocess.run([_setpriv(), "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
                              "-m", "cchc", "harvest", str(inbox), "--key-file", str(root / "hmac.key"),
                              "--out", str(root / "out" / "summary")],
                             check=False, capture_output=True, text=True, timeout=180, cwd=REPO,
                             env={**os.environ, "PYTHONPATH": str(REPO), "CCHC_HOME": str(root),
                                  "PYTHONDONTWRITEBYTECODE": "1"})
        assert run.returncode == 0, run.stderr[-3000:]
        out = root / "out" / "summary"
        ledger = {r["path"]: r for r in _csv(out / "ledger.csv")}
        issues = {i["file"]: i for i in _csv(out / "issues.csv")}
        for rel, words in (("tu-phap/", "không mở được thư mục"), ("vp/PL3.xlsx", "không có quyền đọc")):
            assert ledger[rel]["outcome"] == "rejected" and words in ledger[rel]["reason"]
            assert issues[rel]["code"] == "F-NOT-READ" and words in issues[rel]["message"]
    finally:
        subprocess.run(["chmod", "-R", "u+rwx", str(root)], check=False)
        shutil.rmtree(root, ignore_errors=True)
