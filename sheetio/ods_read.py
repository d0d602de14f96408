"""Reading an OpenDocument spreadsheet (.ods) from its bounded content part, with expat.

Repeated rows and cells (``number-rows-repeated``, ``number-columns-repeated``) are
counted, never expanded, unless they hold a value: then each copy is stored and the
sheet's bounds apply, so a repeat count of a billion costs nothing or is refused at the
bound. The cell's value type says what the office suite stored: ``percentage`` for a
percent format, ``date``, an error value (LibreOffice's ``calcext:value-type="error"``),
and ``table:formula`` marks a formula.
"""
from __future__ import annotations

from . import xmlsafe
from .cells import ErrorValue, Sheet, iso_date_number, stored_number
from .package import Package

TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
NUMBER = "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
# What a formula shows when it fails (Excel's codes, and LibreOffice's "Err:502" kind):
# Gnumeric stores them as the formula's string result.
ERROR_TEXTS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "Err:")
S = xmlsafe.SEP
MAX_SPACES = 1_000


def _repeat(attrs: dict, name: str) -> int:
    """A repeat count; a huge one is capped (it only has to exceed every bound), a
    malformed one counts once."""
    raw = (attrs.get(f"{TABLE}{S}{name}") or "1").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    return max(1, min(int(raw[:12]) if len(raw) <= 12 else 10 ** 12, 10 ** 12))


def _cell_value(attrs: dict, text: str | None):
    vtype = attrs.get(f"{CALCEXT}{S}value-type") or attrs.get(f"{OFFICE}{S}value-type")
    if vtype == "error":
        return ErrorValue((text or "#N/A").strip()[:20])
    if f"{TABLE}{S}formula" in attrs and vtype == "string":
        shown = (attrs.get(f"{OFFICE}{S}string-value") or text or "").strip()
        if shown.startswith(ERROR_TEXTS) and len(shown) <= 12:
            return ErrorValue(shown)
    if vtype in ("float", "currency", "percentage"):
        return stored_number(attrs.get(f"{OFFICE}{S}value") or "")
    if vtype == "boolean":
        return (attrs.get(f"{OFFICE}{S}boolean-value") or "").strip().lower() == "true"
    if vtype == "date":
        # ODS counts days from 30/12/1899 with no 29/02/1900 (unlike Excel's serials, which
        # differ before March 1900 only): the number the cell holds.
        return iso_date_number(attrs.get(f"{OFFICE}{S}date-value") or "", excel=False)
    if vtype == "string" and f"{OFFICE}{S}string-value" in attrs:
        return attrs[f"{OFFICE}{S}string-value"] or None
    return text or None


class _Styles:
    """Which cell styles show numbers as percentages: a cell style names a data style, and
    a data style is a ``number:percentage-style`` (in styles.xml or content.xml)."""

    def __init__(self) -> None:
        self.percent_data: set[str] = set()
        self.cell_data: dict[str, str] = {}

    def start(self, ns: str, loc: str, attrs: dict) -> None:
        if ns == NUMBER and loc == "percentage-style":
            self.percent_data.add(attrs.get(f"{STYLE}{S}name", ""))
        elif ns == STYLE and loc == "style" and attrs.get(f"{STYLE}{S}family") == "table-cell":
            data = attrs.get(f"{STYLE}{S}data-style-name")
            if data:
                self.cell_data[attrs.get(f"{STYLE}{S}name", "")] = data

    def percent(self, style: str | None) -> bool:
        return style is not None and self.cell_data.get(style) in self.percent_data


