"""A figure table of the drafted report: an appendix's rows by period, sized from its text.

Each column is at least as wide as its widest unbreakable piece (a number such as
"2.051*", a header word, a code in Ghi chú) at the font size used, so nothing is broken
inside a word or a figure; what the A4 text width leaves is given first to the narrow
columns (STT, periods, responsible unit) up to their text on one line, then to the label,
unit and note columns in proportion to what they lack. The font shrinks from 10 pt when
the widths do not fit. Periods that share their first words ("Năm 2015" … "Năm 2020
(Tính đến 23/3)") get one header above them ("Năm") and each its own rest ("2015"), so a
period's header is a whole word. The header rows repeat on every page and no row is split
across pages.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from xlsx_forms.report_doc import CELL_PAD_MM, FONT, TEXT_WIDTH_MM, cell_margins
from xlsx_forms.textwidth import ceil_mm, longest_token_mm, text_mm

SIZES = (10, 9.5, 9, 8.5, 8)   # the table's font sizes, tried in this order
LABEL_ROOM_MM = 35             # the label column's width below which a smaller font is tried


@dataclass
class Column:
    """One column: its header (the lower header row's text), its cells (text, bold), and
    whether it is narrow (given room first, up to its text on one line)."""

    header: str
    cells: list[tuple[str, bool]]
    narrow: bool = False
    label: bool = False

    def least(self, size: float) -> float:
        """The narrowest width that breaks no word of it."""
        texts = [(self.header, True), *self.cells]
        return ceil_mm(max(longest_token_mm(t, size) for t, _ in texts) + 2 * CELL_PAD_MM)

    def wanted(self, size: float) -> float:
        """The width that prints each of its cells on one line (its header may wrap
        between words)."""
        return max(self.least(size), ceil_mm(max((text_mm(t, size) for t, _ in self.cells), default=0)
                                             + 2 * CELL_PAD_MM))


def widths(columns: list[Column], size: float, total: float = TEXT_WIDTH_MM) -> list[float] | None:
    """Each column's width in mm at ``size``, or None when the least widths do not fit:
    the least widths, then what is left to the narrow columns up to their wanted width,
    then to the label up to ``LABEL_ROOM_MM``, then to the other columns in proportion to
    what they lack; anything left widens the label."""
    out = [c.least(size) for c in columns]
    room = total - sum(out)
    if room < 0:
        return None
    label = next((i for i, c in enumerate(columns) if c.label), len(columns) - 1)
    wide = [i for i, c in enumerate(columns) if not c.narrow]
    steps = ([(i, columns[i].wanted(size)) for i, c in enumerate(columns) if c.narrow],
             [(label, max(out[label], min(LABEL_ROOM_MM, columns[label].wanted(size))))],
             [(i, columns[i].wanted(size)) for i in wide])
    for step in steps:
        lacking = {i: want - out[i] for i, want in step if want > out[i]}
        need = sum(lacking.values())
        if need <= 0:
            continue
        share = min(1.0, room / need)
        for i, v in lacking.items():
            out[i] += v * share
        room -= need * share
    out = [math.floor(w * 10) / 10 for w in out]   # in tenths of a mm, the label taking the rest
    out[label] = round(out[label] + total - sum(out), 1)
    return out


def layout(columns: list[Column]) -> tuple[float, list[float]]:
    """The font size and widths: the largest size whose label column gets its room, else
    the largest whose least widths fit, else the smallest."""
    fitting = [(size, w) for size in SIZES if (w := widths(columns, size)) is not None]
    for size, w in fitting:
        label = next((i for i, c in enumerate(columns) if c.label), None)
        if label is None or w[label] >= LABEL_ROOM_MM:
            return size, w
    if fitting:
        return fitting[-1]
    size = SIZES[-1]
    return size, [c.least(size) for c in columns]


def period_headers(labels: list[str]) -> tuple[str, list[str]]:
    """("Năm", ["2015", …, "2020 (Tính đến 23/3)"]) when the labels share their first
    words and each has more; ("", labels) otherwise."""
    words = [label.split() for label in labels]
    common = 0
    while len(labels) > 1 and all(len(w) > common + 1 and w[common] == words[0][common] for w in words):
        common += 1
    if not common:
        return "", labels
    return " ".join(words[0][:common]), [" ".join(w[common:]) for w in words]


def add_table(doc, columns: list[Column], group: tuple[int, int, str] | None = None):
    """The table in ``doc``: ``group`` = (first, last, text): one header over columns
    first..last (the others' headers span both header rows)."""
    from docx.shared import Mm
    from docx.table import _Cell
    size, mm = layout(columns)
    heads = 2 if group else 1
    table = doc.add_table(rows=heads + len(columns[0].cells), cols=len(columns))
    table.style = "Table Grid"
    table.autofit = False   # fixed layout: the widths computed are the widths printed
    cell_margins(table)
    grouped = range(group[0], group[1] + 1) if group else range(0)
    # Cells are reached through their rows' XML: python-docx's table.cell() walks the whole
    # table on each call, quadratic in a table of some hundred cells.
    for r, (row, tr) in enumerate(zip(table.rows, table._tbl.tr_lst, strict=True)):
        _row_props(row, header=r < heads)
        for n, tc in enumerate(tr.tc_lst):
            cell = _Cell(tc, table)
            cell.width = Mm(mm[n])   # each cell (Word); the grid below (LibreOffice)
            if r >= heads:
                _text(cell, *columns[n].cells[r - heads], size)
            elif r == heads - 1 and (n in grouped or not group):
                _text(cell, columns[n].header, True, size)
            elif r == 0 and n not in grouped:
                _text(cell, columns[n].header, True, size)   # spans both header rows, merged below
            elif r == 0 and n == group[0]:
                _text(cell, group[2], True, size)
    for column, width in zip(table.columns, mm, strict=True):
        column.width = Mm(width)
    if group:
        for n in range(len(columns)):
            if n not in grouped:
                table.cell(0, n).merge(table.cell(1, n))
        table.cell(0, group[0]).merge(table.cell(0, group[1]))
    return table


def _row_props(row, *, header: bool) -> None:
    """Never split a row across pages; repeat the header rows on each page."""
    from docx.oxml import OxmlElement
    tr_pr = row._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", *(("w:tblHeader",) if header else ())):
        tr_pr.append(OxmlElement(tag))


def _text(cell, text: str, bold: bool, size: float) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt
    cell.text = ""   # one paragraph, also in a merged cell
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.font.name, run.font.bold, run.font.size = FONT, bold, Pt(size)
    fmt = paragraph.paragraph_format   # a table cell: no indent, not justified, tight
    fmt.first_line_indent, fmt.space_after, fmt.line_spacing = 0, 0, 1.0
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
