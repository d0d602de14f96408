"""One inbox entry to one FileResult: what is read, and how, safely.

Only regular files are read, and never before their size is known: a FIFO would block the
harvest forever, a device or a huge sparse file would be read whole. The entry is checked
with ``lstat`` (a regular file, the one scanned, not too large), opened without following
links and without waiting (``O_NOFOLLOW``, ``O_NONBLOCK``), checked again on the open
descriptor (still a regular file, the same one: an entry swapped between the check and the
open is never read), then read with a bound. Everything else becomes an issue naming the
entry, with the reason and what to do; the run goes on.

Windows has neither ``O_NOFOLLOW`` nor ``O_NONBLOCK`` (nor FIFOs in folders): there the
descriptor's identity must equal the ``lstat`` made just before opening, so a link swapped
in is noticed after the open and not read. ``CCHC_PORTABLE=1`` takes that path on any
system (oslayer.portable). A file another program keeps locked (Excel on Windows) fails
to open or to read with a sharing or lock violation: an issue for that file, like any
other system error.
"""
from __future__ import annotations

import os
import stat

from oslayer.oserrors import explain
from oslayer.portable import no_follow
from sheetio.reader import MAX_FILE_BYTES
from xlsx_forms.model import Catalogue
from xlsx_forms.outdir import MARKER
from xlsx_forms.outline import Outline
from xlsx_forms.registry import Registry

from . import inbox as kinds
from . import narrative
from .inbox import InboxFile, kind_of
from .issues import Code, issue
from .process import FileResult, process

# Module flags, not constants inside the function, so that tests can take the Windows path.
NOFOLLOW = no_follow()
NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOCTTY", 0)
_CHUNK = 1 << 20

# kind -> (what it is, the rule and what to do): entries that are not regular files are never opened.
_NOT_WORKBOOK = ("cchc chỉ đọc tệp thường; mục này không phải tệp đơn vị gửi, có thể xóa nó khỏi thư mục "
                 "nhận.")
_NOT_A_FILE = {
    kinds.LINK: ("đây là liên kết tượng trưng (lối tắt)",
                 ("cchc không theo liên kết, vì nó có thể trỏ ra ngoài thư mục nhận. Chép chính tệp vào "
                  "thư mục nhận rồi chạy lại.")),
    kinds.FIFO: ("đây là ống dẫn (FIFO), không phải tệp", _NOT_WORKBOOK),
    kinds.SOCKET: ("đây là ổ cắm (socket) của một chương trình, không phải tệp", _NOT_WORKBOOK),
    kinds.CHAR_DEVICE: ("đây là thiết bị (character device), không phải tệp", _NOT_WORKBOOK),
    kinds.BLOCK_DEVICE: ("đây là thiết bị khối (block device), không phải tệp", _NOT_WORKBOOK),
}
_OTHER = ("đây không phải tệp thường", _NOT_WORKBOOK)
_CHANGING = ("tệp đang thay đổi trong khi đọc (đang chép hoặc đang lưu?)",
             "Tệp chưa được tổng hợp; chạy lại khi tệp đã chép hoặc lưu xong.")
_NOT_COUNTED = "Tệp chưa được tổng hợp, nên đơn vị gửi nó có thể bị tính là chưa nộp."


class _NotRead(Exception):
    """The entry is not read: args are (issue code, detail: also the ledger's reason, what to do)."""


def _system_file(name: str) -> tuple[str, str] | None:
    """(what it is, what to do) if ``name`` is a file that a program makes by itself beside
    the user's files; such a file is listed, never read (it is not a workbook)."""
    low, nothing = name.casefold(), "Không cần sửa."
    if low.startswith(".~lock.") and low.endswith("#"):
        return ("tệp khóa của LibreOffice", (f"Tệp «{name[7:-1]}» đang được mở (hoặc LibreOffice đã bị "
                "tắt đột ngột): nếu đang mở, hãy đóng nó rồi chạy lại để đọc bản đã lưu xong."))
    if low.startswith("~$"):
        return ("tệp đánh dấu của Microsoft Office", ("Một tệp cùng thư mục đang được mở (hoặc Office đã "
                "bị tắt đột ngột): nếu đang mở, hãy đóng nó rồi chạy lại để đọc bản đã lưu xong."))
    if low in ("thumbs.db", "ehthumbs.db"):
        return "tệp ảnh thu nhỏ do Windows tạo", nothing
    if low == "desktop.ini":
        return "tệp cấu hình thư mục do Windows tạo", nothing
    if low == ".ds_store":
        return "tệp thông tin thư mục do macOS tạo", nothing
    if low.startswith("._"):
        return "tệp thông tin phụ do macOS tạo (AppleDouble)", nothing
    if low == MARKER:
        return "tệp đánh dấu thư mục do cchc tạo (thư mục kết quả được chép vào đây)", nothing
    return None


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _too_large(size: int) -> _NotRead:
    # The reader's own limit and words: a file over it is refused the same way, read or not.
    shown = f"{size:,}".replace(",", ".")   # Vietnamese groups thousands with dots
    return _NotRead(Code.F_UNREADABLE, f"tệp lớn hơn {MAX_FILE_BYTES // 1024 // 1024} MB: {shown} byte", "")


