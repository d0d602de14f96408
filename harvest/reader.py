"""Read one returned workbook's bytes into plain values, without trusting it.

Values come from python-calamine (fast; formulas are never evaluated and macros never
run). The identity comes from the custom document properties (docProps/custom.xml,
parsed with defusedxml) and from the hidden identity sheet. A short scan of the form
sheet's XML finds input cells that hold formulas. Size limits are checked on the zip
directory before anything is decompressed. Problems become a ``failure`` text, never an
exception.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

import python_calamine
from defusedxml import ElementTree

from xlsx_forms.identity import IDENTITY_SHEET, PROPERTY_PREFIX

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 200
MAX_CELLS = 200_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
NS = {"r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "cp": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
      "dcterms": "http://purl.org/dc/terms/",
      "pr": "http://schemas.openxmlformats.org/package/2006/relationships"}
# A cell holding a formula: <c r="D10" …><f>…  (not a self-closing <c …/>).
_FORMULA_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3}[0-9]+)"[^>]*(?<!/)>'
                           rb'(?:(?!</(?:\w+:)?c>).)*?<(?:\w+:)?f\b', re.S)


@dataclass
class Book:
    """What was read from one workbook."""

    sheet_names: list[str] = field(default_factory=list)
    sheet_states: dict[str, str] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)   # cchc_* custom properties
    identity_sheet: dict[str, str] = field(default_factory=dict)
    saved_at: datetime | None = None
    grids: dict[str, "Grid"] = field(default_factory=dict)
    formulas: dict[str, set[str]] = field(default_factory=dict)
    has_macros: bool = False
    failure: str = ""          # why the file could not be read (Vietnamese), or ""
    encrypted: bool = False


class Grid:
    """Cell values of one sheet, addressed by 0-based (row, col)."""

    def __init__(self, rows: list[list], start: tuple[int, int]) -> None:
        self._rows, (self._r0, self._c0) = rows, start

    def value(self, row: int, col: int):
        """The cell's value: str, float, int, bool, datetime…, or None when empty."""
        r, c = row - self._r0, col - self._c0
        if r < 0 or c < 0 or r >= len(self._rows) or c >= len(self._rows[r]):
            return None
        v = self._rows[r][c]
        return None if v == "" else v


def read_book(data: bytes, wanted_sheets: set[str] | None = None) -> Book:
    """Read ``data`` (a file's bytes). ``wanted_sheets``: the sheets whose cells to load
    (default: every sheet). Never raises for bad input: see ``Book.failure``."""
    book = Book()
    if data[:8] == OLE_MAGIC:
        return _ole(data, book)
    if len(data) > MAX_FILE_BYTES:
        book.failure = f"tệp lớn hơn {MAX_FILE_BYTES // 1024 // 1024} MB"
        return book
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        limit = _limits(zf)
        if limit:
            book.failure = limit
            return book
        book.has_macros = "xl/vbaProject.bin" in zf.namelist()
        book.properties = _custom_properties(zf)
        book.saved_at = _saved_at(zf)
        sheet_paths = _sheet_paths(zf)
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        for meta in wb.sheets_metadata:
            book.sheet_names.append(meta.name)
            book.sheet_states[meta.name] = str(meta.visible).rsplit(".", 1)[-1].lower()
        for name in book.sheet_names:
            if wanted_sheets is not None and name not in wanted_sheets and name != IDENTITY_SHEET:
                continue
            sheet = wb.get_sheet_by_name(name)
            if sheet.height * sheet.width > MAX_CELLS:
                book.failure = f"trang «{name}» có quá nhiều ô ({sheet.height} × {sheet.width})"
                return book
            book.grids[name] = Grid(sheet.to_python(skip_empty_area=True), sheet.start or (0, 0))
            if name in sheet_paths and name != IDENTITY_SHEET:
                book.formulas[name] = {m.decode() for m in _FORMULA_CELL.findall(zf.read(sheet_paths[name]))}
        if IDENTITY_SHEET in book.grids:
            g = book.grids[IDENTITY_SHEET]
            book.identity_sheet = {str(g.value(r, 0)): str(g.value(r, 1) or "")
                                   for r in range(0, 20) if g.value(r, 0) is not None}
    except (zipfile.BadZipFile, zipfile.LargeZipFile):
        book.failure = "không phải tệp .xlsx (không mở được như tệp nén zip)"
    except python_calamine.PasswordError:
        book.failure, book.encrypted = "tệp có mật khẩu mở", True
    except (python_calamine.CalamineError, ElementTree.ParseError, KeyError, ValueError, EOFError,
            OSError, RuntimeError, NotImplementedError) as exc:
        book.failure = f"nội dung tệp bị hỏng ({type(exc).__name__})"
    except Exception as exc:  # noqa: BLE001 - a hostile file must never stop the harvest
        book.failure = f"nội dung tệp bị hỏng ({type(exc).__name__})"
    return book


def _ole(data: bytes, book: Book) -> Book:
    import msoffcrypto
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        book.encrypted = bool(office.is_encrypted())
    except Exception:  # noqa: BLE001 - not an OLE file we know: just unreadable
        book.encrypted = False
    book.failure = ("tệp có mật khẩu mở" if book.encrypted
                    else "định dạng Excel 97-2003 (.xls) hoặc tệp OLE chưa được hỗ trợ")
    return book


def _limits(zf: zipfile.ZipFile) -> str:
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1_000_000:
            return f"thành phần «{info.filename}» nén bất thường (tỷ lệ {info.file_size // info.compress_size}:1)"
    if total > MAX_UNCOMPRESSED:
        return f"nội dung giải nén quá lớn ({total // 1024 // 1024} MB)"
    return ""


def _xml(zf: zipfile.ZipFile, name: str):
    try:
        raw = zf.read(name)
    except KeyError:
        return None
    return ElementTree.fromstring(raw, forbid_dtd=True)


def _custom_properties(zf: zipfile.ZipFile) -> dict[str, str]:
    root = _xml(zf, "docProps/custom.xml")
    if root is None:
        return {}
    props = {}
    for prop in root.findall("cp:property", NS):
        name = prop.get("name", "")
        if name.startswith(PROPERTY_PREFIX) and len(prop):
            props[name[len(PROPERTY_PREFIX):]] = (prop[0].text or "").strip()
    return props


def _saved_at(zf: zipfile.ZipFile) -> datetime | None:
    root = _xml(zf, "docProps/core.xml")
    node = root.find("dcterms:modified", NS) if root is not None else None
    if node is None or not node.text:
        return None
    try:
        return datetime.fromisoformat(node.text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML part, via workbook.xml and its relationships."""
    wb, rels = _xml(zf, "xl/workbook.xml"), _xml(zf, "xl/_rels/workbook.xml.rels")
    if wb is None or rels is None:
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("pr:Relationship", NS)}
    paths = {}
    for sheet in wb.iterfind("m:sheets/m:sheet", NS):
        target = targets.get(sheet.get(f"{{{NS['r']}}}id"), "")
        paths[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return paths


def percent_formatted(data: bytes, sheet: str, addresses: set[str]) -> set[str]:
    """Which of ``addresses`` carry a percent number format. Rare (a percent cell holding
    a fraction), so the slower openpyxl reader is acceptable here."""
    import openpyxl
    try:
        ws = openpyxl.load_workbook(io.BytesIO(data))[sheet]
    except Exception:  # noqa: BLE001 - formats are a refinement: without them, no conversion
        return set()
    return {a for a in addresses if "%" in (ws[a].number_format or "")}
