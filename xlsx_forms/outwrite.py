"""Writing an output folder (see xlsx_forms.outdir for which folders may be written).

- one run at a time writes it (oslayer.dirlock);
- a folder replaced as a whole is built in a staging folder beside it, with the writers'
  temporary files inside it, and swapped in when complete; a killed run is undone by
  ``recover`` on the next, which only touches staging and aside folders that carry the
  marker;
- an operating-system error while writing becomes the operator's message (CchcError),
  with the folder named and the reason and advice in Vietnamese.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from oslayer import dirlock
from oslayer.oserrors import advice, describe

from .errors import CchcError
from .outdir import KINDS, MARKER, check, digest_of, files, read_marker, real, shown, write_marker

LOCK_WAIT = 600.0   # seconds a run waits for another writing the same folder (CCHC_LOCK_WAIT)
ASIDE = "aside"   # the marker kind of a folder holding the previous outputs during a swap
STAGING = "staging "   # the marker kind of a staging folder being written: "staging harvest"
_TMP = ".cchc-tmp"   # temporary files of the writers (xlsxwriter…) go here, not to the system's


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


def _leftovers(out: Path, what: str) -> list[Path]:
    """The folders named as ``replacing`` names its staging (``new``) or aside (``old``)
    folders beside ``out``: exactly, so that another folder's never match."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.{what}-[a-z0-9_]{{8}}")
    with os.scandir(out.parent) as entries:
        return sorted(Path(e.path) for e in entries if pattern.fullmatch(e.name) and e.is_dir(follow_symlinks=False))


def recover(out: Path) -> None:
    """Undo what a killed run left beside ``out``: put back outputs moved aside but never
    replaced, remove half-written staging folders. Only folders carrying cchc's marker are
    touched (an empty staging folder, killed before its marker, is removed with rmdir).
    Call it holding the folder's lock: another run's staging folder is never a leftover."""
    out = real(out)
    if not out.parent.is_dir():
        return
    for aside in _leftovers(out, "old"):
        if not _only_ours(aside, {ASIDE}, lambda rel: rel.startswith("previous/")):
            continue
        previous = aside / "previous"
        if previous.is_dir() and not os.path.lexists(out):
            os.replace(previous, out)
        shutil.rmtree(aside, ignore_errors=True)
    for staging in _leftovers(out, "new"):
        if _only_ours(staging, {STAGING + k for k in KINDS}, lambda rel: True) or \
                _only_ours(staging, set(KINDS), lambda rel: False):
            shutil.rmtree(staging, ignore_errors=True)
        else:
            # Killed before its marker stood: empty, or holding only the marker's own
            # temporary file (written atomically). Nothing else is ever removed.
            try:
                for entry in os.listdir(staging):
                    if not (entry.startswith(f".{MARKER}.") and entry.endswith(".tmp")):
                        raise OSError("not a leftover")
                for entry in os.listdir(staging):
                    os.unlink(staging / entry)
                os.rmdir(staging)
            except OSError:
                pass


def _only_ours(folder: Path, kinds: set[str], also) -> bool:
    """Whether ``folder`` is a leftover of cchc's alone: its marker is of one of ``kinds``
    and every file in it is the marker, a file the marker lists, or one ``also`` allows.
    A folder a user made or added to (even a copy of cchc's outputs) is never removed."""
    marker = read_marker(folder)
    if marker is None or marker[0] not in kinds:
        return False
    try:
        return all(rel == MARKER or rel in marker[1] or also(rel) for rel, _ in files(folder))
    except OSError:
        return False


def _swap(staging: Path, out: Path) -> None:
    aside = None
    try:
        if os.path.lexists(out):
            aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            write_marker(aside, ASIDE)
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
def replacing(out: Path, kind: str, reads: Mapping[str, Path] = {}, wait: float = LOCK_WAIT,
              on_wait: Callable[[str], None] | None = None, option: str = "--out") -> Iterator[Path]:
    """Yield a fresh staging folder; when the block ends without error, it replaces
    ``out`` as a whole. On any error (or a kill) ``out`` stays as it was. Raises CchcError
    for a folder that may not be written, a lock held too long, or an OSError."""
    out = real(out)
    with _locked(out, kind, reads, wait, on_wait, only_writes=True, option=option):
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
        saved_tempdir = tempfile.tempdir
        try:
            write_marker(staging, STAGING + kind)   # from now on recover knows it is ours, half-written
            (staging / _TMP).mkdir()
            tempfile.tempdir = str(staging / _TMP)
            yield staging
            tempfile.tempdir = saved_tempdir
            shutil.rmtree(staging / _TMP)
            written = [rel for rel, _ in files(staging) if rel != MARKER]
            write_marker(staging, kind, written, {rel: digest_of(staging / rel) for rel in written})
            os.chmod(staging, 0o755)
            _swap(staging, out)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            tempfile.tempdir = saved_tempdir


@contextmanager
def writing_into(out: Path, kind: str, reads: Mapping[str, Path] = {}, wait: float = LOCK_WAIT,
                 on_wait: Callable[[str], None] | None = None, option: str = "--out") -> Iterator[Path]:
    """Hold ``out`` (created if missing, marked as cchc's) for a block that adds files to
    it without replacing it. Raises CchcError as ``replacing`` does."""
    out = real(out)
    with _locked(out, kind, reads, wait, on_wait, only_writes=False, option=option):
        out.mkdir(exist_ok=True)
        if read_marker(out) is None:
            write_marker(out, kind)
        yield out
