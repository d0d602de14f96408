"""Every template prints whole: each text above and below the table lies inside the print
area, in a range wide enough for it (or wrapped with the height it needs); the live check
column is a working aid in Vietnamese, outside the print area, and notices a number typed
as text; the tiêu ngữ is set one size above the quốc hiệu (Nghị định 30/2020)."""
from __future__ import annotations

import math

import openpyxl
import pytest

from tests.excel_eval import evaluate
from tests.workbook_checks import column_widths, frame_cells, print_last_column
from xlsx_forms import rules
from xlsx_forms.layout import CHECK_HEADER, form_layout

# The texts outside the table: the header block, titles, footnote and signature block.
FRAME_ROLES = ("issuer", "unit_name", "nation", "motto", "appendix_no", "title", "subtitle", "attachment",
               "table_title", "footnote", "sig_title", "sig_hint", "sig_date", "prep_label")
CHARS_PER_WIDTH = 1.2   # at most this many characters of 12-point text per column width unit
LINE_POINTS = 14


@pytest.fixture(scope="module")
def sheets(generated, catalogue):
    """(form, layout, form sheet) of one workbook per form."""
    out, files = generated
    seen, result = set(), []
    for g in files:
        if g.form not in seen:
            seen.add(g.form)
            form = catalogue.form(g.form)
            layout = form_layout(form)
            result.append((form, layout, openpyxl.load_workbook(out / g.path)[layout.sheet_name]))
    return result


def test_every_text_around_the_table_is_printed_whole(sheets):
    problems = []
    for form, layout, ws in sheets:
        printed, widths = print_last_column(ws), column_widths(ws)
        for t, cell, text, first, last in frame_cells(ws, layout.texts, FRAME_ROLES):
            if last > printed:
                problems.append((form.id, cell.coordinate, "outside the print area", text))
                continue
            room = sum(widths.get(c, 8.43) for c in range(first, last + 1)) * CHARS_PER_WIDTH
            lines = math.ceil(len(text) / room) if text else 1
            if lines > 1:
                height = ws.row_dimensions[t.row + 1].height
                if not cell.alignment.wrap_text or (height or 15) < lines * LINE_POINTS:
                    problems.append((form.id, cell.coordinate, f"needs {lines} lines", text))
    assert not problems, problems


def test_the_live_check_is_vietnamese_and_not_printed(sheets):
    checked = 0
    for form, layout, ws in sheets:
        if not layout.statuses:
            continue
        checked += 1
        header = next(t for t in layout.texts if t.text == CHECK_HEADER)
        assert header.col + 1 > print_last_column(ws), form.id
        for st in layout.statuses:
            cell = ws.cell(st.row + 1, st.col + 1)
            assert cell.col_idx > print_last_column(ws)
            assert '"OK"' not in cell.value and f'"{rules.CHECK_OK}"' in cell.value
    assert checked >= 5


@pytest.mark.parametrize("typed, shows", [
    ({"A1": 3.0, "B1": 5.0}, rules.CHECK_OK),
    ({"A1": "3", "B1": 5.0}, rules.TEXT_TYPED),            # "3" typed as text: COUNT skips it
    ({"A1": "1.200", "B1": 5.0}, rules.TEXT_TYPED),
    ({"A1": 6.0, "B1": "5"}, rules.TEXT_TYPED),
    ({"A1": 6.0, "B1": 5.0}, "Trái > phải."),
    ({"A1": None, "B1": 5.0}, rules.CHECK_OK),             # a blank is reported on its own
])
def test_the_live_check_notices_numbers_typed_as_text(typed, shows):
    from xlsx_forms.model import Rule
    rule = Rule(code="T-R01", type="le", severity="error", short="Trái > phải", message="",
                operands=(("left", ("a",)), ("right", ("b",))))
    checks = ((rule, ("1",)),)
    formula = rules.status_formula(checks, lambda r, p: {"a": "A", "b": "B"}[r] + p)
    assert evaluate(formula, typed) == shows
    assert rules.status_value(checks, lambda r, p: typed[{"a": "A", "b": "B"}[r] + p]) == shows


def test_the_motto_is_one_size_above_the_nation(sheets):
    for form, layout, ws in sheets:
        nation = next(t for t in layout.texts if t.role == "nation")
        motto = next(t for t in layout.texts if t.role == "motto")
        big, small = ws.cell(motto.row + 1, motto.col + 1).font, ws.cell(nation.row + 1, nation.col + 1).font
        assert big.sz == small.sz + 1 and big.b and big.u and small.b, form.id