def read_ods(pkg: Package, wanted: set[str] | None) -> tuple[list[str], dict[str, Sheet]]:
    """(every sheet name in order, the wanted sheets read) of the package's content.xml."""
    styles = _Styles()
    pkg.parse("styles.xml", lambda tag, attrs: styles.start(*tag.rpartition(S)[::2], attrs))
    columns: list[tuple[int, str | None, int]] = []   # (first column, default style, count)
    names: list[str] = []
    sheets: dict[str, Sheet] = {}
    st = {"sheet": None, "depth": 0, "row": 0, "col": 0, "reps": 1, "note": 0, "cell": None}
    row_cells: list[tuple] = []
    buf: list[str] = []
    paragraphs = [0]

    def start(tag, attrs):
        ns, _, loc = tag.rpartition(S)
        if st["note"]:
            st["note"] += 1
            return
        if ns in (STYLE, NUMBER):
            styles.start(ns, loc, attrs)
        elif ns == TABLE:
            if loc == "table":
                st["depth"] += 1
                if st["depth"] == 1:
                    name = attrs.get(f"{TABLE}{S}name", "")
                    names.append(name)
                    protected = (attrs.get(f"{TABLE}{S}protected") or "").strip() == "true"
                    st["sheet"] = (Sheet(name, protected=protected)
                                   if wanted is None or name in wanted else None)
                    st["row"] = 0
                    columns.clear()
            elif st["depth"] != 1:
                return
            elif loc == "table-column":
                start_col = columns[-1][0] + columns[-1][2] if columns else 0
                columns.append((start_col, attrs.get(f"{TABLE}{S}default-cell-style-name"),
                                _repeat(attrs, "number-columns-repeated")))
            elif loc == "table-row":
                st["reps"], st["col"] = _repeat(attrs, "number-rows-repeated"), 0
                row_cells.clear()
            elif loc in ("table-cell", "covered-table-cell"):
                st["cell"] = (attrs, _repeat(attrs, "number-columns-repeated"))
                buf.clear()
                paragraphs[0] = 0
        elif ns == OFFICE and loc == "annotation":
            st["note"] = 1
        elif ns == TEXT and st["cell"] is not None:
            if loc == "p":
                if paragraphs[0]:
                    buf.append("\n")
                paragraphs[0] += 1
            elif loc == "s":
                raw = (attrs.get(f"{TEXT}{S}c") or "1").strip()
                buf.append(" " * (min(int(raw), MAX_SPACES) if raw.isascii() and raw.isdigit() and len(raw) < 8 else 1))
            elif loc == "tab":
                buf.append("\t")
            elif loc == "line-break":
                buf.append("\n")

    def end(tag):
        if st["note"]:
            st["note"] -= 1
            return
        ns, _, loc = tag.rpartition(S)
        if ns != TABLE:
            return
        if loc == "table":
            if st["depth"] == 1 and st["sheet"] is not None:
                sheets[st["sheet"].name] = st["sheet"]
            st["depth"] -= 1
        elif st["depth"] != 1:
            return
        elif loc in ("table-cell", "covered-table-cell") and st["cell"] is not None:
            attrs, reps = st["cell"]
            value = _cell_value(attrs, "".join(buf) if buf else None)
            formula = f"{TABLE}{S}formula" in attrs
            if value is not None or formula:
                style = attrs.get(f"{TABLE}{S}style-name") or _column_style(columns, st["col"])
                percent = attrs.get(f"{OFFICE}{S}value-type") == "percentage" or styles.percent(style)
                row_cells.append((st["col"], reps, value, formula, percent))
            st["col"] += reps
            st["cell"] = None
        elif loc == "table-row":
            sheet = st["sheet"]
            if sheet is not None:
                # Only rows holding something are expanded; put() stops at the bounds.
                for k in range(st["reps"] if row_cells else 0):
                    for col, reps, value, formula, percent in row_cells:
                        for j in range(reps):
                            sheet.put(st["row"] + k, col + j, value, formula, percent)
            st["row"] += st["reps"]

    def text(data):
        if st["cell"] is not None and not st["note"]:
            buf.append(data)

    pkg.parse("content.xml", start, end, text)
    return names, sheets


def _column_style(columns: list[tuple[int, str | None, int]], col: int) -> str | None:
    """The default cell style of column ``col`` (columns are few: a linear look is fine)."""
    for first, style, count in columns:
        if first <= col < first + count:
            return style
    return None

