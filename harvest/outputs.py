"""Atomic outputs: written into a staging folder beside the destination and swapped in only
when complete, so a failed or interrupted run leaves the previous outputs intact. The
folder rules (never the inbox, only cchc's own folders, one run at a time) are
xlsx_forms.outdir's and xlsx_forms.outwrite's, shared by every command that writes a folder."""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from oslayer.portable import can_fork
from xlsx_forms.outwrite import LOCK_WAIT, replacing

__all__ = ["LOCK_WAIT", "write_outputs"]


def _os_error(exc: BaseException) -> OSError | None:
    """The operating-system error behind ``exc``, if any: libraries wrap them in their
    own exceptions (xlsxwriter's FileCreateError around a full disk)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OSError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _child(writer: Callable[[Path], None], path: Path, conn) -> None:
    """Run ``writer`` in the forked process; report a failure to the parent through
    ``conn`` rather than as a traceback on the terminal."""
    try:
        writer(path)
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
        cause = _os_error(exc) or exc
        conn.send((type(exc).__name__, getattr(cause, "errno", None),
                   getattr(cause, "strerror", None) or str(exc), getattr(cause, "filename", None)))
        conn.close()
        os._exit(1)


def _write_all(folder: Path, outputs: dict[str, Callable[[Path], None]]) -> None:
    """Run the writers; the first (the summary workbook, the longest) in a forked process
    while this one writes the others, where fork is used (oslayer.portable): the two cores
    work together. Elsewhere (Windows, macOS, CCHC_PORTABLE) one after the other here: the
    writers are closures over the whole harvest, which a spawned process could not receive."""
    names = list(outputs)
    child = None
    if len(names) > 1 and can_fork():
        import multiprocessing
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(outputs[names[0]], folder / names[0], send))
        child.start()
        send.close()
        names = names[1:]
    try:
        for name in names:
            outputs[name](folder / name)
    finally:
        if child is not None:
            child.join()
    if child is not None and child.exitcode != 0:
        failure = receive.recv() if receive.poll() else None
        if failure and failure[1] is not None:
            raise OSError(failure[1], failure[2], failure[3])   # the errno's own subclass
        what = f"{failure[0]}: {failure[2]}" if failure else f"exit code {child.exitcode}"
        raise RuntimeError(f"writing {next(iter(outputs))} failed ({what})")


def write_outputs(out_dir: Path, outputs: dict[str, Callable[[Path], None]], *,
                  reads: Mapping[str, Path] = {}, wait: float = LOCK_WAIT,
                  on_wait: Callable[[str], None] | None = None) -> None:
    """Write all outputs into a fresh folder, then swap it for ``out_dir`` (a harvest
    folder: see xlsx_forms.outdir for the rules; ``reads`` are the folders the run reads,
    which ``out_dir`` must stay clear of). If anything fails, the previous ``out_dir``
    stays as it was; if the process is killed, the next run's ``recover`` restores it.
    Raises CchcError for a folder that may not be written or an operating-system error."""
    with replacing(out_dir, "harvest", reads, wait, on_wait) as staging:
        try:
            _write_all(staging, outputs)
        except Exception as exc:
            cause = _os_error(exc)
            if cause is None or cause is exc:
                raise
            raise cause from exc   # a full disk is a full disk, whoever noticed it
