"""Find the returned files in the inbox folder."""
from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class InboxFile:
    """A file found in the inbox. ``rel`` is its NFC path relative to the inbox, with '/'."""

    rel: str
    path: Path
    size: int
    mtime: float


def scan(inbox: Path) -> list[InboxFile]:
    """Every regular file below ``inbox``, sorted by relative path. Symbolic links are
    listed but never followed: what they point to may lie outside the inbox."""
    found = []
    for folder, dirs, files in os.walk(inbox, followlinks=False):
        dirs.sort()
        for name in files:
            path = Path(folder) / name
            rel = unicodedata.normalize("NFC", path.relative_to(inbox).as_posix())
            try:
                st = path.lstat()
            except OSError:
                st = None
            found.append(InboxFile(rel, path, st.st_size if st else 0, st.st_mtime if st else 0.0))
    return sorted(found, key=lambda f: f.rel)


def sha256(data: bytes) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(data).hexdigest()
