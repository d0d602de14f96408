"""Where a harvest's time goes: each phase timed in one process, per returned file, and
optionally cProfile's top functions of the per-file work.

    python bench/profile_harvest.py --units 2000 [--cprofile]
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from run_bench import KEY, prepare  # noqa: E402

from harvest import evidence, plausibility  # noqa: E402
from harvest.consolidate import consolidate  # noqa: E402
from harvest.exports import write_issues_csv, write_ledger_csv, write_values_csv  # noqa: E402
from harvest.inbox import scan  # noqa: E402
from harvest.process import process  # noqa: E402
from harvest.reconcile import reconcile  # noqa: E402
from harvest.run import process_files  # noqa: E402
from harvest.summary import write_summary  # noqa: E402
from xlsx_forms.registry import load_registry  # noqa: E402
from xlsx_forms.spec_loader import default_catalogue  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--cprofile", action="store_true", help="top functions of the per-file work")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cchc-profile-") as tmp:
        root = Path(tmp)
        reg_path, inbox, count = prepare(args.units, root)
        catalogue = default_catalogue()
        registry = load_registry(reg_path, catalogue)
        key = bytes.fromhex(KEY)
        phases = {}

        def timed(name, func):
            start = time.perf_counter()
            result = func()
            phases[name] = time.perf_counter() - start
            return result
        files = timed("scan", lambda: scan(inbox))
        results = timed("read and check files (all cores)",
                        lambda: list(process_files(files, catalogue, registry, key)))
        rec = timed("reconcile", lambda: reconcile(results, registry, date(2020, 3, 23)))
        city = timed("consolidate", lambda: consolidate(catalogue, registry, rec.used))
        issues = [i for r in results for i in r.issues] + rec.issues
        issues += timed("plausibility, PL8 evidence", lambda: plausibility.run(catalogue, registry, rec.used)
                        + evidence.run(catalogue, city, rec.used))
        timed("summary workbook", lambda: write_summary(root / "s.xlsx", catalogue, registry, rec, city, issues,
                                                        len(results), "inbox", datetime.now(timezone.utc)))
        timed("values.csv", lambda: write_values_csv(root / "v.csv", catalogue, registry, rec))
        timed("issues.csv + ledger.csv", lambda: (write_issues_csv(root / "i.csv", issues),
                                                  write_ledger_csv(root / "l.csv", results, rec)))
        print(f"{count} files, {args.units} units (the harvest writes the summary workbook in a second "
              "process while it writes the CSV files)")
        for name, seconds in phases.items():
            print(f"  {name:34s} {seconds:7.2f} s {seconds * 1000 / count:7.3f} ms/file")
        if args.cprofile:
            sample = files[:500]
            data = [(f.rel, Path(f.path).read_bytes()) for f in sample]
            profile = cProfile.Profile()
            profile.enable()
            for rel, blob in data:
                process(rel, blob, 0, catalogue, registry, key)
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
