"""Checks that a Word document's tables print no word or figure broken: read from the
document's XML (grid widths, spans, cell margins, run sizes), independent of how the
document was built."""
from __future__ import annotations

from docx.oxml.ns import qn

from xlsx_forms.textwidth import longest_token_mm, text_mm

TWIP_MM = 25.4 / 1440
WORD_DEFAULT_PAD = 108   # twips each side of a cell when the table says nothing


def _pad_mm(tbl) -> float:
    margins = tbl.tblPr.find(qn("w:tblCellMar"))
    sides = [margins.find(qn(f"w:{s}")) if margins is not None else None for s in ("left", "right")]
    return sum(int(s.get(qn("w:w"))) if s is not None else WORD_DEFAULT_PAD for s in sides) * TWIP_MM


def cells(table):
    """(row index, width in mm of the cell's text, [(text, size pt)] per paragraph) of every
    cell of ``table``, merged cells counted once with the columns they span."""
    tbl = table._tbl
    grid = [int(c.get(qn("w:w"))) * TWIP_MM for c in tbl.tblGrid.findall(qn("w:gridCol"))]
    pad = _pad_mm(tbl)
    for r, tr in enumerate(tbl.findall(qn("w:tr"))):
        col = 0
        for tc in tr.findall(qn("w:tc")):
            span_el = tc.tcPr.find(qn("w:gridSpan")) if tc.tcPr is not None else None
            span = int(span_el.get(qn("w:val"))) if span_el is not None else 1
            width = sum(grid[col:col + span]) - pad
            col += span
            yield r, width, [line for p in tc.findall(qn("w:p")) for line in _lines(p)]


def _lines(p) -> list[tuple[str, float | None]]:
    """A paragraph's lines (split at its line breaks), each with its largest run size."""
    runs = p.findall(qn("w:r"))
    text = ""
    for run in runs:
        for child in run:
            if child.tag == qn("w:t"):
                text += child.text or ""
            elif child.tag == qn("w:br"):
                text += "\n"
    sizes = [int(sz.get(qn("w:val"))) / 2 for run in runs if run.find(qn("w:rPr")) is not None
             for sz in [run.find(qn("w:rPr")).find(qn("w:sz"))] if sz is not None]
    return [(line, max(sizes, default=None)) for line in text.split("\n")]


def broken_words(document, default_pt: float) -> list[str]:
    """Every word (white-space-free piece) of every table cell that is wider than its
    cell's text width at its run's size: none when no word can be broken."""
    found = []
    for table in document.tables:
        for r, width, paragraphs in cells(table):
            for text, size in paragraphs:
                need = longest_token_mm(text, size or default_pt)
                if need > width + 0.05:
                    found.append(f"row {r}: «{text}» needs {need:.1f} mm, has {width:.1f} mm")
    return found


def wrapped_lines(table_cell_paragraphs, width: float, default_pt: float) -> list[str]:
    """The paragraphs of a cell that do not fit on one line."""
    return [text for text, size in table_cell_paragraphs if text_mm(text, size or default_pt) > width + 0.05]
