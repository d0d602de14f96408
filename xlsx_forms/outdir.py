"""Output folders: cchc replaces or writes into a folder only when it is its own.

Every command that writes a folder goes through here (harvest: the summary; generate: the
templates; feedback: the correction workbooks; mail and feedback: the outbox):

- the folder must not be, contain or lie inside a folder the command reads (the inbox,
  the templates, the summary): compared as real places on disk, through links, ``..``
  and letter case;
- it must not exist, be empty, or be cchc's own: it holds the marker file ``.cchc-output``
  (first line ``cchc <kind>``, then, for a folder replaced as a whole, one line per file
  cchc wrote there). A folder replaced as a whole must hold nothing else. A folder without
  the marker is taken as one written by a version before the marker only when every file
  in it has a name that version wrote, and the file it always wrote is there;
- one run at a time writes it (xlsx_forms.dirlock);
- a folder replaced as a whole is built in a staging folder beside it and swapped in when
  complete; a killed run is undone by ``recover`` on the next, which only touches staging
  and aside folders that carry the marker.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import dirlock
from .errors import CchcError
from .oserrors import advice, describe

MARKER = ".cchc-output"
ASIDE = "aside"   # the marker kind of a folder holding the previous outputs during a swap
_TMP = ".cchc-tmp"   # temporary files of the writers (xlsxwriter…) go here, not to the system's
_MARKER_LIMIT = 64 << 20
_CODE = r"[a-z0-9][a-z0-9-]{0,39}"


@dataclass(frozen=True)
class Kind:
    """A kind of output folder: its marker name, what it is called in messages, whether
    it is replaced as a whole, and the files a version before the marker wrote there."""

    name: str
    label: str
    replaced: bool
    legacy: re.Pattern
    legacy_required: str | None = None


KINDS = {k.name: k for k in (
    Kind("harvest", "kết quả tổng hợp (cchc harvest)", True,
         re.compile(r"tong-hop-cchc\.xlsx|values\.csv|issues\.csv|ledger\.csv|status\.csv"),
         "tong-hop-cchc.xlsx"),
    Kind("templates", "biểu mẫu (cchc generate)", True,
         re.compile(rf"manifest\.csv|({_CODE})/PL\d+_\1\.xlsx"), "manifest.csv"),
    Kind("feedback", "biểu mẫu cần sửa (cchc feedback)", True,
         re.compile(rf"({_CODE})/PL\d+_\1_sua-loi\.xlsx")),
    Kind("outbox", "thư đi (cchc mail, cchc feedback)", False,
         re.compile(rf"(mau|nhac|phan-hoi)-{_CODE}\.eml|sent\.csv")),
)}


def shown(path: str | Path) -> str:
    """A path as text that can always be printed (undecodable bytes become U+FFFD)."""
    return os.fsencode(path).decode("utf-8", "replace")


def _real(path: Path) -> Path:
    return Path(os.path.realpath(Path(path).expanduser()))


def _within(inner: Path, outer: Path) -> bool:
    """Whether ``inner`` is ``outer`` or lies inside it (both real paths), as places on
    disk: by name first (folders not made yet), then by identity, which sees through
    letter case on Windows and macOS and through bind mounts."""
    if inner == outer or outer in inner.parents:
        return True
    if not os.path.exists(outer):
        return False
    for place in (inner, *inner.parents):
        try:
            if os.path.exists(place) and os.path.samefile(place, outer):
                return True
        except OSError:
            continue
    return False


def _files(folder: Path, rel: str = "") -> Iterator[tuple[str, bool]]:
    """(relative path, whether it is a regular file) of every entry below ``folder``;
    folders are entered (never through a link), anything else is listed as not a file."""
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            path = f"{rel}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                yield from _files(Path(entry.path), path + "/")
            else:
                yield path, entry.is_file(follow_symlinks=False)


def read_marker(folder: Path) -> tuple[str, set[str]] | None:
    """(kind, files listed) of ``folder``'s marker, or None when it has none."""
    path = folder / MARKER
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > _MARKER_LIMIT:
            return None
        lines = path.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except OSError:
        return None
    if not lines or not lines[0].startswith("cchc "):
        return None
    return lines[0][5:].strip(), set(lines[1:])


