"""One inbox entry to one FileResult: how a returned file is opened and read, safely."""
from __future__ import annotations

from pathlib import Path

from xlsx_forms.model import Catalogue
from xlsx_forms.registry import Registry

from .inbox import InboxFile
from .issues import issue
from .process import FileResult, process


def _read_stable(path: Path, attempts: int = 2) -> bytes | None:
    """The file's bytes, or None if it kept changing while being read (still being
    copied or saved): size and modification time must be the same before and after."""
    for _ in range(attempts):
        before = path.stat()
        data = path.read_bytes()
        after = path.stat()
        unchanged = (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)
        if unchanged and len(data) == after.st_size:
            return data
    return None


def read_one(f: InboxFile, catalogue: Catalogue, registry: Registry, key: bytes) -> FileResult:
    """Process one inbox file; an unreadable, changing or linked file becomes an issue."""
    def refused(reason: str, detail: str) -> FileResult:
        res = FileResult(rel=f.rel, size=f.size, sha256="", mtime=f.mtime, reason=reason)
        res.issues.append(issue("F-UNREADABLE", file=f.rel, detail=detail))
        return res
    if f.path.is_symlink():
        return refused("liên kết tượng trưng, không đọc", "đây là liên kết tượng trưng, cchc không theo liên kết")
    try:
        data = _read_stable(f.path)
    except OSError as exc:
        return refused("không đọc được tệp", exc.strerror or type(exc).__name__)
    if data is None:
        return refused("tệp thay đổi trong khi đọc", "tệp đang thay đổi trong khi đọc (đang chép hoặc đang lưu?); "
                       "chạy lại khi tệp đã chép xong")
    try:
        return process(f.rel, data, f.mtime, catalogue, registry, key)
    except Exception as exc:  # noqa: BLE001 - last resort: one odd file never stops the harvest
        return refused("lỗi khi xử lý tệp", f"cchc gặp lỗi khi xử lý tệp ({type(exc).__name__}); "
                       "hãy gửi tệp này cho người phát triển")
