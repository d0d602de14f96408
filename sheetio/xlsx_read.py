"""Reading an OOXML workbook (.xlsx, .xlsm) from its bounded parts, with expat.

The package's relationships say where the workbook, its sheets, shared strings, styles and
document properties are (whatever their names). Only the sheets asked for are parsed. Each
cell's position comes from the parsed structure: its ``r`` reference when it has one (any
case, ``$`` signs and spaces allowed), otherwise the place after the previous cell, as
the format defines it; a reference that names no cell is refused. Number formats come from
the styles part, so percent and date formats are known without a second reader.
"""
from __future__ import annotations

import re

from . import xlsx_plain, xmlsafe
from .cells import DamagedCell, DateNumber, ErrorValue, Sheet, format_kind, iso_date_number, stored_number
from .package import Package, Refused

MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "http://purl.oclc.org/ooxml/spreadsheetml/main")
# Excel's built-in number formats that show a percent or a date.
BUILTIN_KINDS = {9: "percent", 10: "percent",
                 **dict.fromkeys((*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)), "date")}
# OOXML writes characters XML cannot hold as _xHHHH_ (and a literal "_x" as _x005F_x).
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str:
    """A string as stored in the package, with its ``_xHHHH_`` escapes undone."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _names(*locals_: str) -> dict[str, str]:
    """Expat names of these elements in either main namespace → local name."""
    return {f"{ns}{xmlsafe.SEP}{name}": name for ns in MAIN for name in locals_}


_SHEET_TAGS = _names("row", "c", "v", "f", "is", "t", "rPh", "sheetProtection")
_SST_TAGS = _names("si", "t", "rPh")
_STYLE_TAGS = _names("numFmt", "cellXfs", "xf")


def _letters_to_col(letters: str) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col - 1


_REFS: dict[str, tuple[int, int] | None] = {}
_REFS_KEPT = 50_000     # every file of a template repeats the same references


def cell_ref(ref: str) -> tuple[int, int] | None:
    """0-based (row, col) of a reference such as ``B7``, ``b7``, `` $B$7 ``; None if it
    names no cell."""
    try:
        return _REFS[ref]
    except KeyError:
        pass
    where = _parse_ref(ref)
    if len(_REFS) < _REFS_KEPT and len(ref) < 16:
        _REFS[ref] = where
    return where


def _parse_ref(ref: str) -> tuple[int, int] | None:
    s = ref.strip().replace("$", "")
    i = 0
    while i < len(s) and "A" <= s[i].upper() <= "Z":
        i += 1
    letters, digits = s[:i], s[i:]
    if not 1 <= len(letters) <= 3 or not 1 <= len(digits) <= 7 or not (digits.isascii() and digits.isdigit()):
        return None
    row = int(digits) - 1
    return None if row < 0 else (row, _letters_to_col(letters))


def _row_number(text: str) -> int | None:
    t = text.strip()
    if not t or len(t) > 7 or not (t.isascii() and t.isdigit()) or int(t) < 1:
        return None
    return int(t) - 1


def shared_strings(pkg: Package, part: str) -> list[str]:
    """The shared string table: each item's text, phonetic runs left out."""
    namespaces = pkg.check(part)    # expat checks the part; its plain shape is then read at once
    if namespaces is not None:
        plain = xlsx_plain.plain_strings(pkg.read(part), namespaces)
        if plain is not None:
            return [unescape(t) for t in plain]
    out: list[str] = []
    buf: list[str] = []
    state = {"t": False, "rph": 0}

    def start(name, attrs):
        loc = _SST_TAGS.get(name)
        if loc == "si":
            buf.clear()
        elif loc == "t":
            state["t"] = not state["rph"]
        elif loc == "rPh":
            state["rph"] += 1

    def end(name):
        loc = _SST_TAGS.get(name)
        if loc == "t":
            state["t"] = False
        elif loc == "rPh":
            state["rph"] -= 1
        elif loc == "si":
            out.append(unescape("".join(buf)))

    pkg.parse(part, start, end, lambda d: buf.append(d) if state["t"] else None)
    return out


def cell_format_kinds(pkg: Package, part: str) -> list[str]:
    """For each cell format (``s`` index): "percent", "date" or "" (shared: read only)."""
    if not part:
        return []
    return pkg.memo(part, "styles", lambda: _format_kinds(pkg, part)) or []


def _format_kinds(pkg: Package, part: str) -> list[str]:
    codes: dict[int, str] = {}
    xfs: list[int] = []
    depth = {"cellXfs": 0}

    def start(name, attrs):
        loc = _STYLE_TAGS.get(name)
        if loc == "numFmt":
            fid = attrs.get("numFmtId", "")
            if _index(fid) is not None:
                codes[int(fid)] = attrs.get("formatCode", "")
        elif loc == "cellXfs":
            depth["cellXfs"] += 1
        elif loc == "xf" and depth["cellXfs"]:
            fid = attrs.get("numFmtId", "0")
            xfs.append(_index(fid) or 0)

    def end(name):
        if _STYLE_TAGS.get(name) == "cellXfs":
            depth["cellXfs"] -= 1

    pkg.parse(part, start, end)
    kinds = {fid: format_kind(code) for fid, code in codes.items()}
    return [kinds.get(fid, BUILTIN_KINDS.get(fid, "")) for fid in xfs]