def _write_marker(folder: Path, kind: str, files: list[str] = ()) -> None:
    text = "\n".join([f"cchc {kind}", *files]) + "\n"
    (folder / MARKER).write_text(text, encoding="utf-8", errors="surrogateescape")


def _foreign(out: Path, kind: Kind) -> str | None:
    """Why ``out`` is not a folder this kind may write, or None when it may."""
    if not os.path.lexists(out):
        return None
    if not out.is_dir():
        return "đây là một tệp, không phải thư mục"
    try:
        marker = read_marker(out)
        if marker is not None:
            if marker[0] != kind.name:
                label = KINDS[marker[0]].label if marker[0] in KINDS else f"loại «{marker[0]}»"
                return f"đây là thư mục {label}, không phải thư mục {kind.label}"
            if not kind.replaced:
                return None
            for rel, regular in _files(out):
                if rel != MARKER and (not regular or rel not in marker[1]):
                    return f"có «{shown(rel)}» không do cchc tạo"
            return None
        seen = False
        for rel, regular in _files(out):
            if not regular or not kind.legacy.fullmatch(rel):
                return f"có «{shown(rel)}» không do cchc tạo"
            seen = seen or rel == kind.legacy_required or kind.legacy_required is None
        return None if seen or not any(out.iterdir()) else \
            f"thiếu «{kind.legacy_required}» của một thư mục {kind.label}"
    except OSError as exc:
        return f"không xem được nội dung thư mục: {describe(exc)}"


def check(out: Path, kind: str, reads: Mapping[str, Path] = {}, option: str = "--out") -> None:
    """Raise CchcError unless ``out`` (given as ``option``) may be written as a ``kind``
    folder: it does not overlap any folder of ``reads`` (description → path) and it is
    absent, empty or cchc's own. Touches nothing."""
    real = _real(out)
    for what, path in reads.items():
        other = _real(path)
        relation = ("trùng với" if _within(real, other) and _within(other, real) else
                    "nằm trong" if _within(real, other) else "chứa" if _within(other, real) else None)
        if relation:
            raise CchcError("OUT_OVERLAP", shown(out), option=option, relation=relation, what=what,
                          path=shown(path))
    if real.parent == real:
        raise CchcError("OUT_NOT_OURS", shown(out), option=option, reason="đây là thư mục gốc của ổ đĩa")
    reason = _foreign(real, KINDS[kind])
    if reason:
        raise CchcError("OUT_NOT_OURS", shown(out), option=option, reason=reason)


def _where(exc: OSError, out: Path) -> Path:
    """The folder to name for an error met while writing ``out``: ``out`` itself for its
    files and its staging folder's, its parent for what cchc puts beside it."""
    if not isinstance(exc.filename, str):
        return out
    path = Path(exc.filename)
    beside = [p for p in (path, *path.parents) if p.parent == out.parent and p.name.startswith(f".{out.name}.")]
    if path == out or out in path.parents or (beside and beside[0] != path):
        return out
    return out.parent if beside else path


def write_error(exc: OSError, out: Path) -> CchcError:
    """An OSError met while writing ``out`` as the operator's message: the folder named,
    the system's reason in Vietnamese, the advice."""
    return CchcError("OUTPUT_DIR", shown(_where(exc, out)), problem=describe(exc, "write"),
                     fix=advice(exc, "write"))


def _ours(exc: OSError, out: Path, only_writes: bool) -> bool:
    """Whether an error from the block concerns the output: a file in or beside ``out``,
    or, in a block that only writes, an error naming no file (a full disk)."""
    if not isinstance(exc.filename, str):
        return only_writes
    return _where(exc, out) in (out, out.parent)


