"""The summary workbook prints: every sheet on A4 landscape, one page wide; every wrapped
text has the row height it needs; the city sheets keep the template's columns and tables
(unit of measure before the periods, PL4's two tables under their titles, PL8's
responsible units); people read unit names, not codes."""
from __future__ import annotations

import math

import openpyxl
import pytest

from tests.workbook_checks import column_widths

LINE_POINTS = 12   # a line of 11-point text is at least this tall


@pytest.fixture(scope="module")
def summary(baseline):
    return openpyxl.load_workbook(baseline / "tong-hop-cchc.xlsx")


def test_every_sheet_prints_on_a4_landscape_one_page_wide(summary):
    for ws in summary.worksheets:
        assert ws.page_setup.paperSize == 9, ws.title
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, None), ws.title


def test_every_wrapped_text_has_the_height_it_needs(summary):
    """Independently of cchc's own estimate: at most 1.2 characters per width unit fit on
    a line, so a text needs at least len / (1.2 × width) lines."""
    short = []
    for ws in summary.worksheets:
        widths = column_widths(ws)
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                    continue
                if any(cell.coordinate in m for m in ws.merged_cells.ranges):
                    continue
                lines = sum(max(1, math.ceil(len(part) / (1.2 * widths.get(cell.column, 8.43))))
                            for part in cell.value.split("\n"))
                height = ws.row_dimensions[cell.row].height
                if lines > 1 and (height is None or height < lines * LINE_POINTS):
                    short.append((ws.title, cell.coordinate, lines, height))
    assert not short, short[:10]


def test_city_sheets_keep_the_templates_columns_and_tables(summary, catalogue):
    pl4 = summary["Phụ lục 4"]
    texts = [c.value for row in pl4.iter_rows() for c in row if isinstance(c.value, str)]
    for table in catalogue.form("PL4").tables:
        assert table.title in texts
    pl8 = summary["Phụ lục 8"]
    header = [c.value for c in pl8[4]]
    assert "Đơn vị báo cáo" in header
    col = header.index("Đơn vị báo cáo") + 1
    form = catalogue.form("PL8")
    assert [pl8.cell(5 + i, col).value for i in range(len(form.rows))] == \
           [form.responsible_units[r.responsible] for r in form.rows]
    pl1 = summary["Phụ lục 1"]
    assert [c.value for c in pl1[4]][:3] == ["STT", "Chỉ tiêu", "Đơn vị tính"]


def test_people_read_unit_names_not_codes(summary, registry):
    names = {u.name for u in registry.units}
    codes = {u.code for u in registry.units}
    ws = summary["Vấn đề"]
    shown = {row[2] for row in ws.iter_rows(min_row=2, values_only=True) if row[2]}
    assert shown and shown <= names and not shown & codes


@pytest.mark.parametrize("forms", [
    [("PL1", 1), ("PL2", 2)],
    [("PL1", 1), ("pl1", 2)],                                          # the same for Excel
    [("bieu-thong-ke-chi-tieu-cchc-2024-a", 1), ("bieu-thong-ke-chi-tieu-cchc-2024-b", 2)],   # one 31-character cut
    [("KQ[1]:*?/\\", 3), ("KQ-1-----", 4)],                            # the same once made a sheet name
    [("A" * 40, 998), ("a" * 40, 999), ("A" * 35, 997)],
])
def test_every_per_unit_sheet_has_a_name_of_its_own(forms):
    from types import SimpleNamespace

    from harvest.summary import SHEET_UNSAFE, unit_sheet_names
    named = unit_sheet_names([SimpleNamespace(id=i, number=n) for i, n in forms])
    shown = list(named.values())
    city = {f"phụ lục {n}" for _, n in forms}
    assert len({s.casefold() for s in shown}) == len(forms) and not city & {s.casefold() for s in shown}
    assert all(len(s) <= 31 and not set(s) & set("[]:*?/\\") for s in shown)
    assert named[forms[0][0]].startswith(SHEET_UNSAFE.sub("-", forms[0][0])[:20])   # the first keeps its id
