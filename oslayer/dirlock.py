"""One cchc run at a time per output folder.

The lock is a small file beside the folder (``.<name>.cchc-lock``: the folder itself is
swapped as a whole, so it cannot hold its own lock), locked with the operating system's
own file lock: ``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows (and, with
``CCHC_PORTABLE=1``, its POSIX equivalent, a record lock on one byte). The system drops
the lock when its process ends, however it ends, so a killed run never leaves a stale
lock behind. The file holds the owner's process id, for the waiting run's message only.

Released, the file is removed; a run that had opened it meanwhile notices (the path no
longer names the file it locked) and starts again with a fresh file.
"""
from __future__ import annotations

import errno
import os
import stat
import struct
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .portable import FORCED, no_follow

try:
    import fcntl
except ImportError:   # Windows
    fcntl = None
try:
    import msvcrt
except ImportError:   # POSIX: the same byte-range lock, with POSIX record locks (for CCHC_PORTABLE)
    msvcrt = None


class _RecordLocks:
    """``msvcrt.locking`` on POSIX (CCHC_PORTABLE): a byte-range lock from the file's
    position, refused with EACCES when held elsewhere. Owned by the open file, as on
    Windows, where the system has such locks (Linux: open file description locks); else
    by the process (POSIX record locks)."""

    LK_UNLCK, LK_NBLCK = 0, 2

    @staticmethod
    def locking(fd: int, mode: int, nbytes: int) -> None:
        start = os.lseek(fd, 0, os.SEEK_CUR)
        unlock = mode == _RecordLocks.LK_UNLCK
        try:
            if _OFD:
                kind = fcntl.F_UNLCK if unlock else fcntl.F_WRLCK
                # struct flock: type, whence, start, length, pid (0 for these locks)
                fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi", kind, os.SEEK_SET, start, nbytes, 0))
            else:
                fcntl.lockf(fd, fcntl.LOCK_UN if unlock else fcntl.LOCK_EX | fcntl.LOCK_NB, nbytes, start)
        except (BlockingIOError, PermissionError):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES)) from None


# The layout packed above is 64-bit Linux's struct flock.
_OFD = hasattr(fcntl, "F_OFD_SETLK") and sys.platform.startswith("linux") and struct.calcsize("P") == 8
if msvcrt is None and (FORCED or fcntl is None):
    msvcrt = _RecordLocks
# The backend, and its way of releasing (below): Windows' byte-range lock wherever forced.
BACKEND = "fcntl" if fcntl is not None and not FORCED else "msvcrt"
_NOT_PLAIN = "the lock file is not a plain file of its own"
# msvcrt locks are mandatory byte ranges: lock one byte far past the process id, so that a
# waiting run can still read the id.
_WINDOWS_OFFSET = 1 << 20
_POLL = 0.2   # seconds between attempts


class Busy(Exception):
    """Another run held the lock for the whole wait."""

    def __init__(self, holder: str, waited: float) -> None:
        super().__init__(holder, waited)
        self.holder = holder
        self.waited = waited


def lock_path(folder: Path) -> Path:
    """The lock file of ``folder``: beside it, in its parent."""
    return folder.parent / f".{folder.name}.cchc-lock"


def _try_lock(fd: int) -> bool:
    if BACKEND == "fcntl":
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise
        return True
    os.lseek(fd, _WINDOWS_OFFSET, os.SEEK_SET)
    try:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EDEADLK):
            return False
        raise
    return True


def _unlock(fd: int) -> None:
    if BACKEND == "fcntl":
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:
        os.lseek(fd, _WINDOWS_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd`` (the holder before us may
    have removed it while we waited)."""
    try:
        here = os.stat(path)
    except FileNotFoundError:
        return False
    there = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def holder(path: Path) -> str:
    """The process id written in the lock file, or '' if it cannot be read."""
    try:
        with open(path, "rb") as fh:
            text = fh.read(32).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""


def _release(fd: int, path: Path) -> None:
    if BACKEND == "fcntl":
        # Remove while still holding it: whoever opened it meanwhile sees it is gone.
        try:
            os.unlink(path)
        except OSError:
            pass
        os.close(fd)
    else:
        # Windows cannot remove a file that is open; another run may have it open: keep it then.
        _unlock(fd)
        os.close(fd)
        try:
            os.unlink(path)
        except OSError:
            pass


def _open_own(path: Path) -> int | None:
    """The lock file open for reading and writing, created if missing; never through a
    link (the lock file is written, and must be cchc's own), even without O_NOFOLLOW
    (Windows): a missing file is created exclusively, which no link passes; an existing one
    must be the regular file ``lstat`` saw before the open. None if the entry changed
    between the two; OSError (EEXIST) if it is not a plain file of its own."""
    flags = os.O_RDWR | getattr(os, "O_BINARY", 0) | no_follow()
    try:
        seen = os.lstat(path)
    except FileNotFoundError:
        seen = None
    if seen is not None and not stat.S_ISREG(seen.st_mode):
        raise OSError(errno.EEXIST, _NOT_PLAIN, str(path))
    try:
        fd = os.open(path, flags | (os.O_CREAT | os.O_EXCL if seen is None else 0), 0o644)
    except (FileExistsError, FileNotFoundError):
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
            raise OSError(errno.EEXIST, _NOT_PLAIN, str(path))
        if seen is not None and (seen.st_dev, seen.st_ino) != (st.st_dev, st.st_ino):
            os.close(fd)
            return None
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextmanager
def hold(folder: Path, wait: float, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the lock of ``folder`` for the ``with`` block; wait up to ``wait`` seconds for
    another run to finish (``on_wait(holder)`` is called once if it has to wait), then
    raise Busy. OSError if the lock file cannot be created."""
    path = lock_path(folder)
    start = time.monotonic()
    told = False
    while True:
        fd = _open_own(path)
        if fd is None:
            continue   # created or removed by another run just now: look again
        try:
            if _try_lock(fd):
                if _same_file(fd, path):
                    break
                _unlock(fd)
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
        if time.monotonic() - start >= wait:
            raise Busy(holder(path), wait)
        if not told and on_wait is not None:
            on_wait(holder(path))
            told = True
        time.sleep(_POLL)
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".ljust(16).encode("ascii"))
        yield
    finally:
        _release(fd, path)
