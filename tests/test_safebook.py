"""xlsx_forms.safebook: a text is written as the text it is, whatever it looks like and
however it is written; a streamed sheet writes the bytes XlsxWriter itself would (the
oracle: the same rows through XlsxWriter's own cell writer)."""
from __future__ import annotations

import io
import random
import re
import shutil
import tempfile
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from xml.parsers import expat

import openpyxl
import pytest
from xlsxwriter.worksheet import Worksheet

from sheetio.reader import read_book
from xlsx_forms.safebook import StreamedWorksheet, TextWorkbook, TextWorksheet, is_markup

# At most 100 characters: it fits a preparer's name, where the end-to-end tests type it too.
INJECTION = '<r></r></is></c><c r="Z1"><f>HYPERLINK("ke-gian.invalid")</f></c><c r="Z2" t="inlineStr"><is><r></r>'
SI_INJECTION = '<r></r></si><si><t>khác</t></si><si><r></r>'
# Texts XlsxWriter alone would write as markup (and variants that are plain text).
MARKUP_TEXTS = [
    INJECTION, SI_INJECTION, "<r></r>", "<r>x</r>", "<r><t>Nguyễn Văn An</t></r>", "<r> </r>",
    "<r>\x01\x1f_x0041_</r>", "<r>&amp; & < > \" '</r>", "<r>\n\t</r>", "<r></r></r>", "<r>" + "ấ" * 2000 + "</r>",
    "<r>🙂</r>",
]
PLAIN_TEXTS = ["<r>", "</r>", " <r></r>", "<r></r> ", "<R></R>", "x<r></r>", "<r/>", "=1+1", "_x0041_", " lề ",
               "<r>" + "a" * 40000 + "</r>"]   # cut at Excel's 32,767: no longer markup


def _write(how: str, ws, fmt, row: int, text: str) -> None:
    if how == "write_string":
        ws.write_string(row, 0, text, fmt)
    elif how == "write":
        ws.write(row, 0, text, fmt)
    elif how == "write_row":
        ws.write_row(row, 0, [text], fmt)
    elif how == "merge_range":
        ws.merge_range(row, 0, row, 1, text, fmt)
    elif how == "write_cells":
        ws.write_cells(row, [(0, text, fmt)])


def _new(options: dict) -> tuple[TextWorkbook, Path]:
    """A workbook written to a file (XlsxWriter ignores ``constant_memory`` in memory)."""
    path = Path(tempfile.mkdtemp(prefix="cchc-safebook-")) / "s.xlsx"
    return TextWorkbook(str(path), options), path


def _closed(wb: TextWorkbook, path: Path) -> bytes:
    wb.close()
    data = path.read_bytes()
    shutil.rmtree(path.parent)
    return data


def _book(texts: list[str], how: str, constant_memory: bool, sheet_class=None) -> bytes:
    wb, path = _new({"constant_memory": constant_memory, "strings_to_formulas": False,
                     "strings_to_numbers": False, "strings_to_urls": False})
    ws = wb.add_worksheet("Trang", sheet_class)
    fmt = wb.add_format({"font_name": "Times New Roman", "bold": True})
    for row, text in enumerate(texts):
        _write(how, ws, fmt, row, text)
    data = _closed(wb, path)
    assert (b"inlineStr" in _parts(data)["xl/worksheets/sheet1.xml"]) == constant_memory or not texts
    return data


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist() if n.endswith(".xml")}


def _expected(text: str) -> str:
    return text[:32767] if len(text) > 16383 else text


@pytest.mark.parametrize("constant_memory", [True, False], ids=["streamed", "shared-strings"])
@pytest.mark.parametrize("how", ["write_string", "write", "write_row", "merge_range", "write_cells"])
@pytest.mark.parametrize("sheet_class", [None, StreamedWorksheet], ids=["text", "streamed-sheet"])
def test_every_text_reads_back_as_written(how, constant_memory, sheet_class):
    if sheet_class is StreamedWorksheet and not constant_memory or how == "write_cells" and sheet_class is None:
        pytest.skip("a streamed sheet is for constant-memory workbooks, write_cells is a streamed sheet's")
    texts = MARKUP_TEXTS + PLAIN_TEXTS
    data = _book(texts, how, constant_memory, sheet_class)
    for xml in _parts(data).values():
        expat.ParserCreate().Parse(xml, True)     # every part well formed
    sheet = _parts(data)["xl/worksheets/sheet1.xml"]
    assert not re.search(rb"<f[ >]", sheet) and b"<c r=\"Z1\"" not in sheet
    book = read_book(data)
    assert not book.failure, book.failure
    grid = book.grids["Trang"]
    assert [grid.value(r, 0) for r in range(len(texts))] == [_expected(t) for t in texts]
    ws = openpyxl.load_workbook(io.BytesIO(data))["Trang"]
    # openpyxl leaves _xHHHH_ escapes (control characters) of inline strings as they are.
    plain = [r for r, t in enumerate(texts) if "_x" not in t and t.isprintable()]
    assert [ws.cell(r + 1, 1).value for r in plain] == [_expected(texts[r]) for r in plain]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_markup_is_the_class_xlsxwriter_writes_raw():
    assert all(is_markup(t) for t in MARKUP_TEXTS)
    assert not any(is_markup(_expected(t)) for t in PLAIN_TEXTS)


