"""Identity of a generated workbook, so the harvester knows what came back.

Stored twice: in a very hidden sheet and in custom document properties. An HMAC over the
fields and the layout fingerprint proves the template came from this consolidator's
cchc and that its locked layout is the one of the spec version. The key never enters a
workbook: it sits in the user's configuration directory or in a ``--key-file``.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from oslayer.fileio import NotReadable, read_regular
from oslayer.oserrors import describe
from oslayer.portable import NotPrivate, make_private

from .errors import CchcError
from .layout import SheetLayout

IDENTITY_SHEET = "_cchc"
PROPERTY_PREFIX = "cchc_"
KEY_BYTES = 32
KEY_FILE_LIMIT = 64 << 10   # a key is 65 bytes of hex; anything far larger is not a key file


@dataclass(frozen=True, slots=True)
class Identity:
    """What a template says about itself; ``hmac`` signs every other field."""

    form: str
    spec_version: int
    unit: str
    template_id: str
    generated_at: str
    fingerprint: str
    hmac: str = ""

    def signed_fields(self) -> dict[str, object]:
        """The fields the HMAC covers."""
        d = asdict(self)
        d.pop("hmac")
        return d

    def items(self) -> list[tuple[str, str]]:
        """(name, value) pairs in storage order."""
        return [(k, str(v)) for k, v in asdict(self).items()]


@lru_cache(maxsize=64)
def layout_fingerprint(layout: SheetLayout) -> str:
    """SHA-256 of the sheet name and every locked form text with its address (cached:
    layouts are immutable)."""
    payload = json.dumps([layout.sheet_name, layout.fingerprint_texts()], ensure_ascii=False,
                         separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _mac(key: bytes, fields: dict[str, object]) -> str:
    message = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(key: bytes, *, form: str, spec_version: int, unit: str, generated_at: str,
         fingerprint: str) -> Identity:
    """A signed identity. The template id is derived, so equal inputs give equal files."""
    template_id = hashlib.sha256(
        f"{form}|{spec_version}|{unit}|{generated_at}|{fingerprint}".encode()).hexdigest()[:20]
    # Shared strings once, not once per workbook (a national run keeps 16,000 identities).
    unsigned = Identity(sys.intern(form), spec_version, sys.intern(unit), template_id,
                        sys.intern(generated_at), sys.intern(fingerprint))
    return Identity(**{**asdict(unsigned), "hmac": _mac(key, unsigned.signed_fields())})


def verify(key: bytes, identity: Identity) -> bool:
    """Whether the identity's HMAC matches its fields under ``key``."""
    return hmac.compare_digest(_mac(key, identity.signed_fields()), identity.hmac)


def key_fingerprint(key: bytes) -> str:
    """A short name of ``key`` to show the operator (``3f2a-91bc-07de``): a hash of the key
    under a label of its own, never the key, and too short to test guesses against a
    signature; enough to tell two keys apart at a glance."""
    digest = hashlib.sha256(b"cchc key fingerprint\0" + key).hexdigest()[:12]
    return "-".join(digest[i:i + 4] for i in range(0, 12, 4))


def _create_key(path: Path) -> None:
    """A new random key at ``path``, readable by the current user only: created empty and
    made private (mode 0600; on Windows, which ignores the mode, an access list: see
    oslayer.portable.make_private) before a byte of the key is written. If it cannot be
    made private, the empty file is removed and NotPrivate raised."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            make_private(path)
            fh.write((secrets.token_hex(KEY_BYTES) + "\n").encode("ascii"))
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def load_or_create_key(path: Path, *, create: bool = True,
                       on_create: Callable[[Path], None] | None = None) -> bytes:
    """Read the HMAC key (hex text) at ``path``; create it (readable by the user only) if missing and allowed,
    then tell ``on_create`` (the operator must learn where it is and keep it). Only a small
    regular file is read: a directory, FIFO or device is refused without being opened (a
    FIFO would block). Raises CchcError."""
    try:
        try:
            data = read_regular(path, KEY_FILE_LIMIT)
        except FileNotFoundError:
            if not create:
                raise CchcError("KEY_FILE", str(path), problem="tệp không tồn tại") from None
            try:
                _create_key(path)
            except NotPrivate as exc:
                raise CchcError("KEY_FILE", str(path), problem=f"không giới hạn được quyền đọc cho riêng tài khoản "
                                f"này, nên chưa tạo khóa: {exc}") from None
            except OSError as exc:
                raise CchcError("KEY_FILE", str(path), problem=f"không tạo được: {describe(exc, 'write')}") from None
            data = read_regular(path, KEY_FILE_LIMIT)
            if on_create:
                on_create(path)
        key = bytes.fromhex(data.decode("ascii").strip())
    except (ValueError, UnicodeDecodeError):
        raise CchcError("KEY_FILE", str(path), problem="nội dung không phải chuỗi hex") from None
    except NotReadable as exc:
        raise CchcError("KEY_FILE", str(path), problem=str(exc)) from None
    except OSError as exc:
        raise CchcError("KEY_FILE", str(path), problem=describe(exc, "read")) from None
    if len(key) < KEY_BYTES:
        raise CchcError("KEY_FILE", str(path), problem=f"khóa ngắn hơn {KEY_BYTES} byte")
    return key