def read_sheet(pkg: Package, part: str, name: str, strings: list[str], kinds: list[str]) -> Sheet:
    """Parse one worksheet part into a bounded, sparse ``Sheet``."""
    sheet = _plain_sheet(pkg, part, name, strings, kinds)
    if sheet is not None:
        return sheet
    sheet = Sheet(name, protected=False)
    pos = [-1, -1]               # current row, column (0-based)
    cell: list = []              # row, col, type, style, has formula
    buf: list[str] = []
    state = {"collect": False, "rph": 0}
    style_kinds: dict[str, str] = {}   # a sheet uses a few styles for all its cells

    def start(tag, attrs):
        loc = _SHEET_TAGS.get(tag)
        if loc is None:
            return
        if loc == "c":
            ref = attrs.get("r")
            where = cell_ref(ref) if ref is not None else (max(pos[0], 0), pos[1] + 1)
            if where is None:
                raise Refused(f"trang «{name}» có tham chiếu ô không hợp lệ «{ref[:20]}»")
            pos[0], pos[1] = where
            cell[:] = [where[0], where[1], attrs.get("t", "n"), attrs.get("s", ""), False]
            buf.clear()
        elif loc == "v" or (loc == "t" and cell and not state["rph"]):
            state["collect"] = bool(cell)
        elif loc == "f":
            if cell:
                cell[4] = True
        elif loc == "row":
            r = attrs.get("r")
            row = _row_number(r) if r is not None else pos[0] + 1
            if row is None:
                raise Refused(f"trang «{name}» có số dòng không hợp lệ «{r[:20]}»")
            pos[0], pos[1] = row, -1
        elif loc == "rPh":
            state["rph"] += 1
        elif loc == "sheetProtection":
            sheet.protected = attrs.get("sheet", "0").strip().lower() in ("1", "true")

    def end(tag):
        loc = _SHEET_TAGS.get(tag)
        if loc in ("v", "t"):
            state["collect"] = False
        elif loc == "rPh":
            state["rph"] -= 1
        elif loc == "c" and cell:
            row, col, typ, style, formula = cell
            kind = style_kinds.get(style)
            if kind is None:
                kind = style_kinds[style] = _style_kind(style, kinds)
            value = _value(typ, "".join(buf) if buf else None, strings, kind)
            sheet.put(row, col, value, formula, kind == "percent")
            cell.clear()

    def text(data):
        if state["collect"]:
            buf.append(data)

    pkg.parse(part, start, end, text)
    return sheet


def _plain_sheet(pkg: Package, part: str, name: str, strings: list[str], kinds: list[str]) -> Sheet | None:
    """The sheet read through its plain shape (``xlsx_plain``) once expat has checked the
    part; None when the part is absent or not plain, or when a reference is one whose
    message the expat reader words."""
    namespaces = pkg.check(part)
    if namespaces is None:
        return None
    plain = xlsx_plain.plain_cells(pkg.read(part), lambda text: _row_number(text) is not None, namespaces)
    if plain is None:
        return None
    cells, protected = plain
    sheet = Sheet(name, protected=protected)
    style_kinds: dict[str, str] = {}
    put, refs, count = sheet.put, _REFS, len(strings)
    for ref, style, typ, formula, text in cells:
        where = refs.get(ref) or cell_ref(ref)
        if where is None:
            return None
        if "&" in text:
            text = xlsx_plain.entity_text(text)
            if text is None:
                return None
        kind = style_kinds.get(style)
        if kind is None:
            kind = style_kinds[style] = _style_kind(style, kinds)
        index = _index(text) if typ == "s" else None
        if index is not None and index < count:
            value = strings[index]          # the common case of _value, without the call
        else:
            value = _value(typ or "n", text or None, strings, kind)
        put(where[0], where[1], value, bool(formula), kind == "percent")
    return sheet


def _index(text: str) -> int | None:
    """A non-negative index written in ASCII digits (at most 9 of them), else None: "²"
    and a thousand digits pass ``isdigit`` but are no index."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _style_kind(style: str, kinds: list[str]) -> str:
    """The format kind of a cell's ``s`` attribute; "" for none or one out of range."""
    index = _index(style)
    return kinds[index] if index is not None and index < len(kinds) else ""


def _value(typ: str, text: str | None, strings: list[str], kind: str):
    if text is None:
        return None
    if typ == "s":
        t = text.strip()
        index = _index(t)
        if index is not None and index < len(strings):
            return strings[index]
        return DamagedCell(t, "chỉ số chuỗi không có trong bảng chuỗi dùng chung")
    if typ in ("inlineStr", "str"):
        return unescape(text) or None
    if typ == "b":
        return text.strip() in ("1", "true")
    if typ == "e":
        return ErrorValue(text.strip()[:20])
    if typ == "d":
        return iso_date_number(text, excel=True)
    if typ not in ("n", ""):
        return DamagedCell(text, f"kiểu ô «{typ[:10]}» không có trong định dạng .xlsx")
    if not text.strip():
        return None
    value = stored_number(text)
    return DateNumber(value) if kind == "date" and type(value) is float else value


def workbook_sheets(pkg: Package, part: str) -> list[tuple[str, str]]:
    """(name, part) of each sheet, in workbook order."""
    rels = {rid: path for rid, _typ, path in pkg.relationships(part)}
    listed = pkg.memo(part, "workbook", lambda: _listed_sheets(pkg, part))
    if listed is None:
        raise Refused("tệp nén không có phần sổ tính (workbook)")
    return [(name, rels.get(rid, "")) for name, rid in listed]


def _listed_sheets(pkg: Package, part: str) -> list[tuple[str, str]]:
    """(name, relationship id) of each sheet the workbook part lists."""
    sheets: list[tuple[str, str]] = []

    def start(name, attrs):
        if xmlsafe.local(name) == "sheet":
            sheets.append((attrs.get("name", ""), xmlsafe.attr(attrs, "id", "")))
    pkg.parse(part, start)
    return sheets

