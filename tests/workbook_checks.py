"""Reading generated workbooks back with openpyxl, for tests."""
from __future__ import annotations

import re

import openpyxl

from xlsx_forms.identity import IDENTITY_SHEET, PROPERTY_PREFIX, Identity
from xlsx_forms.layout import SheetLayout


def identity_from_sheet(wb) -> Identity:
    """The identity stored in the very hidden sheet."""
    ws = wb[IDENTITY_SHEET]
    pairs = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    return Identity(**{**pairs, "spec_version": int(pairs["spec_version"])})


def identity_from_properties(wb) -> Identity:
    """The identity stored in the custom document properties."""
    props = {p.name[len(PROPERTY_PREFIX):]: p.value for p in wb.custom_doc_props.props
             if p.name.startswith(PROPERTY_PREFIX)}
    return Identity(**{**props, "spec_version": int(props["spec_version"])})


def texts_match_layout(ws, layout: SheetLayout) -> list[str]:
    """Addresses whose text differs from the layout's fingerprint texts."""
    return [a for a, text in layout.fingerprint_texts() if (ws[a].value or "") != text]


def column_widths(ws) -> dict[int, float]:
    """Column index (1-based) → width, from an openpyxl sheet (a <col> element may span
    several columns)."""
    widths = {}
    for dim in ws.column_dimensions.values():
        if dim.width:
            for c in range(dim.min, dim.max + 1):
                widths[c] = dim.width
    return widths


def print_last_column(ws) -> int:
    """The last printed column (1-based), from the sheet's print area."""
    area = ws.print_area[0] if isinstance(ws.print_area, list) else ws.print_area
    return openpyxl.utils.column_index_from_string(re.search(r":\$?([A-Z]+)\$?\d+$", area).group(1))


def frame_cells(ws, texts, roles):
    """(text, cell, its value, first and last column of its merged range) of every text of
    ``texts`` whose role is one of ``roles``: the header and signature blocks' cells."""
    merged = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
    for t in texts:
        if t.role.split(":", 1)[0] not in roles:
            continue
        cell = ws.cell(t.row + 1, t.col + 1)
        rng = merged.get((t.row + 1, t.col + 1))
        first, last = (rng.min_col, rng.max_col) if rng else (t.col + 1, t.col + 1)
        yield t, cell, cell.value or "", first, last
