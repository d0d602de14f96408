"""Write an authoring workbook: blank (``cchc plan new``) or holding a plan (``cchc plan
export``). Headers, drop-downs, widths and frozen header rows all come from the sheet
table; the bytes depend only on the plan and ``created`` (reproducible exports)."""
from __future__ import annotations

import io
from datetime import datetime

from xlsxwriter.utility import xl_col_to_name

from ..safebook import TextWorkbook
from .assemble import Row
from .cells import to_cell
from .guide import guide_rows
from .sheets import (
    BY_NAME,
    ENUMS,
    FACT_HEADERS,
    FIRST_ROW,
    GUIDE_SHEET,
    HEADER_ROW,
    LISTS_SHEET,
    NO,
    SHEETS,
    TITLE_ROW,
    YES,
    Column,
    Sheet,
)

FONT = "Times New Roman"
HEADER_FILL = "#D9E1F2"
VALIDATED_ROWS = 2000   # data rows below the headers that get the drop-downs


def _validation(column: Column, lists: dict[str, str]) -> dict | None:
    """The drop-down of a column, or None."""
    if column.type == "enum":
        source = lists[column.choices]
    elif column.type == "yesno":
        source = [YES, NO]
    elif column.source:
        target = BY_NAME[column.source]
        col = [c.key for c in target.columns].index(target.id_key)
        letter = xl_col_to_name(col)
        source = f"='{target.name}'!${letter}${FIRST_ROW}:${letter}${FIRST_ROW + VALIDATED_ROWS}"
    else:
        return None
    return {"validate": "list", "source": source, "error_type": "warning",
            "error_title": "Không có trong danh sách",
            "error_message": "Nên chọn một giá trị trong danh sách thả xuống."}


def _lists(wb: TextWorkbook, fmt) -> dict[str, str]:
    """The hidden sheet of fixed lists; each list's range, by name."""
    ws = wb.add_worksheet(LISTS_SHEET)
    ranges = {}
    for col, (name, table) in enumerate(ENUMS.items()):
        ws.write_string(0, col, name, fmt["header"])
        for row, label in enumerate(table, start=1):
            ws.write_string(row, col, label)
        letter = xl_col_to_name(col)
        ranges[name] = f"='{LISTS_SHEET}'!${letter}$2:${letter}${len(table) + 1}"
    ws.hide()
    return ranges


def _write(ws, row: int, col: int, value, fmt) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _table(ws, sheet: Sheet, rows: list[Row], fmt, lists: dict[str, str]) -> None:
    last = len(sheet.columns) - 1
    ws.merge_range(TITLE_ROW - 1, 0, TITLE_ROW - 1, max(last, 1), f"{sheet.name.upper()}: {sheet.about}", fmt["title"])
    ws.set_row(TITLE_ROW - 1, 32)
    for col, column in enumerate(sheet.columns):
        ws.set_column(col, col, column.width, fmt["text"] if column.type in ("text", "list", "fixes") else fmt["cell"])
        ws.write_string(HEADER_ROW - 1, col, column.header, fmt["required" if column.required else "header"])
        if column.note:
            ws.write_comment(HEADER_ROW - 1, col, column.note, {"x_scale": 2, "y_scale": 1.5})
        rule = _validation(column, lists)
        if rule:
            ws.data_validation(FIRST_ROW - 1, col, FIRST_ROW - 2 + max(VALIDATED_ROWS, len(rows) + 100), col, rule)
    for r, values in enumerate(rows, start=FIRST_ROW - 1):
        for col, column in enumerate(sheet.columns):
            if values.get(column.key) not in (None, "", [], {}):   # an empty cell means the same
                _write(ws, r, col, to_cell(column, values[column.key]), fmt["cell"])
    ws.freeze_panes(HEADER_ROW, 0)