def test_a_markup_text_keeps_the_cells_font():
    sheet = _parts(_book(["<r>x</r>"], "write_string", True))["xl/worksheets/sheet1.xml"]
    runs = re.findall(rb"<r>(.*?)</r>", sheet)
    assert len(runs) == 2 and b'<rFont val="Times New Roman"/>' in runs[1] and b"<b/>" in runs[1]


TEXTS = ["", " ", "a", " lề trái", "phải ", "Ủy ban\nnhân dân", "x\x01y\x1f", "_x0041_", "&<>\"'", "🙂", "\u00a0",
         "\ufffe", "a" * 300, "<r>x</r>", INJECTION, "<r>\x01_x0041_ </r>", "<r>" + "b" * 40000 + "</r>",
         "ấ" * 20000, "🙂" * 17000]
NUMBERS = [0, -0.0, 1, -1, 12.5, 1e-300, 1.7976931348623157e308, 2 ** 53 - 1, -(2 ** 52), 0.1 + 0.2, 1 / 3,
           123456789012345, 5e-324, 99.99999999999999]
WHEN = [datetime(2020, 3, 23, 9, 30), datetime(1900, 1, 1), date(2020, 2, 29),
        datetime(2020, 3, 23, 23, 59, 59, 999999)]


def _random_rows(rnd: random.Random) -> list[tuple]:
    """(height, by the cell writers?, cells): cells (column, kind, value, format number)."""
    rows = []
    for r in range(80):
        api = r % 7 == 0          # some rows through the cell writers, on both sheets
        kinds = ["number", "text", "blank", "date"] + (["unformatted", "formula"] if api else [])
        cells = [(col, kind, rnd.choice(NUMBERS) if kind in ("number", "unformatted") else
                  rnd.choice(WHEN) if kind == "date" else rnd.choice(TEXTS), rnd.randrange(3))
                 for col, kind in ((c, rnd.choice(kinds)) for c in sorted(rnd.sample(range(40), rnd.randint(1, 12))))]
        rows.append((rnd.choice([None, 15, 30.75, 409]), api, cells))
    return rows


def _sheet_xml(rows, sheet_class) -> bytes:
    """The sheet part: ``StreamedWorksheet.write_cells`` for each row, or (``TextWorksheet``,
    the oracle) XlsxWriter's cell writers one cell at a time."""
    wb, path = _new({"constant_memory": True, "strings_to_formulas": False})
    formats = [wb.add_format({"num_format": "#,##0"}), wb.add_format({"bold": True, "bg_color": "#FFF2CC"}),
               wb.add_format({"num_format": "dd/mm/yyyy hh:mm", "border": 1})]
    ws = wb.add_worksheet("S", sheet_class)
    ws.set_column(3, 3, 12, formats[1])      # a column format, for cells written without one
    writers = {"number": ws.write_number, "text": ws.write_string, "date": ws.write_datetime,
               "blank": ws.write_blank}
    for r, (height, api, cells) in enumerate(rows):
        if height is not None:
            ws.set_row(r * 2, height)
        if sheet_class is StreamedWorksheet and not api:
            ws.write_cells(r * 2, [(col, None if kind == "blank" else value, formats[f])
                                   for col, kind, value, f in cells])
            continue
        for col, kind, value, f in cells:
            if kind == "unformatted":
                ws.write_number(r * 2, col, value)
            elif kind == "formula":
                ws.write_formula(r * 2, col, "=1+1", formats[f], 2)
            else:
                writers[kind](r * 2, col, None if kind == "blank" else value, formats[f])
    ws.set_row(len(rows) * 2 + 3, 20)       # a row with a height and no cell
    return _parts(_closed(wb, path))["xl/worksheets/sheet1.xml"]


@pytest.mark.parametrize("seed", range(8))
def test_write_cells_writes_what_the_cell_writers_write(seed):
    rows = _random_rows(random.Random(seed))
    fast, oracle = _sheet_xml(rows, StreamedWorksheet), _sheet_xml(rows, TextWorksheet)
    assert fast == oracle


