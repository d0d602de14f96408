"""Output folders: cchc replaces or writes into a folder only when it is its own.

The rule, shared by every command that writes a folder (harvest: the summary; generate:
the templates; feedback: the correction workbooks; mail and feedback: the outbox):

- the folder must not be, contain or lie inside a folder the command reads (the inbox,
  the templates, the summary): compared as real places on disk, through links, ``..``
  and letter case;
- it must not exist, be empty, or be cchc's own: it holds the marker file ``.cchc-output``
  (first line ``cchc <kind>``, then, for a folder replaced as a whole, one line per file
  cchc wrote there, then one line ``#sha256 <digest> <file>`` per file, so that a file
  edited afterwards is seen by the commands that read it: ``unedited``). A folder
  replaced as a whole must hold nothing else. A folder without
  the marker is taken as one written by a version before the marker only when every file
  in it has a name that version wrote, and the file it always wrote is there.

How such a folder is written (staging, swap, lock, recovery) is xlsx_forms.outwrite.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from oslayer.fileio import atomic_write_bytes
from oslayer.oserrors import describe

from .errors import CchcError

MARKER = ".cchc-output"
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
    Kind("rollup", "biểu mẫu gửi cấp trên (cchc rollup)", False, re.compile(r"(?!)")),
    Kind("report", "dự thảo báo cáo tổng kết (cchc report)", False, re.compile(r"(?!)")),
)}


def shown(path: str | Path) -> str:
    """A path as text that can always be printed (undecodable bytes become U+FFFD)."""
    return os.fsencode(path).decode("utf-8", "replace")


def real(path: Path) -> Path:
    """``path`` as a real place: absolute, links and ``..`` resolved."""
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


def files(folder: Path) -> Iterator[tuple[str, bool]]:
    """(relative path, whether it is a regular file) of every entry below ``folder``;
    folders are entered (never through a link; without recursion, however deep)."""
    stack = [(folder, "")]
    while stack:
        here, rel = stack.pop()
        with os.scandir(here) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.is_dir(follow_symlinks=False):
                    stack.append((Path(entry.path), f"{rel}{entry.name}/"))
                else:
                    yield f"{rel}{entry.name}", entry.is_file(follow_symlinks=False)


DIGEST = "#sha256 "   # a marker line recording a file's SHA-256 (no file cchc writes starts so)


def _marker_lines(folder: Path) -> list[str] | None:
    path = folder / MARKER
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > _MARKER_LIMIT:
            return None
        lines = path.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except OSError:
        return None
    return lines if lines and lines[0].startswith("cchc ") else None


def read_marker(folder: Path) -> tuple[str, set[str]] | None:
    """(kind, files listed) of ``folder``'s marker, or None when it has none."""
    lines = _marker_lines(folder)
    if lines is None:
        return None
    return lines[0][5:].strip(), {line for line in lines[1:] if not line.startswith(DIGEST)}


def read_digests(folder: Path) -> dict[str, str]:
    """File → SHA-256 (hex) as recorded in ``folder``'s marker when cchc wrote them; empty
    for a folder without a marker, or written before digests were recorded."""
    digests = {}
    for line in (_marker_lines(folder) or [])[1:]:
        if line.startswith(DIGEST):
            digest, _, rel = line[len(DIGEST):].partition(" ")
            digests[rel] = digest
    return digests


def digest_of(path: Path) -> str:
    """The SHA-256 (hex) of a file's content, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_marker(folder: Path, kind: str, listed: list[str] = (), digests: Mapping[str, str] = {}) -> None:
    """Mark ``folder`` as cchc's, of ``kind``, listing the files it wrote there (and the
    SHA-256 of each, ``digests``)."""
    text = "\n".join([f"cchc {kind}", *listed, *(f"{DIGEST}{d} {rel}" for rel, d in digests.items())]) + "\n"
    # Atomically: a marker cut short by a kill would name no kind, and its folder would
    # then never be recognised, or cleaned up, as cchc's.
    atomic_write_bytes(folder / MARKER, text.encode("utf-8", "surrogateescape"))


def unedited(folder: Path, names: str | Sequence[str], warn: Callable[[str], None]) -> None:
    """Check that each of ``names`` in ``folder`` is still the file cchc wrote, before a
    command hands its figures on (to the level above, into a report). Raises CchcError
    naming the file when one is missing (a report drafted without it would be silently
    wrong) or differs from the marker's digest (edited after it was written); calls
    ``warn`` once with a Vietnamese warning when the folder records no digests (written by
    a version before digests, or files copied without the marker), so that it can still
    be used."""
    recorded = read_digests(folder)
    unknown = []
    for name in (names,) if isinstance(names, str) else names:
        path = folder / name
        if not path.is_file():
            raise CchcError("FILE_MISSING", shown(path))
        if name not in recorded:
            unknown.append(shown(path))
            continue
        try:
            same = digest_of(path) == recorded[name]
        except OSError as exc:
            raise CchcError("OUTPUT_DIR", shown(path), problem=describe(exc, "read"), fix="Kiểm tra lại tệp") from None
        if not same:
            raise CchcError("OUTPUT_EDITED", shown(path), name=name)
    if unknown:
        warn(f"Cảnh báo: {', '.join(unknown)}: không có dấu kiểm tra của cchc (thư mục do phiên bản cũ ghi hoặc tệp "
             "được chép sang), nên không biết tệp có bị sửa sau khi tổng hợp hay không. Nên chạy lại cchc harvest.")


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
            for rel, regular in files(out):
                if rel != MARKER and (not regular or rel not in marker[1]):
                    return f"có «{shown(rel)}» không do cchc tạo"
            return None
        seen = False
        for rel, regular in files(out):
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
    here = real(out)
    for what, path in reads.items():
        other = real(path)
        relation = ("trùng với" if _within(here, other) and _within(other, here) else
                    "nằm trong" if _within(here, other) else "chứa" if _within(other, here) else None)
        if relation:
            raise CchcError("OUT_OVERLAP", shown(out), option=option, relation=relation, what=what,
                          path=shown(path))
    if here.parent == here:
        raise CchcError("OUT_NOT_OURS", shown(out), option=option, reason="đây là thư mục gốc của ổ đĩa")
    reason = _foreign(here, KINDS[kind])
    if reason:
        raise CchcError("OUT_NOT_OURS", shown(out), option=option, reason=reason)
