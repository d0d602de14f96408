"""What differs between operating systems, in one place, and a switch that takes the fallbacks.

cchc runs where its users are: Windows in the offices, Linux on servers, macOS here and
there. A few system calls exist on some of them only; each use asks this module which way
to go. ``CCHC_PORTABLE=1`` in the environment (read once, when cchc starts) forces every
fallback on any system, so that the Windows paths are exercised on Linux, in CI:

- reading at an offset: ``os.pread`` (POSIX) → seek and read on a handle only this process
  uses, under a lock (``read_at``);
- opening without following a link: ``O_NOFOLLOW`` (POSIX) → ``lstat`` before the open and
  the same identity on the open descriptor after it (the callers compare; ``NOFOLLOW`` is 0);
- worker processes: ``fork`` (Linux: the context is inherited) → ``spawn`` (Windows, macOS:
  the context travels by pickling, as initializer arguments); a writer run in a forked child
  runs in this process instead (``can_fork``);
- the output folder's lock: ``flock`` → a byte-range lock (oslayer.dirlock);
- a private key file: mode 0600 (POSIX) → an access list for the current user alone
  (``make_private``, with ``icacls`` on Windows).

``O_NONBLOCK`` stays where it exists, even when forced: it only matters for FIFOs, which
the systems without it (Windows) do not have in folders.
"""
from __future__ import annotations

import multiprocessing
import ntpath
import os
import re
import subprocess
import sys
import threading

ENV = "CCHC_PORTABLE"
FORCED = os.environ.get(ENV, "").strip() not in ("", "0")
WINDOWS = sys.platform == "win32"


def has_pread() -> bool:
    """Whether reads at an offset go through ``os.pread``."""
    return hasattr(os, "pread") and not FORCED


def no_follow() -> int:
    """``O_NOFOLLOW``, or 0 where the caller must compare identities itself."""
    return 0 if FORCED else getattr(os, "O_NOFOLLOW", 0)


def start_method() -> str:
    """``fork`` on Linux and the like (fast: the workers inherit the context); ``spawn`` on
    Windows and macOS (where fork is absent or unsafe), and whenever forced."""
    if FORCED or WINDOWS or sys.platform == "darwin" or not hasattr(os, "fork"):
        return "spawn"
    return "fork"


def pool_context() -> multiprocessing.context.BaseContext:
    """The multiprocessing context of every pool of cchc (see ``start_method``)."""
    return multiprocessing.get_context(start_method())


def can_fork() -> bool:
    """Whether a closure may run in a forked child (it cannot be sent to a spawned one)."""
    return start_method() == "fork"


class Reader:
    """Reads at offsets of one open binary file: ``os.pread`` where it exists (the file's
    position is never used, so a forked child may share the descriptor), else seek and
    read under a lock. The fallback is only chosen where nothing is forked (``can_fork``
    is false whenever ``has_pread`` is), so no other process moves the position."""

    def __init__(self, fh) -> None:
        self._fh = fh
        self._pread = has_pread()
        self._lock = threading.Lock()

    def read_at(self, offset: int, length: int) -> bytes:
        """``length`` bytes at ``offset`` (fewer at the end of the file)."""
        if self._pread:
            return os.pread(self._fh.fileno(), length, offset)
        with self._lock:
            self._fh.seek(offset)
            return self._fh.read(length)


def windows_long_path(path) -> str:
    r"""``path`` (Windows syntax) as an extended-length path (``\\?\C:\…``,
    ``\\?\UNC\server\share\…``), which Windows opens whatever its length: without it, a path
    over 260 characters fails unless long paths were enabled on that machine."""
    path = os.fspath(path)
    if path.startswith("\\\\?\\"):
        return path
    full = ntpath.abspath(path)   # \\?\ paths are taken literally: no '..', no '/'
    if full.startswith("\\\\"):
        return "\\\\?\\UNC\\" + full[2:]
    return "\\\\?\\" + full


def long_path(path):
    """``path`` as the system opens it whatever its length: unchanged except on Windows."""
    return windows_long_path(path) if WINDOWS else path


# Windows tools by full path, never through PATH (a folder on PATH could hold another icacls).
def _system_tool(name: str) -> str:
    return ntpath.join(os.environ.get("SystemRoot", "C:\\Windows"), "System32", name)


_SID = re.compile(r"S-1-\d+(?:-\d+)+")


class NotPrivate(OSError):
    """The access list of a private file could not be limited to the current user."""


def _text(data: bytes) -> str:
    """A Windows tool's output: in the console's code page ("oem"), which only Windows knows."""
    try:
        return data.decode("oem", "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, timeout=60, check=False,
                          creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))


def current_user_sid() -> str:
    """The security identifier of the user running cchc (Windows), from ``whoami``:
    a SID names the account whatever the language of the system and of its name."""
    try:
        done = _run([_system_tool("whoami.exe"), "/user", "/fo", "csv", "/nh"])
    except OSError as exc:
        raise NotPrivate(f"không chạy được whoami: {exc}") from None
    found = _SID.search(done.stdout.decode("ascii", "replace"))
    if done.returncode != 0 or not found:
        raise NotPrivate(f"whoami không cho biết tài khoản hiện tại (mã {done.returncode})")
    return found[0]


def make_private(path) -> None:
    """Let only the current user read or change the file at ``path``. POSIX: mode 0600.
    Windows (where the mode is ignored): the file's inherited permissions are removed and
    the current user alone gets full control, with ``icacls``. Raises NotPrivate."""
    if not WINDOWS:
        os.chmod(path, 0o600)
        return
    sid = current_user_sid()
    try:
        done = _run([_system_tool("icacls.exe"), os.fspath(path), "/inheritance:r", "/grant:r", f"*{sid}:(F)"])
    except OSError as exc:
        raise NotPrivate(f"không chạy được icacls: {exc}") from None
    if done.returncode != 0:
        said = _text(done.stderr or done.stdout).strip()
        raise NotPrivate(f"icacls báo lỗi (mã {done.returncode}): {said}")