@pytest.mark.parametrize("cells, row", [
    ([(2, 1, None), (1, 2, None)], 5),          # columns out of order
    ([(1, 1, None), (1, 2, None)], 5),          # a column twice
    ([(1, 1, None)], 3),                        # a row before the last one written
    ([(1, 1, None)], 4),                        # the last row written, again
    ([(16384, 1, None)], 6),                    # beyond Excel's columns
    ([(1, float("nan"), None)], 6),             # no number a spreadsheet holds
    ([(1, b"12", None)], 6),                    # no cell value at all
    ([(1, True, None)], 6),                     # a bool is no number to cchc
    ([(1, Decimal("12"), None)], 6),            # nor a Decimal: the caller decides what it shows
])
def test_write_cells_refuses_what_would_make_a_broken_sheet(cells, row):
    wb, path = _new({"constant_memory": True})
    ws = wb.add_worksheet("S", StreamedWorksheet)
    fmt = wb.add_format({"bold": True})
    ws.write_cells(4, [(0, "x", fmt)])
    with pytest.raises((ValueError, TypeError)):
        ws.write_cells(row, [(c, v, fmt) for c, v, _ in cells])
    _closed(wb, path)


@pytest.mark.parametrize("late", ["set_row", "write_comment", "write_string"])
def test_a_row_write_cells_wrote_takes_nothing_more(late):
    wb, path = _new({"constant_memory": True})
    ws = wb.add_worksheet("S", StreamedWorksheet)
    fmt = wb.add_format({"bold": True})
    ws.write_cells(4, [(0, "x", fmt)])
    with pytest.raises(ValueError):
        if late == "set_row":
            ws.set_row(4, 30)
        else:
            if late == "write_comment":
                ws.write_comment(4, 1, "ghi chú")
            else:
                ws.write_string(4, 1, "y", fmt)
            ws.write_string(5, 0, "z", fmt)    # the row is flushed: what came late is found
    wb.worksheets_objs.clear()
    _closed(wb, path)


def test_write_cells_refuses_a_row_with_a_format():
    wb, path = _new({"constant_memory": True})
    ws = wb.add_worksheet("S", StreamedWorksheet)
    fmt = wb.add_format({"bold": True})
    ws.set_row(4, 30, fmt)
    with pytest.raises(ValueError):
        ws.write_cells(4, [(0, "x", fmt)])
    ws.set_row(5, 30)
    ws.write_cells(5, [(0, "x", fmt)])        # a height alone is fine
    _closed(wb, path)


class _Text(str):
    """A text of another str type (as the readers' error values and damaged cells are)."""


class _Number(float):
    """A number of another float type (as the readers' DateNumber is)."""


def test_write_cells_takes_texts_and_numbers_of_any_str_and_float_type():
    fast, oracle = [], []
    for sink in (fast, oracle):
        wb, path = _new({"constant_memory": True})
        ws = wb.add_worksheet("S", StreamedWorksheet if sink is fast else TextWorksheet)
        fmt = wb.add_format({"bold": True})
        values = [_Text("lỗi #DIV/0!"), _Text("<r>x</r>"), _Number(12.5), _Number(3.0), 7, 2.5]
        if sink is fast:
            ws.write_cells(0, [(c, v, fmt) for c, v in enumerate(values)])
        else:
            for c, v in enumerate(values):
                (ws.write_string if isinstance(v, str) else ws.write_number)(0, c, v, fmt)
        sink.append(_parts(_closed(wb, path))["xl/worksheets/sheet1.xml"])
    assert fast == oracle


def test_streamed_sheet_forgets_written_rows():
    wb, path = _new({"constant_memory": True})
    ws = wb.add_worksheet("S", StreamedWorksheet)
    fmt = wb.add_format({"bold": True})
    for r in range(500):
        ws.set_row(r, 30)
        if r % 2:
            ws.write_cells(r, [(0, r, fmt), (1, f"dòng {r}", fmt)])
        else:
            ws.write_number(r, 0, r, fmt)
            ws.write_string(r, 1, f"dòng {r}", fmt)
    assert len(ws.row_info) <= 1 and len(ws.row_sizes) <= 1
    ws2 = openpyxl.load_workbook(io.BytesIO(_closed(wb, path)))["S"]
    assert [(ws2.cell(r + 1, 1).value, ws2.cell(r + 1, 2).value) for r in range(500)] == \
           [(r, f"dòng {r}") for r in range(500)]


@pytest.mark.parametrize("text", ["a" * 40000, "<r>" + "a" * 40000 + "</r>", "<r>" + "a" * 32760 + "</r>", "ngắn",
                                  "<r>ngắn</r>"])
def test_write_string_says_what_xlsxwriter_says(text):
    # The same return code as XlsxWriter's own sheet: -2 when the text was cut to 32,767.
    wb, path = _new({"constant_memory": False})
    ours, theirs = wb.add_worksheet("A"), wb.add_worksheet("B", Worksheet)
    assert ours.write_string(0, 0, text) == theirs.write_string(0, 0, text)
    _closed(wb, path)
