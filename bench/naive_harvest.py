"""The common way to harvest, as a baseline: openpyxl ``load_workbook`` per file, walk the
cells, sum per unit. No signature checks, no rules, no summary workbook: it does less
than cchc and is still the usual cost of the job."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import openpyxl


def naive(inbox: Path, out: Path) -> int:
    """Read every .xlsx of ``inbox``; write one CSV of every numeric cell; return files."""
    totals: dict[tuple[str, str], float] = {}
    files = sorted(inbox.rglob("*.xlsx"))
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        for path in files:
            wb = openpyxl.load_workbook(path, data_only=True)
            ident = {r[0].value: r[1].value for r in wb["_cchc"].iter_rows(max_col=2)}
            ws = wb.worksheets[0]
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, (int, float)):
                        key = (ident["form"], cell.coordinate)
                        totals[key] = totals.get(key, 0) + cell.value
                        writer.writerow([ident["unit"], ident["form"], cell.coordinate, cell.value])
    return len(files)


if __name__ == "__main__":
    print(naive(Path(sys.argv[1]), Path(sys.argv[2])))
