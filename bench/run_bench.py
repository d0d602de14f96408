"""Benchmark ``cchc generate`` and ``cchc harvest`` end to end at city, province and
national volume, against a naive openpyxl harvester timed in the same run.

    python bench/run_bench.py            # N = 15, 250, 2000 reporting units
    python bench/run_bench.py --full     # N = 15, 250, 1000, 2000, 10000

Each timed command runs in its own process (wall time and peak RSS of the largest
process); medians over --repeat runs. Preparing the filled returns is not timed. The
machine has 2 cores and is noisy: compare ratios measured side by side in one run.
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import timing  # noqa: E402

from samples.fill import valid_values  # noqa: E402
from xlsx_forms.registry import load_registry  # noqa: E402
from xlsx_forms.spec_loader import default_catalogue  # noqa: E402
from xlsx_forms.writer import GenerateOptions, Prefill, build_workbook  # noqa: E402

KEY = "ab" * 32
NAIVE_SAMPLE = 400   # files the slow baseline reads at large N (its per-file cost is flat)


def registry_yaml(n: int) -> str:
    """A registry of ``n`` units: all report PL1, one in ten is an office that also reports
    PL2–PL7, and the three PL8 units report their PL8."""
    lines = ['issuer: "UBND TỈNH THỬ NGHIỆM"', 'place: "Tỉnh thử nghiệm"',
             'consolidator: {name: "Sở Nội vụ", email: "sonv@example.invalid"}', "units:"]
    for i in range(n):
        code = ("vp", "tcnv", "vhtt")[i] if i < 3 else f"u{i:05d}"
        forms = ["PL1"] + (["PL2", "PL3", "PL4", "PL5", "PL6", "PL7"] if i % 10 == 0 else [])
        if i < 3:
            forms.append("PL8")
        kind = "office" if i % 10 == 0 or i < 3 else ("ward", "commune")[i % 2]
        lines.append(f'  - {{code: {code}, kind: {kind}, name: "Đơn vị số {i + 1}", '
                     f'email: "{code}@example.invalid", forms: [{", ".join(forms)}]}}')
    return "\n".join(lines) + "\n"


def prepare(n: int, root: Path) -> tuple[Path, Path, int]:
    """Registry file and an inbox of filled returns for ``n`` units (not timed)."""
    reg_path = root / "units.yaml"
    reg_path.write_text(registry_yaml(n), encoding="utf-8")
    catalogue = default_catalogue()
    registry = load_registry(reg_path, catalogue)
    opts = GenerateOptions(key=bytes.fromhex(KEY), generated_at=datetime(2020, 3, 12, tzinfo=timezone.utc),
                           deadline=datetime(2020, 3, 23).date())
    rnd = random.Random(n)
    inbox = root / "inbox"
    count = 0
    for unit, form_id in registry.assignments():
        form = catalogue.form(form_id)
        data, _ = build_workbook(catalogue, registry, unit, form, opts,
                                 Prefill(values=valid_values(form, unit.code, rnd)))
        path = inbox / f"{count % 97:02d}" / f"{form_id}_{unit.code}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        count += 1
    return reg_path, inbox, count


def timed(cmd: list[str], env: dict) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of ``cmd`` run in a fresh measuring process."""
    probe = ("import resource, subprocess, sys, time\n"
             "t = time.perf_counter()\n"
             "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
             "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    out = subprocess.run([sys.executable, "-c", probe, *cmd], env=env, capture_output=True, text=True,
                         check=True, cwd=REPO)
    seconds, rss_kb = out.stdout.split()
    return float(seconds), int(rss_kb) / 1024


def bench(n: int, repeat: int, work: Path) -> list[dict]:
    root = work / f"n{n}"
    root.mkdir()
    reg, inbox, files = prepare(n, root)
    key = root / "hmac.key"
    key.write_text(KEY)
    timing.as_installed()
    env = {**os.environ, "PYTHONPATH": str(REPO), "CCHC_HOME": str(root / "home")}
    cchc = [sys.executable, "-m", "cchc"]
    runs: dict[str, list[tuple[float, float]]] = {"generate": [], "harvest": [], "naive": []}
    sample = root / "sample"
    picked = sorted(inbox.rglob("*.xlsx"))[:NAIVE_SAMPLE]
    for p in picked:
        (sample / p.relative_to(inbox)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, sample / p.relative_to(inbox))
    naive_dir = inbox if files <= NAIVE_SAMPLE else sample
    naive_files = min(files, NAIVE_SAMPLE)
    for _ in range(repeat):   # interleaved, so that noise hits all three alike
        runs["generate"].append(timed([*cchc, "generate", "--units", str(reg), "--key-file", str(key),
                                       "--out", str(root / "templates")], env))
        runs["harvest"].append(timed([*cchc, "harvest", str(inbox), "--units", str(reg), "--key-file",
                                      str(key), "--out", str(root / "summary")], env))
        runs["naive"].append(timed([sys.executable, str(REPO / "bench" / "naive_harvest.py"), str(naive_dir),
                                    str(root / "naive.csv")], env))
    rows = []
    naive_ms = statistics.median(s for s, _ in runs["naive"]) * 1000 / naive_files
    # The summary must still open, each sheet within Excel's 1,048,576 rows.
    import python_calamine
    book = python_calamine.CalamineWorkbook.from_path(str(root / "summary" / "tong-hop-cchc.xlsx"))
    largest = max(book.get_sheet_by_name(name).height for name in book.sheet_names)
    assert largest <= 1_048_576
    for name, measures in runs.items():
        seconds = statistics.median(s for s, _ in measures)
        count = naive_files if name == "naive" else files
        ms = seconds * 1000 / count
        rows.append({"units": n, "command": name, "files": count, "seconds": round(seconds, 3),
                     "ms_per_file": round(ms, 3), "files_per_s": round(count / seconds, 1),
                     "peak_rss_mb": round(max(r for _, r in measures), 1),
                     "vs_naive": round(naive_ms / ms, 1) if name == "harvest" else "",
                     "summary_max_rows": largest if name == "harvest" else ""})
    shutil.rmtree(root)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also N = 1000 and 10000 (memory ratio)")
    parser.add_argument("--units", type=int, nargs="*", help="explicit N values")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--csv", type=Path, default=REPO / "bench" / "results.csv")
    args = parser.parse_args()
    sizes = args.units or ([15, 250, 1000, 2000, 10000] if args.full else [15, 250, 2000])
    with tempfile.TemporaryDirectory(prefix="cchc-bench-") as tmp:
        rows = [r for n in sizes for r in bench(n, args.repeat, Path(tmp))]
    header = list(rows[0])
    print(f"# {datetime.now():%Y-%m-%d %H:%M}, {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, medians of {args.repeat}")
    print(" | ".join(header))
    for r in rows:
        print(" | ".join(str(r[h]) for h in header))
    peaks = {(r["units"], r["command"]): r["peak_rss_mb"] for r in rows}
    for command in ("generate", "harvest"):
        if (1000, command) in peaks and (10000, command) in peaks:
            print(f"peak RSS {command}: 10000 units / 1000 units = "
                  f"{peaks[(10000, command)] / peaks[(1000, command)]:.2f}")
    with open(args.csv, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
