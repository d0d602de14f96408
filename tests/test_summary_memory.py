"""The summary's long sheets (per unit, status, issues) forget a row's properties once the
row is written (xlsx_forms.safebook.StreamedWorksheet), so that their memory does not grow with
the number of units, and write exactly the same XML as XlsxWriter's own sheet."""
from __future__ import annotations

import random
import zipfile

import pytest
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xlsx_forms.safebook import StreamedWorksheet


def _write(path, sheet_class, rows: list[tuple[int, float | None, int]]) -> int:
    """A constant-memory workbook with one sheet of ``rows`` (row, height or None, cells);
    returns the most row properties the sheet held at any time."""
    wb = Workbook(str(path), {"constant_memory": True})
    fmt = wb.add_format({"text_wrap": True, "border": 1})
    ws = wb.add_worksheet("Dữ liệu", sheet_class)
    ws.set_column(0, 5, 14)
    held = 0
    for row, height, cells in rows:
        if height is not None:
            ws.set_row(row, height)
        for col in range(cells):
            if col % 2:
                ws.write_number(row, col, row * 10 + col, fmt)
            else:
                ws.write_string(row, col, f"ô {row}-{col} «Việt»", fmt)
        held = max(held, len(ws.row_info))
    ws.autofilter(0, 0, max(r for r, _, _ in rows), 5)
    ws.repeat_rows(0)
    ws.freeze_panes(1, 2)
    wb.close()
    return held


def _rows(seed: int, count: int) -> list[tuple[int, float | None, int]]:
    """Rows in order, some skipped, some with a height and no cells, some plain."""
    rnd = random.Random(seed)
    out, row = [], 0
    for _ in range(count):
        row += rnd.choice((1, 1, 1, 2, 5))
        out.append((row, rnd.choice((None, 15.0, 18.75, 33.5, 0)), rnd.choice((0, 1, 3, 6))))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_streamed_sheet_writes_the_same_xml_and_holds_few_rows(tmp_path, seed):
    rows = _rows(seed, 400)
    plain_held = _write(tmp_path / "plain.xlsx", Worksheet, rows)
    streamed_held = _write(tmp_path / "streamed.xlsx", StreamedWorksheet, rows)
    plain, streamed = zipfile.ZipFile(tmp_path / "plain.xlsx"), zipfile.ZipFile(tmp_path / "streamed.xlsx")
    assert plain.namelist() == streamed.namelist()
    for name in plain.namelist():
        if name != "docProps/core.xml":   # (its creation time)
            assert plain.read(name) == streamed.read(name), name
    heights = sum(h is not None for _, h, _ in rows)
    assert plain_held == heights           # XlsxWriter's own sheet keeps every row's height
    # Only the row being written, and rows given a height but no cell (XlsxWriter never
    # writes those in constant-memory mode; the summary has none).
    assert streamed_held <= 1 + sum(h is not None and not cells for _, h, cells in rows)
    assert streamed_held < plain_held / 2
