"""Atomic file writes: a reader sees the old file or the new one, never half of one."""
from __future__ import annotations

import csv
import io
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path


class NotReadable(Exception):
    """A file that cannot be used; the text says why, in Vietnamese, without the path
    (the caller names the file, in the message shape of its own command)."""


def _size(n: int) -> str:
    return f"{n >> 20} MB" if n >= 1 << 20 else f"{n >> 10} KB"


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path``, only if it is a regular file of at most ``limit`` bytes:
    the type and size are checked before it is opened, so a FIFO, a device or a huge
    file never blocks or fills memory. Raises NotReadable, or OSError from the system."""
    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise NotReadable("là thư mục, không phải tệp")
    if not stat.S_ISREG(st.st_mode):
        raise NotReadable("không phải tệp thông thường (thiết bị, ống FIFO hoặc socket)")
    if st.st_size > limit:
        raise NotReadable(f"lớn hơn {_size(limit)}")
    # Non-blocking, and checked again once open: it may have been swapped since stat.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotReadable("không phải tệp thông thường (thiết bị, ống FIFO hoặc socket)")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise NotReadable(f"lớn hơn {_size(limit)}")
    return data


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so that Excel shows Vietnamese correctly."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Stream a CSV (UTF-8 with BOM, CRLF, like csv_bytes) to ``path`` row by row."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        fh.flush()
        os.fsync(fh.fileno())


# The csv module refuses fields over 128 KiB by default; cchc's own fields are bounded far
# below that, but a CSV edited by hand may not be. The largest value a C long holds on
# every platform (Windows: 32 bits).
FIELD_LIMIT = 2**31 - 1


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV written by write_csv or csv_bytes (the BOM is skipped). A file
    that is not such a CSV raises NotReadable saying why, never a traceback (cchc's
    callers make it their CSV_INVALID message); OSError comes from the system."""
    csv.field_size_limit(FIELD_LIMIT)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    except UnicodeDecodeError:
        raise NotReadable("không phải văn bản UTF-8") from None
    except csv.Error as exc:
        raise NotReadable(str(exc)) from None
