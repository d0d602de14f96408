"""The outbox folder: one .eml per letter, and sent.csv, the record of what was sent."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path

from oslayer.fileio import NotReadable, atomic_write_bytes, read_csv
from xlsx_forms.errors import CchcError

from .headers import POLICY

SENT = "sent.csv"
SENT_HEADER = ("message_id", "file", "to", "status", "at", "detail")
_LETTER = r"-[a-z0-9][a-z0-9-]{0,39}\.eml"   # <kind>-<unit code>.eml: the only names cchc writes here


@dataclass(frozen=True)
class Outgoing:
    """An .eml of the outbox."""

    path: Path
    message: EmailMessage

    @property
    def message_id(self) -> str:
        """The message's Message-ID."""
        return str(self.message["Message-ID"])

    @property
    def to(self) -> str:
        """The recipient as a mail client shows it. Decoded by RFC 2047's rule (the space
        between two encoded words is dropped), not by the email package's address parser,
        which puts a space there in a display name."""
        raw = next((v for k, v in self.message.raw_items() if k.lower() == "to"), "")
        return str(make_header(decode_header(" ".join(str(raw).split()))))


def write(outbox: Path, name: str, msg: EmailMessage) -> Path:
    """Write ``msg`` as ``outbox/name.eml`` (atomically); return the path."""
    path = outbox / f"{name}.eml"
    atomic_write_bytes(path, msg.as_bytes(policy=POLICY))
    return path


def pending(outbox: Path) -> list[Outgoing]:
    """The outbox's messages not yet sent, in name order."""
    done = {row["message_id"] for row in records(outbox) if row["status"] == "sent"}
    out = []
    for path in sorted(outbox.glob("*.eml")):
        msg = message_from_bytes(path.read_bytes(), policy=POLICY)
        if str(msg["Message-ID"]) not in done:
            out.append(Outgoing(path, msg))
    return out


def prune(outbox: Path, kind: str, keep: set[str]) -> list[Path]:
    """Remove the letters of ``kind`` (``<kind>-<unit>.eml``) whose name is not in ``keep``
    and that were never sent: an earlier run's letters about problems that are gone. Sent
    letters stay, as the record of what was sent. Returns the removed paths."""
    done = {row["message_id"] for row in records(outbox) if row["status"] == "sent"}
    pattern = re.compile(re.escape(kind) + _LETTER)
    gone = []
    for path in sorted(outbox.glob(f"{kind}-*.eml")):
        if path.stem in keep or not pattern.fullmatch(path.name) or not path.is_file() or path.is_symlink():
            continue
        msg = message_from_bytes(path.read_bytes(), policy=POLICY)
        if str(msg["Message-ID"]) not in done:
            path.unlink()
            gone.append(path)
    return gone


def records(outbox: Path) -> list[dict[str, str]]:
    """Every line of sent.csv (sent and failed attempts)."""
    path = outbox / SENT
    if not path.exists():
        return []
    try:
        return read_csv(path)
    except NotReadable as exc:
        raise CchcError("CSV_INVALID", str(path), problem=str(exc)) from None


def record(outbox: Path, rows: list[tuple]) -> None:
    """Append attempts to sent.csv (created with its header and a BOM for Excel)."""
    path = outbox / SENT
    new = not path.exists()
    with open(path, "a", encoding="utf-8-sig" if new else "utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        if new:
            writer.writerow(SENT_HEADER)
        writer.writerows(rows)