def _read_at_most(fd: int, limit: int) -> bytes:
    """At most ``limit`` bytes from ``fd``, fewer at end of file."""
    chunks, left = [], limit
    while left > 0:
        chunk = os.read(fd, min(left, _CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_entry(f: InboxFile, limit: int = MAX_FILE_BYTES, attempts: int = 2) -> bytes | None:
    """The bytes of regular file ``f``, or None if it kept changing while being read (still
    being copied or saved: size and modification time must be the same before and after;
    it is read again once). Raises ``_NotRead`` or ``OSError``; reads at most limit + 1."""
    for _ in range(attempts):
        pre = os.lstat(f.path)
        if not stat.S_ISREG(pre.st_mode):
            raise _NotRead(Code.F_NOT_READ, *_NOT_A_FILE.get(kind_of(pre), _OTHER))
        if f.ino and (pre.st_dev, pre.st_ino) != (f.dev, f.ino):
            return None   # replaced since the scan (saved again?): as if it changed
        if pre.st_size > limit:
            raise _too_large(pre.st_size)
        try:
            fd = os.open(f.path, _OPEN_FLAGS | NOFOLLOW | NONBLOCK)
        except OSError:
            # O_NOFOLLOW refuses a link swapped in after the lstat (ELOOP, or EMLINK on BSD):
            # say so, rather than the system's words for a loop of links.
            if os.path.islink(f.path):
                raise _NotRead(Code.F_NOT_READ, *_NOT_A_FILE[kinds.LINK]) from None
            raise
        try:
            before = os.fstat(fd)
            if not (stat.S_ISREG(before.st_mode) and _same(before, pre)):
                return None   # swapped for something else between lstat and open: never read
            if before.st_size > limit:
                raise _too_large(before.st_size)
            data = _read_at_most(fd, limit + 1)
            after = os.fstat(fd)
        finally:
            os.close(fd)
        if len(data) > limit:
            raise _too_large(len(data))
        unchanged = (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)
        if unchanged and len(data) == after.st_size:
            return data
    return None


def _refusal(f: InboxFile) -> _NotRead | None:
    """Why the scanned entry ``f`` is not read at all, or None if it is a file to read."""
    if f.kind == kinds.FOLDER:
        return _NotRead(Code.F_NOT_READ, f"không mở được thư mục: {f.error}",
                        "Các tệp trong thư mục này chưa được đọc, nên đơn vị gửi chúng có thể bị tính là "
                        "chưa nộp.")
    if f.kind == kinds.GONE:
        return _NotRead(Code.F_NOT_READ, f"không xem được mục này: {f.error}", _NOT_COUNTED)
    if f.kind != kinds.FILE:
        return _NotRead(Code.F_NOT_READ, *_NOT_A_FILE.get(f.kind, _OTHER))
    system = _system_file(f.rel.rsplit("/", 1)[-1])
    return _NotRead(Code.F_SYSTEM_FILE, *system) if system else None


def read_one(f: InboxFile, catalogue: Catalogue, registry: Registry, key: bytes,
             outline: Outline | None = None) -> FileResult:
    """Process one inbox entry; an entry not read becomes an issue saying why and what to do.
    With ``outline``, a narrative report (a document, by content) is read as one."""
    try:
        refusal = _refusal(f)
        if refusal:
            raise refusal
        try:
            data = read_entry(f)
        except OSError as exc:
            raise _NotRead(Code.F_NOT_READ, f"không đọc được tệp: {explain(exc)}", _NOT_COUNTED) from None
        if data is None:
            raise _NotRead(Code.F_NOT_READ, *_CHANGING)
    except _NotRead as exc:
        code, detail, advice = exc.args
        res = FileResult(rel=f.rel, size=f.size, sha256="", mtime=f.mtime, reason=detail)
        res.issues.append(issue(code, file=f.rel, detail=detail, advice=advice))
        return res
    try:
        document = narrative.sniff(data, f.rel) if outline is not None else None
        if document:
            result = narrative.process_document(f.rel, data, f.mtime, document, outline, registry, key)
            if result is not None:
                return result
        return process(f.rel, data, f.mtime, catalogue, registry, key)
    except Exception as exc:  # noqa: BLE001 - last resort: one odd file never stops the harvest
        res = FileResult(rel=f.rel, size=len(data), sha256="", mtime=f.mtime, reason="lỗi khi xử lý tệp")
        res.issues.append(issue(Code.F_UNREADABLE, file=f.rel,
                                detail=f"cchc gặp lỗi khi xử lý tệp ({type(exc).__name__}); hãy gửi tệp này "
                                       "cho người phát triển"))
        return res

