"""The text boundary: whatever text comes out of a returned file is made inert here, once,
before it reaches any output (CSV files, workbooks, e-mail headers and bodies).

A returned workbook can hold any Unicode in a note, a name or a cell: control characters
that break CSV readers, XML writers or e-mail headers; line breaks in a single-line field
(a forged header line in an e-mail, a broken row in a terminal); bidirectional overrides
and isolates (U+202E makes «gpj.exe» read as «exe.jpg»); zero-width and other invisible
format characters; lone surrogates and non-characters that no encoder accepts. ``sanitize``
removes all of those, turns every kind of line break into LF (or, in a single-line field,
into a space), puts the text in NFC, and bounds its length, so the visible text survives
and nothing invisible does.
"""
from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

# Line breaks of every kind (CR LF, CR, VT, FF, NEL, LINE/PARAGRAPH SEPARATOR) become LF.
# The first characters that make a spreadsheet read a text as a formula (OWASP "CSV
# injection"): a text written to a CSV or workbook starting with one gets a leading quote.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_BREAKS = {"\r\n": "\n", "\r": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"}
ELLIPSIS = "…"


class _Dropped(dict):
    """str.translate table, filled lazily: a code point maps to None (removed) when it is
    a control (Cc, except TAB and LF), a format character (Cf: bidi controls, zero-width
    characters, soft hyphen, tags…), a surrogate (Cs) or a non-character; otherwise to
    itself. Lazy, so importing costs nothing and each character is classified once."""

    def __missing__(self, code: int):
        ch = chr(code)
        category = unicodedata.category(ch)
        keep = ch in "\t\n" or not (category in ("Cc", "Cf", "Cs") or _noncharacter(code))
        self[code] = code if keep else None
        return self[code]


def _noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


_TABLE = _Dropped()


class Clean(NamedTuple):
    """A sanitised text: ``text`` (at most ``limit`` characters), how many invisible or
    control characters were removed, and the length before truncation."""

    text: str
    removed: int
    length: int

    @property
    def truncated(self) -> bool:
        """True when the text was cut to its limit."""
        return len(self.text) < self.length


def sanitize(text: object, *, single_line: bool, limit: int | None = None) -> Clean:
    """``text`` made inert (see the module). Line breaks and tabs in a ``single_line``
    field become single spaces; a text longer than ``limit`` characters is cut to
    ``limit`` characters, the last one an ellipsis. Never raises: anything that is not a
    string is shown by its ``str``, or its type name if even that fails."""
    if not isinstance(text, str):
        text = as_text(text)
    if text.isascii() and text.isprintable():
        # The usual case (names, numbers, codes): nothing to remove, nothing to break.
        length = len(text)
        return Clean(_cut(text, limit) if limit is not None and length > limit else text, 0, length)
    for old, new in _BREAKS.items():
        if old in text:
            text = text.replace(old, new)
    kept = text.translate(_TABLE)
    removed = len(text) - len(kept)
    kept = unicodedata.normalize("NFC", kept)
    if single_line:
        kept = kept.replace("\t", " ")
        if "\n" in kept:   # one line: each break is one space, whatever surrounded it
            kept = " ".join(stripped for line in kept.split("\n") if (stripped := line.strip(" ")))
    length = len(kept)
    return Clean(_cut(kept, limit) if limit is not None and length > limit else kept, removed, length)


def inert(text: object, *, single_line: bool, limit: int | None = None) -> str:
    """The text of ``sanitize``: what every output receives."""
    return sanitize(text, single_line=single_line, limit=limit).text


def _cut(text: str, limit: int) -> str:
    if limit <= 0:
        return ""
    cut = text[: limit - 1]
    # Never leave a combining mark without its letter at the cut.
    while cut and unicodedata.combining(cut[-1]):
        cut = cut[:-1]
    return cut + ELLIPSIS


def as_text(value: object) -> str:
    """``str(value)``, or the type's name when that fails (never raises)."""
    try:
        return str(value)
    except Exception:  # noqa: BLE001 - a value whose str() fails is shown by its type
        return f"<{type(value).__name__}>"


_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def unwritable(text: str) -> tuple[int, str] | None:
    """(where, what is wrong) for the first character of ``text`` that no workbook or
    document can hold (XML 1.0 forbids it: a control character but tab and line breaks,
    U+FFFE, U+FFFF, a lone surrogate), the character named as ``U+0001``; None when there
    is none. The Board's own texts (its plan, its unit list) are refused with it when
    loaded: written, such a character makes openpyxl and Word's writer fail, or a file
    that Excel repairs."""
    found = _UNWRITABLE.search(text)
    if found is None:
        return None
    return found.start(), (f"có ký tự điều khiển U+{ord(found.group()):04X}, không ghi được vào sổ Excel hay "
                           "văn bản Word: xóa ký tự đó")
