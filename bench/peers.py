"""``cchc harvest`` against the readers a competent user would pick, in one run, interleaved.

    python bench/peers.py --units 1000 --repeat 5

For N units (as ``run_bench.py`` builds them: ≥ 1,000 units give ≥ 1,600 returned
workbooks) each reader below reads every returned file in its own process, round after
round, so that the noise of this 2-core machine hits all of them alike; medians per file.

- ``unzip``: ``zipfile`` reads the form sheet's part alone (no XML parsed): the cost of
  getting the bytes at all;
- ``calamine``: raw python-calamine reading the one form sheet into Python values: the
  floor that the targets are measured against;
- ``pandas``: ``pandas.read_excel(engine="calamine")`` of the form sheet;
- ``openpyxl-ro``: openpyxl ``read_only=True, data_only=True``, ``values_only`` rows;
- ``harvest-1``, ``harvest-2``: ``cchc harvest`` end to end (every check, every output
  written) on one core and on two;
- ``harvest-1-base``, ``harvest-2-base`` (with ``--baseline DIR``): the same harvest with
  another checkout's code (a worktree of the commit before a change), in the same rounds,
  so that a change is measured against what it replaces under the same noise.

The peers' figures count only their reading loop (not starting Python or importing the
library): that flatters them; ``cchc harvest`` is timed end to end, wall clock, starting
Python included. ``--full-load`` adds openpyxl's full ``load_workbook`` on a sample (a
footnote: nobody who cares for speed reads this way).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import timing  # noqa: E402

FORM_SHEET_PART = "xl/worksheets/sheet1.xml"   # cchc writes the form sheet first
FULL_LOAD_SAMPLE = 200
SLOW_SAMPLE = 400     # openpyxl reads this many files: its cost per file is flat


def _read_unzip(paths):
    import zipfile
    for p in paths:
        with zipfile.ZipFile(p) as z:
            z.read(FORM_SHEET_PART)


def _read_calamine(paths):
    from python_calamine import CalamineWorkbook
    for p in paths:
        CalamineWorkbook.from_path(p).get_sheet_by_index(0).to_python()


def _read_pandas(paths):
    import pandas
    for p in paths:
        pandas.read_excel(p, sheet_name=0, header=None, engine="calamine")


def _read_openpyxl_ro(paths):
    import openpyxl
    for p in paths:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
        for _row in wb.worksheets[0].iter_rows(values_only=True):
            pass
        wb.close()


def _read_openpyxl_full(paths):
    import openpyxl
    for p in paths:
        wb = openpyxl.load_workbook(p, data_only=True)
        for row in wb.worksheets[0].iter_rows():
            for _cell in row:
                pass


READERS = {"unzip": _read_unzip, "calamine": _read_calamine, "pandas": _read_pandas,
           "openpyxl-ro": _read_openpyxl_ro, "openpyxl-full": _read_openpyxl_full}


def worker(name: str, listing: Path) -> None:
    """Read every file listed, after the library is imported; print the loop's wall and
    CPU seconds."""
    paths = listing.read_text(encoding="utf-8").split("\n")
    READERS[name](paths[:1])      # the import and the first call's set-up are not counted
    start, cpu = time.perf_counter(), time.process_time()
    READERS[name](paths)
    print(time.perf_counter() - start, time.process_time() - cpu)


def _run(cmd: list[str], env: dict, cwd: Path = REPO) -> tuple[float, float, str]:
    """``timing.run``, where the harvest's exit code 1 (it found problems to report) is a
    finished run."""
    return timing.run(cmd, env, cwd, ok=(0, 1))


def _peer(me: list[str], name: str, listing: Path, env: dict) -> tuple[float, float]:
    wall, cpu = _run([*me, name, str(listing)], env)[2].split()
    return float(wall), float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--full-load", action="store_true", help="openpyxl full load, on a sample")
    parser.add_argument("--only", nargs="*", help="run only these readers")
    parser.add_argument("--baseline", type=Path, help="another checkout of cchc (e.g. a git worktree of the "
                        "previous commit): its harvest runs in the same rounds, as harvest-1-base and harvest-2-base")
    parser.add_argument("--worker", nargs=2, metavar=("READER", "LISTING"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]))
        return
    from run_bench import KEY, prepare
    with tempfile.TemporaryDirectory(prefix="cchc-peers-") as tmp:
        root = Path(tmp)
        reg, inbox, count = prepare(args.units, root)
        key = root / "hmac.key"
        key.write_text(KEY)
        files = sorted(str(p) for p in inbox.rglob("*.xlsx"))
        listing = root / "files.txt"
        listing.write_text("\n".join(files), encoding="utf-8")
        sample, slow = root / "sample.txt", root / "slow.txt"
        sample.write_text("\n".join(files[:FULL_LOAD_SAMPLE]), encoding="utf-8")
        slow.write_text("\n".join(files[:SLOW_SAMPLE]), encoding="utf-8")
        timing.as_installed()   # (and the baseline's, below)
        env = {**os.environ, "PYTHONPATH": str(REPO), "CCHC_HOME": str(root / "home")}
        me = [sys.executable, str(Path(__file__).resolve()), "--worker"]
        harvest = [sys.executable, "-m", "cchc", "harvest", str(inbox), "--units", str(reg),
                   "--key-file", str(key), "--out", str(root / "out")]
        taskset = shutil.which("taskset")
        plan = {name: (lambda n=name: _peer(me, n, listing, env), count) for name in ("unzip", "calamine", "pandas")}
        plan["openpyxl-ro"] = (lambda: _peer(me, "openpyxl-ro", slow, env), min(count, SLOW_SAMPLE))
        if args.full_load:
            plan["openpyxl-full"] = (lambda: _peer(me, "openpyxl-full", sample, env), min(count, FULL_LOAD_SAMPLE))
        if taskset:
            plan["harvest-1"] = (lambda: _run([taskset, "-c", "0", *harvest], env)[:2], count)
        plan["harvest-2"] = (lambda: _run(harvest, env)[:2], count)
        if args.baseline:   # the same command, importing the other checkout's code
            base = args.baseline.resolve()
            timing.as_installed(base)
            base_env = {**env, "PYTHONPATH": str(base)}
            if taskset:
                plan["harvest-1-base"] = (lambda: _run([taskset, "-c", "0", *harvest], base_env, base)[:2], count)
            plan["harvest-2-base"] = (lambda: _run(harvest, base_env, base)[:2], count)
        if args.only:
            plan = {k: v for k, v in plan.items() if k in args.only}
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in plan}
        for _ in range(args.repeat):          # interleaved: noise hits every reader alike
            for name, (run, _n) in plan.items():
                times[name].append(run())
        wall = {n: statistics.median(w for w, _c in times[n]) * 1000 / plan[n][1] for n in plan}
        cpu = {n: statistics.median(c for _w, c in times[n]) * 1000 / plan[n][1] for n in plan}
    print(f"# {args.units} units, {count} returned workbooks, {os.cpu_count()} cores, medians of {args.repeat}")
    print("reader | wall ms/file | × floor | pandas ÷ this | CPU ms/file | × floor (CPU)")
    for name in plan:
        print(f"{name} | {wall[name]:.3f} | {_ratio(wall[name], wall.get('calamine'))} | "
              f"{_ratio(wall.get('pandas'), wall[name])} | {cpu[name]:.3f} | {_ratio(cpu[name], cpu.get('calamine'))}")


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a and b else ""


if __name__ == "__main__":
    main()
