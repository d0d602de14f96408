"""Find every entry of the inbox folder and give each a name fit for every output.

The walk never follows a link and never opens anything: each entry is classified by its own
``lstat`` (regular file, link, FIFO, socket, device, …) and only regular files are read
later (``harvest.intake``). A sub-folder that cannot be listed is an entry too, so that
nothing below the inbox is skipped without a word.

Names: a file's name is bytes on Linux and UTF-16 on Windows, neither always valid text;
and two names may differ only by Unicode normalisation (NFC/NFD), which the eye cannot
see. ``rel`` is what every output shows: valid Unicode, NFC where that is unambiguous,
and one-to-one with the entries, so that it can serve as the entry's key everywhere.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from oslayer.oserrors import explain
from oslayer.portable import long_path

# Kinds of entries. Only FILE is ever opened.
FILE, LINK, FIFO, SOCKET, CHAR_DEVICE, BLOCK_DEVICE, OTHER, FOLDER, GONE = (
    "file", "link", "fifo", "socket", "char-device", "block-device", "other", "folder", "gone")
_BY_MODE = ((stat.S_ISREG, FILE), (stat.S_ISDIR, FOLDER), (stat.S_ISLNK, LINK), (stat.S_ISFIFO, FIFO),
            (stat.S_ISSOCK, SOCKET), (stat.S_ISCHR, CHAR_DEVICE), (stat.S_ISBLK, BLOCK_DEVICE))
# Windows: a junction (mount point) is a link to a folder although its mode says folder.
# IO_REPARSE_TAG_SYMLINK, IO_REPARSE_TAG_MOUNT_POINT (the stat module has them on Windows only).
_WINDOWS_LINK_TAGS = (0xA000000C, 0xA0000003)


@dataclass(frozen=True, slots=True)
class InboxFile:
    """An entry found in the inbox.

    ``rel``: its shown path relative to the inbox, with '/' (see ``shown_name``), unique;
    a folder that could not be listed ends with '/'. ``path``: the real path, to open.
    ``kind``: FILE, LINK, FIFO, … or FOLDER (not listed: ``error`` says why) or GONE (its
    ``lstat`` failed: ``error``). ``dev``/``ino``: its identity when scanned (0 if unknown),
    so that an entry swapped for another before it is read is noticed. Compact (slots, the
    path as text, not a Path with its parts): a national inbox has tens of thousands.
    """

    rel: str
    path: str
    size: int
    mtime: float
    kind: str = FILE
    dev: int = 0
    ino: int = 0
    error: str = ""


def kind_of(st: os.stat_result) -> str:
    """The kind of entry an ``lstat`` result describes."""
    if getattr(st, "st_reparse_tag", 0) in _WINDOWS_LINK_TAGS:
        return LINK
    return next((kind for test, kind in _BY_MODE if test(st.st_mode)), OTHER)


# Characters that never appear as themselves in a shown name: the escape character, controls
# (C0, DEL, C1), line and paragraph separators, bidirectional controls (a name could read
# backwards: "PL1<U+202E>xslx.exe" shows as "PL1exe.xlsx"), invisible characters (zero-width
# spaces and joiners, the byte-order mark, soft hyphen, tags), and lone surrogates (bytes
# that are not UTF-8 on Linux, broken UTF-16 on Windows). Everything else, Vietnamese included, is shown as it is.
_ESCAPED = re.compile("[\\\\\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069"
                      "\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f]")


def _escape(ch: str) -> str:
    cp = ord(ch)
    if ch == "\\":
        return "\\\\"
    if cp < 0x80 or 0xDC80 <= cp <= 0xDCFF:   # an ASCII control, or an undecodable byte (0x80-0xFF)
        return f"\\x{cp & 0xFF:02x}"
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


def shown_name(name: str, *, twin: bool = False) -> str:
    """One name (not a path) as every output shows it: valid Unicode, readable, lossless.

    ``\\\\`` stands for a backslash, ``\\xNN`` for an ASCII control (NN < 80) or, above, for
    the byte NN that is not UTF-8 (Linux: ``os.fsdecode`` gives it as a lone surrogate),
    ``\\uNNNN``/``\\UNNNNNNNN`` for that code point; any other character is itself. So the
    name is read back exactly, and two names never show the same. The name is NFC, except a
    ``twin``: a name whose NFC form another name of its folder already shows. A twin is shown
    with every non-ASCII character escaped (``Phu\\u0323 lu\\u0323c.xlsx``), visibly another
    file, and unchanged by any later NFC step.
    """
    if twin:
        return "".join(ch if " " <= ch < "\x7f" and ch != "\\" else _escape(ch) for ch in name)
    name = unicodedata.normalize("NFC", name)
    if not _ESCAPED.search(name):
        return name
    out, after_escape = [], False
    for ch in name:
        # A combining mark right after an escape would merge with its last digit under NFC
        # (\x0a + U+0301 -> \x0á): escape it too.
        if _ESCAPED.match(ch) or (after_escape and unicodedata.category(ch).startswith("M")):
            out.append(_escape(ch))
            after_escape = True
        else:
            out.append(ch)
            after_escape = False
    return "".join(out)


def shown_names(names: list[str]) -> dict[str, str]:
    """The shown name of each name of one folder, all distinct. Of names with the same NFC
    form, the one already in NFC (else the first in code-point order) shows it; the others
    are twins (see ``shown_name``)."""
    by_nfc: dict[str, list[str]] = {}
    for name in names:
        by_nfc.setdefault(unicodedata.normalize("NFC", name), []).append(name)
    shown = {}
    for nfc, same in by_nfc.items():
        first = nfc if nfc in same else min(same)
        for name in same:
            shown[name] = shown_name(name, twin=name != first)
    return shown


def shown_path(path: Path) -> str:
    """A path given by the operator (the inbox), shown part by part as ``shown_name`` does."""
    parts = [shown_name(os.fsdecode(p)) for p in (path.parts[1:] if path.anchor else path.parts)]
    return str(Path(path.anchor, *parts))


def scan(inbox: Path) -> list[InboxFile]:
    """Every entry below ``inbox`` that is not a folder it could list, sorted by ``rel``.

    Nothing is followed or opened. A sub-folder that cannot be listed is an entry of kind
    FOLDER; an inbox that cannot be listed at all raises ``OSError`` (nothing could be
    harvested: that is the operator's error, not a file's).
    """
    found: list[InboxFile] = []
    # (real folder path, its shown prefix). On Windows the extended form of the path, so
    # that entries deep below it open whatever the length of their path.
    pending = [(os.fspath(long_path(inbox)), "")]
    first = True
    while pending:
        folder, prefix = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as exc:
            if first:
                raise
            found.append(InboxFile(prefix, folder, 0, 0.0, FOLDER, error=explain(exc)))
            continue
        first = False
        shown = shown_names([e.name for e in entries])
        for entry in entries:
            rel = prefix + shown[entry.name]
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                found.append(InboxFile(rel, entry.path, 0, 0.0, GONE, error=explain(exc)))
                continue
            kind = kind_of(st)
            if kind == FOLDER:
                pending.append((entry.path, rel + "/"))
            else:
                found.append(InboxFile(rel, entry.path, st.st_size, st.st_mtime, kind,
                                       st.st_dev, st.st_ino))
    return sorted(found, key=lambda f: f.rel)


def sha256(data: bytes) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(data).hexdigest()
