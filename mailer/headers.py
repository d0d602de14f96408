"""RFC 2047 headers for the letters: Vietnamese text as encoded words within the standard's
limits, and the policy the outbox reads and writes messages with."""
from __future__ import annotations

import base64
import unicodedata
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP

# Headers with Vietnamese text are encoded here (EncodedHeader), not by the email package:
# Python 3.11's folding drops the space where it splits a subject into two encoded words
# ("số liệu– Văn phòng"). The policy's long lines only keep it from refolding what is
# read back from an .eml; the body stays 7-bit (base64 or quoted-printable).
POLICY = SMTP.clone(max_line_length=998, cte_type="7bit")
WORD_MAX = 75        # RFC 2047: characters of one encoded word
LINE_MAX = 76        # RFC 2047: characters of a header line holding encoded words
_WORD = "=?utf-8?b?{}?="


def encoded_words(text: str, first: int) -> list[str]:
    """``text`` as RFC 2047 base64 encoded words of at most WORD_MAX characters, the
    first at most ``first``; split between characters, never inside one (nor before a
    combining mark), after a space where there is one, so every word decodes on its own.
    Spaces stay inside the words: readers drop the folding between two encoded words
    (RFC 2047, 6.2), never a space of the text. (Python's own parser adds a space there in
    a display name: splitting after a space makes that a double space, not a broken word.)"""
    overhead = len(_WORD.format(""))

    def fits(chunk: str, budget: int) -> bool:
        return (len(chunk.encode()) + 2) // 3 * 4 + overhead <= budget

    words, chunk, budget = [], "", first
    for ch in text:
        if chunk and not fits(chunk + ch, budget) and not unicodedata.combining(ch):
            cut = chunk.rfind(" ") + 1
            if not 0 < cut < len(chunk):
                cut = len(chunk)
            words.append(_WORD.format(base64.b64encode(chunk[:cut].encode()).decode("ascii")))
            chunk, budget = chunk[cut:], WORD_MAX
        chunk += ch
    words.append(_WORD.format(base64.b64encode(chunk.encode()).decode("ascii")))
    return words


class EncodedHeader(str):
    """A header whose text is kept as given (``str``) and written as encoded words folded
    on lines of at most LINE_MAX characters (``fold``, called by the email package's
    generator for an object with a ``name``). ASCII text needs none of it."""

    name: str
    folded: str

    def __new__(cls, name: str, text: str, address: str = "", shown: str | None = None) -> EncodedHeader:
        self = super().__new__(cls, shown if shown is not None else text)
        self.name = name
        words = encoded_words(text, LINE_MAX - len(name) - 2)
        if address:
            tail = f" <{address}>"
            if (len(words) == 1 and len(name) + 2 + len(words[0]) + len(tail) > LINE_MAX
                    or len(words[-1]) + 1 + len(tail) > LINE_MAX):
                words.append(tail.strip())
            else:
                words[-1] += tail
        self.folded = "\r\n ".join(words)
        return self

    def fold(self, *, policy) -> str:
        """The header as written: name, encoded words, the policy's line ends."""
        return f"{self.name}: {self.folded.replace(chr(13) + chr(10), policy.linesep)}{policy.linesep}"


def _plain(text: str) -> bool:
    """Whether ``text`` can be written as it is: ASCII, and nothing a reader would decode
    («=?utf-8?q?Gi=C3=A1m_=C4=91=E1=BB=91c?=» is shown as «Giám đốc», and may hide a line
    break): such a text is encoded itself, so that it reads back exactly as written."""
    return text.isascii() and "=?" not in text


def set_header(msg: EmailMessage, name: str, text: str, address: str = "") -> None:
    """Set ``name`` to ``text`` (with ``address``: a mailbox), encoded only when it must be."""
    if address:
        plain = str(Address(text, addr_spec=address))
        msg[name] = plain if _plain(text) else EncodedHeader(name, text, address, plain)
    else:
        msg[name] = text if _plain(text) else EncodedHeader(name, text)
