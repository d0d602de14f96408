"""Timing a command in a child process, for the benches: wall time, and the CPU time of the
child and its workers (where the platform reports it)."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("cchc", "xlsx_forms", "harvest", "mailer", "oslayer", "sheetio")


def as_installed(tree: Path = REPO) -> None:
    """Compile a checkout's modules once, as ``pip install`` does, so that a command starts
    as it does for its users. Without it, where PYTHONDONTWRITEBYTECODE is set (as on this
    project's machine) every run would compile all of cchc again: half a second, charged
    to the command timed."""
    import compileall
    for package in PACKAGES:
        if (tree / package).is_dir():
            compileall.compile_dir(tree / package, quiet=1)


def children_cpu() -> float:
    """CPU seconds used so far by this process's finished children (NaN on Windows)."""
    try:
        import resource
    except ImportError:           # Windows: no CPU time of children; the wall time stands
        return float("nan")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd: list[str], env: dict, cwd: Path = REPO, ok: tuple[int, ...] = (0,)) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child and its workers, standard output) of ``cmd``;
    stops the bench when it exits with a code not in ``ok``. ``cwd`` comes first on the
    path of ``python -m``: the checkout whose code runs."""
    start, cpu = time.perf_counter(), children_cpu()
    out = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True, cwd=cwd)
    if out.returncode not in ok:
        raise SystemExit(f"{cmd[:5]} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return time.perf_counter() - start, children_cpu() - cpu, out.stdout
