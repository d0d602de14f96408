"""Atomic outputs: written into a staging folder beside the destination and swapped in only
when complete, so a failed or interrupted run leaves the previous outputs intact."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable


def _write_all(folder: Path, outputs: dict[str, Callable[[Path], None]]) -> None:
    """Run the writers; the first (the summary workbook, the longest) in a forked process
    while this one writes the others, where fork exists: the two cores work together."""
    names = list(outputs)
    child = None
    if len(names) > 1 and hasattr(os, "fork"):
        import multiprocessing
        child = multiprocessing.get_context("fork").Process(target=outputs[names[0]], args=(folder / names[0],))
        child.start()
        names = names[1:]
    try:
        for name in names:
            outputs[name](folder / name)
    finally:
        if child is not None:
            child.join()
    if child is not None and child.exitcode != 0:
        raise RuntimeError(f"writing {list(outputs)[0]} failed (exit code {child.exitcode})")


def recover(out_dir: Path) -> None:
    """Undo what a killed run left: put back outputs that were moved aside but never
    replaced, and remove half-written folders."""
    out_dir = out_dir.resolve()
    if not out_dir.parent.exists():
        return
    for aside in sorted(out_dir.parent.glob(f".{out_dir.name}.old-*")):
        previous = aside / "previous"
        if previous.exists() and not out_dir.exists():
            os.replace(previous, out_dir)
        shutil.rmtree(aside, ignore_errors=True)
    for staging in out_dir.parent.glob(f".{out_dir.name}.new-*"):
        shutil.rmtree(staging, ignore_errors=True)


def write_outputs(out_dir: Path, outputs: dict[str, Callable[[Path], None]]) -> None:
    """Write all outputs into a fresh folder, then swap it for ``out_dir``. If anything
    fails, the previous ``out_dir`` stays (or is put back) as it was; if the process is
    killed, ``recover`` restores it on the next run."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    recover(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    aside = None
    try:
        _write_all(staging, outputs)
        os.chmod(staging, 0o755)
        if out_dir.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            os.replace(out_dir, aside / "previous")
        os.replace(staging, out_dir)
    except BaseException:
        if aside is not None and not out_dir.exists():
            os.replace(aside / "previous", out_dir)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        # Only drop the old copy once something stands in its place.
        if aside is not None and out_dir.exists():
            shutil.rmtree(aside, ignore_errors=True)
