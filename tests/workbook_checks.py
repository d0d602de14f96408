"""Reading generated workbooks back with openpyxl, for tests."""
from __future__ import annotations

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