def _facts(ws, sheet: Sheet, values: Row, fmt, lists: dict[str, str]) -> None:
    ws.merge_range(TITLE_ROW - 1, 0, TITLE_ROW - 1, 2, f"{sheet.name.upper()}: {sheet.about}", fmt["title"])
    ws.set_row(TITLE_ROW - 1, 32)
    for col, (header, width) in enumerate(zip(FACT_HEADERS, (30, 60, 60), strict=True)):
        ws.set_column(col, col, width, fmt["text"] if col == 1 else fmt["cell"])
        ws.write_string(HEADER_ROW - 1, col, header, fmt["header"])
    for r, column in enumerate(sheet.columns, start=FIRST_ROW - 1):
        ws.write_string(r, 0, column.header, fmt["required" if column.required else "label"])
        if values.get(column.key) not in (None, "", [], {}):
            _write(ws, r, 1, to_cell(column, values[column.key]), fmt["cell"])
        ws.write_string(r, 2, column.note, fmt["note"])
        rule = _validation(column, lists)
        if rule:
            ws.data_validation(r, 1, r, 1, rule)
    ws.freeze_panes(HEADER_ROW, 1)


def _guide(ws, fmt) -> None:
    ws.set_column(0, 0, 28, fmt["cell"])
    ws.set_column(1, 1, 70, fmt["cell"])
    ws.set_column(2, 2, 30, fmt["cell"])
    for r, (kind, *texts) in enumerate(guide_rows()):
        if kind in ("title", "text", "heading"):
            ws.merge_range(r, 0, r, 2, texts[0], fmt[kind if kind != "text" else "cell"])
            ws.set_row(r, 24 if kind == "title" else 15.75 * max(1, len(texts[0]) // 120 + 1))
        else:
            for c, text in enumerate(texts):
                ws.write_string(r, c, text, fmt["header" if kind == "header" else "cell"])


def write_workbook(rows: dict[str, list[Row]] | None, created: datetime) -> bytes:
    """The authoring workbook holding ``rows`` (``assemble.flatten`` of a plan), or a blank
    one for None. ``created`` is the file's creation time (its only varying part)."""
    rows = rows or {}
    out = io.BytesIO()
    wb = TextWorkbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                             "strings_to_urls": False})
    wb.set_properties({"title": "Kế hoạch báo cáo (sổ lập kế hoạch cchc)", "created": created})
    base = {"font_name": FONT, "font_size": 12, "valign": "top", "text_wrap": True}
    fmt = {"cell": wb.add_format(base), "text": wb.add_format({**base, "num_format": "@"}),
           "title": wb.add_format({**base, "bold": True, "font_size": 13}),
           "heading": wb.add_format({**base, "bold": True, "bg_color": HEADER_FILL}),
           "header": wb.add_format({**base, "bold": True, "bg_color": HEADER_FILL, "border": 1}),
           "required": wb.add_format({**base, "bold": True, "bg_color": HEADER_FILL, "border": 1,
                                      "font_color": "#C00000"}),
           "label": wb.add_format({**base, "bold": True}), "note": wb.add_format({**base, "italic": True})}
    _guide(wb.add_worksheet(GUIDE_SHEET), fmt)
    sheets = [(sheet, wb.add_worksheet(sheet.name)) for sheet in SHEETS]
    lists = _lists(wb, fmt)
    facts = (rows.get("facts") or [{}])[0]
    for sheet, ws in sheets:
        if sheet.facts:
            _facts(ws, sheet, facts, fmt, lists)
        else:
            _table(ws, sheet, rows.get(sheet.target, []), fmt, lists)
    wb.close()
    return out.getvalue()


def unknown_keys(rows: dict[str, list[Row]]) -> list[str]:
    """The keys of ``rows`` no column holds (they would be lost in the workbook)."""
    known: dict[str, set[str]] = {}
    for sheet in SHEETS:
        known.setdefault(sheet.target, set()).update(c.key for c in sheet.columns)
    return sorted({f"{target}: {k}" for target, items in rows.items() for item in items for k in item
                   if k not in known.get(target, ())})