def recover(out: Path) -> None:
    """Undo what a killed run left beside ``out``: put back outputs moved aside but never
    replaced, remove half-written staging folders. Only folders carrying cchc's marker are
    touched (an empty staging folder, killed before its marker, is removed with rmdir)."""
    out = _real(out)
    if not out.parent.is_dir():
        return
    for aside in sorted(out.parent.glob(f".{glob_escape(out.name)}.old-*")):
        if aside.is_symlink() or (read_marker(aside) or ("",))[0] != ASIDE:
            continue
        previous = aside / "previous"
        if previous.is_dir() and not os.path.lexists(out):
            os.replace(previous, out)
        shutil.rmtree(aside, ignore_errors=True)
    for staging in out.parent.glob(f".{glob_escape(out.name)}.new-*"):
        if staging.is_symlink() or not staging.is_dir():
            continue
        if (read_marker(staging) or ("",))[0] in KINDS:
            shutil.rmtree(staging, ignore_errors=True)
        else:
            try:
                os.rmdir(staging)   # only if empty: never removes anything else
            except OSError:
                pass


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def _swap(staging: Path, out: Path) -> None:
    aside = None
    try:
        if os.path.lexists(out):
            aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            _write_marker(aside, ASIDE)
            os.replace(out, aside / "previous")
        os.replace(staging, out)
    except BaseException:
        if aside is not None and not os.path.lexists(out) and (aside / "previous").exists():
            os.replace(aside / "previous", out)
        raise
    finally:
        # Only drop the old copy once something stands in its place.
        if aside is not None and os.path.lexists(out):
            shutil.rmtree(aside, ignore_errors=True)


@contextmanager
def _locked(out: Path, kind: str, reads: Mapping[str, Path], wait: float,
            on_wait: Callable[[str], None] | None, only_writes: bool, option: str) -> Iterator[None]:
    check(out, kind, reads, option)
    in_body = False
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with dirlock.hold(out, wait, on_wait):
            recover(out)
            check(out, kind, reads, option)   # again: it may have changed while we waited
            in_body = True
            yield
    except dirlock.Busy as busy:
        raise CchcError("OUT_LOCKED", shown(out), pid=f" (tiến trình {busy.holder})" if busy.holder else "",
                        seconds=f"{busy.waited:g}") from None
    except OSError as exc:
        if in_body and not _ours(exc, out, only_writes):
            raise
        raise write_error(exc, out) from None


@contextmanager
def replacing(out: Path, kind: str, reads: Mapping[str, Path] = {}, wait: float = 600.0,
              on_wait: Callable[[str], None] | None = None, option: str = "--out") -> Iterator[Path]:
    """Yield a fresh staging folder; when the block ends without error, it replaces
    ``out`` as a whole. On any error (or a kill) ``out`` stays as it was. Raises CchcError
    for a folder that may not be written, a lock held too long, or an OSError."""
    out = _real(out)
    with _locked(out, kind, reads, wait, on_wait, only_writes=True, option=option):
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
        saved_tempdir = tempfile.tempdir
        try:
            _write_marker(staging, kind)   # from now on recover knows the folder is ours
            (staging / _TMP).mkdir()
            tempfile.tempdir = str(staging / _TMP)
            yield staging
            tempfile.tempdir = saved_tempdir
            shutil.rmtree(staging / _TMP)
            _write_marker(staging, kind, [rel for rel, _ in _files(staging) if rel != MARKER])
            os.chmod(staging, 0o755)
            _swap(staging, out)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            tempfile.tempdir = saved_tempdir


@contextmanager
def writing_into(out: Path, kind: str, reads: Mapping[str, Path] = {}, wait: float = 600.0,
                 on_wait: Callable[[str], None] | None = None, option: str = "--out") -> Iterator[Path]:
    """Hold ``out`` (created if missing, marked as cchc's) for a block that adds files to
    it without replacing it. Raises CchcError as ``replacing`` does."""
    out = _real(out)
    with _locked(out, kind, reads, wait, on_wait, only_writes=False, option=option):
        out.mkdir(exist_ok=True)
        if read_marker(out) is None:
            _write_marker(out, kind)
        yield out
