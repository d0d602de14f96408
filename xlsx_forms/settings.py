"""What ``cchc generate`` chose, remembered beside the templates it made.

``settings.json`` in the templates folder records the plan (path and content hash), the
deadline printed in the templates, the registry of units and the key that signed them (its
path and fingerprint, never the key). It is written with the templates (staged and swapped in with them, so it always
describes the templates beside it) and read by ``generate`` (the next run into the same
folder), ``harvest``, ``mail`` and ``feedback`` through their ``--templates`` option.
An explicit option always wins over what is recorded; cchc says when the two differ.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from oslayer.fileio import NotReadable, read_regular
from oslayer.oserrors import describe

from .errors import CchcError

SETTINGS = "settings.json"
FORMAT = 1
SETTINGS_LIMIT = 64 << 10   # a few hundred bytes; anything far larger is not ours


@dataclass(frozen=True)
class Settings:
    """The choices of one ``cchc generate`` run. ``registry`` is the absolute path of
    ``--units``, "" for the plan's own units; ``registry_sha256`` its content's hash then;
    ``key_file`` the absolute path of the signing key; ``key_fingerprint`` its fingerprint
    (xlsx_forms.identity.key_fingerprint); ``plan`` the absolute path of ``--plan``, "" for
    the embedded plan, ``plan_sha256`` its content's hash then (xlsx_forms.plan). Settings
    written before plans were recorded read as the embedded plan, hash unknown."""

    deadline: date
    registry: str
    registry_sha256: str
    key_file: str
    key_fingerprint: str
    generated_at: str
    plan: str = ""
    plan_sha256: str = ""

    def to_bytes(self) -> bytes:
        """The file's content: JSON, UTF-8, one field a line (readable, diffable)."""
        data = {"format": FORMAT, **asdict(self), "deadline": self.deadline.isoformat()}
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def file_sha256(path: Path) -> str:
    """SHA-256 of a registry file as it is now ("" when it cannot be read: the registry
    loader reports why, in its own words)."""
    try:
        return hashlib.sha256(read_regular(path, 64 << 20)).hexdigest()
    except (OSError, NotReadable):
        return ""


def load_settings(folder: Path) -> Settings | None:
    """The settings recorded in ``folder`` (a templates folder), or None when it has none
    (not generated yet, or by a version before settings were recorded). Raises CchcError
    when the file is there but cannot be read or is not cchc's."""
    path = folder / SETTINGS
    try:
        raw = read_regular(path, SETTINGS_LIMIT)
    except FileNotFoundError:
        return None
    except NotReadable as exc:
        raise CchcError("SETTINGS", str(path), problem=str(exc)) from None
    except OSError as exc:
        raise CchcError("SETTINGS", str(path), problem=describe(exc, "read")) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise CchcError("SETTINGS", str(path), problem="không phải JSON UTF-8 hợp lệ") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CchcError("SETTINGS", str(path), problem=f"không phải thiết đặt cchc dạng {FORMAT}")
    texts = {k: data.get(k) for k in ("registry", "registry_sha256", "key_file", "key_fingerprint",
                                      "generated_at")}
    try:
        if not all(isinstance(v, str) for v in texts.values()) or not texts["key_file"]:
            raise ValueError
        plan = {k: data.get(k, "") for k in ("plan", "plan_sha256")}
        if not all(isinstance(v, str) for v in plan.values()):
            raise ValueError
        return Settings(deadline=date.fromisoformat(data["deadline"]), **texts, **plan)
    except (ValueError, KeyError, TypeError):
        raise CchcError("SETTINGS", str(path), problem="thiếu trường hoặc trường sai kiểu") from None
