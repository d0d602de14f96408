"""Read one returned workbook's bytes into plain values, without trusting it.

The format is decided by content, never by file name: .xlsx/.xlsm (OOXML), .ods, .xls,
an encrypted workbook, or something else (a PDF or Word file renamed, a truncated zip).
Before any parser runs, zip members are decompressed with bounds (zip bombs), XML with a
DTD or entity declaration is refused (entity expansion, XXE), and each sheet's extent is
measured from its cell references (a cell at XFD1048576 would make a dense reader
allocate billions of cells). Values then come from python-calamine: formulas are never
evaluated and macros never run. Problems become ``Book.failure``, never an exception.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone

import python_calamine

from xlsx_forms.identity import IDENTITY_SHEET

from . import parts as parts_

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_MEMBER_BYTES = 30 * 1024 * 1024
MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_ROWS, MAX_COLS = 5_000, 256
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
# A formula is the first child of its cell (<c r="D10" …><f>…): find the few <f> tags,
# then the cell tag right before each.
_F_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_C_TAG = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3}[0-9]+)"[^>]*(?<!/)>')
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"')
# Any cell beyond column IV (256) or at row 1000 or more: only then count exactly.
_FAR_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="(?:[A-Z]{3}|[J-Z][A-Z]|I[W-Z]|[A-Z]{1,2}[0-9]{4,})')
# Parts no reader here parses: never decompressed.
_UNPARSED = ("xl/theme/", "docProps/app.xml", "xl/printerSettings/", "xl/drawings/", "xl/media/")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)


@dataclass
class Book:
    """What was read from one workbook."""

    format: str = ""                                              # xlsx, ods, xls
    sheet_names: list[str] = field(default_factory=list)
    sheet_states: dict[str, str] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)     # cchc_* custom properties
    identity_sheet: dict[str, str] = field(default_factory=dict)
    saved_at: datetime | None = None
    grids: dict[str, "Grid"] = field(default_factory=dict)
    formulas: dict[str, set[str]] = field(default_factory=dict)   # known for xlsx only
    protected: dict[str, bool] = field(default_factory=dict)     # known for xlsx only
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

    def texts(self):
        """Every non-empty text of the sheet."""
        return (v for row in self._rows for v in row if isinstance(v, str) and v)


class Refused(Exception):
    """The file is refused before parsing; the message says why (Vietnamese)."""


def read_book(data: bytes, sheets: set[str] | None = None) -> Book:
    """Read ``data`` (a file's bytes). ``sheets``: the sheets whose cells are needed
    besides the identity sheet (default: all). Never raises for bad input: see
    ``Book.failure``."""
    book = Book()
    try:
        if len(data) > MAX_FILE_BYTES:
            raise Refused(f"tệp lớn hơn {MAX_FILE_BYTES // 1024 // 1024} MB")
        wanted = None if sheets is None else set(sheets) | {IDENTITY_SHEET}
        if data[:8] == OLE_MAGIC:
            _read_ole(data, book, wanted)
        elif data[:4] == b"PK\x03\x04":
            _read_zip(data, book, wanted)
        elif data[:5] == b"%PDF-":
            raise Refused("đây là tệp PDF (đổi đuôi thành tệp Excel)")
        elif not data:
            raise Refused("tệp rỗng (0 byte)")
        else:
            raise Refused("không phải sổ Excel (.xlsx, .xls, .ods)")
    except Refused as exc:
        book.failure = str(exc)
    except python_calamine.PasswordError:
        book.failure, book.encrypted = "tệp có mật khẩu mở", True
    except zipfile.BadZipFile:
        book.failure = "tệp nén zip bị hỏng hoặc bị cắt cụt"
    except Exception as exc:  # noqa: BLE001 - a hostile file must never stop the harvest
        book.failure = f"nội dung tệp bị hỏng ({type(exc).__name__})"
    return book


def _read_ole(data: bytes, book: Book, wanted: set[str] | None) -> None:
    import msoffcrypto
    import olefile
    if msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted():
        book.encrypted = True
        raise Refused("tệp có mật khẩu mở")
    ole = olefile.OleFileIO(io.BytesIO(data))
    if not ole.exists("Workbook") and not ole.exists("Book"):
        raise Refused("tệp Office không phải sổ Excel (có thể là tệp Word .doc đổi đuôi)")
    saved = ole.get_metadata().last_saved_time
    book.saved_at = saved.replace(tzinfo=timezone.utc) if saved else None
    book.format = "xls"
    _load_values(data, book, wanted)


def _read_zip(data: bytes, book: Book, wanted: set[str] | None) -> None:
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = set(zf.namelist())
    if "word/document.xml" in names:
        raise Refused("đây là tệp Word (.docx) đổi đuôi, không phải sổ Excel")
    if "xl/workbook.xml" in names:
        book.format = "xlsx"
    elif "mimetype" in names and zf.read("mimetype").strip() == ODS_MIME:
        book.format = "ods"
    else:
        raise Refused("tệp nén zip không phải sổ Excel")
    if book.format == "xlsx":
        # Sheets other than the wanted ones are never parsed, so never decompressed.
        head = _safe_parts(zf, lambda n: not n.startswith("xl/worksheets/") and not n.startswith(_UNPARSED))
        paths = parts_.sheet_paths(head)
        skip = {p for n, p in paths.items() if wanted is not None and n not in wanted}
        parts = {**head, **_safe_parts(zf, lambda n: n.startswith("xl/worksheets/") and n not in skip)}
        book.has_macros = "xl/vbaProject.bin" in names
        book.properties = parts_.custom_properties(parts.get("docProps/custom.xml"))
        book.saved_at = parts_.saved_date(parts.get("docProps/core.xml"), "dcterms:modified")
        for name, path in paths.items():
            if path in skip:
                continue
            xml = parts.get(path, b"")
            _check_extent(name, xml)
            if name != IDENTITY_SHEET:
                book.formulas[name] = _formula_cells(xml)
                book.protected[name] = b"<sheetProtection" in xml
    else:
        parts = _safe_parts(zf, lambda n: True)
        book.properties = parts_.ods_properties(parts.get("meta.xml"))
        book.saved_at = parts_.saved_date(parts.get("meta.xml"), "office:meta/dc:date")
        try:
            _load_values(data, book, wanted)
        except python_calamine.CalamineError:
            # python-calamine 0.9 rejects indentation between table elements, which
            # Gnumeric writes; retry once without it.
            book.sheet_names.clear()
            _load_values(parts_.without_indentation(zf, parts), book, wanted)
        return
    _load_values(data, book, wanted)


def _safe_parts(zf: zipfile.ZipFile, chosen) -> dict[str, bytes]:
    """The chosen XML parts, decompressed with bounds and checked for DTDs."""
    parts, total = {}, 0
    for info in zf.infolist():
        if not info.filename.endswith((".xml", ".rels")) or not chosen(info.filename):
            continue
        with zf.open(info) as fh:
            body = fh.read(MAX_MEMBER_BYTES + 1)
        total += len(body)
        if len(body) > MAX_MEMBER_BYTES or total > MAX_UNCOMPRESSED:
            raise Refused(f"nội dung giải nén quá lớn (thành phần «{info.filename}»), có thể là bom nén")
        if b"<!" in body and _DTD.search(body):
            raise Refused(f"thành phần «{info.filename}» có khai báo DTD/thực thể XML (bị chặn vì an toàn)")
        parts[info.filename] = body
    return parts


def _formula_cells(xml: bytes) -> set[str]:
    """Addresses of the cells of a worksheet part that hold a formula."""
    cells = set()
    for m in _F_TAG.finditer(xml):
        start = xml.rfind(b"<", 0, m.start())
        tag = _C_TAG.match(xml, start)
        if tag and tag.end() == m.start():
            cells.add(tag.group(1).decode())
    return cells


def _check_extent(sheet: str, xml: bytes) -> None:
    if not _FAR_CELL.search(xml):
        return
    rows = cols = 0
    for letters, digits in _CELL_REF.findall(xml):
        rows = max(rows, int(digits))
        col = 0
        for ch in letters:
            col = col * 26 + ch - 64
        cols = max(cols, col)
    if rows > MAX_ROWS or cols > MAX_COLS:
        raise Refused(f"trang «{sheet}» quá lớn ({rows} dòng × {cols} cột; giới hạn "
                      f"{MAX_ROWS} × {MAX_COLS})")


def _load_values(data: bytes, book: Book, wanted: set[str] | None) -> None:
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    for meta in wb.sheets_metadata:
        book.sheet_names.append(meta.name)
        book.sheet_states[meta.name] = str(meta.visible).rsplit(".", 1)[-1].lower()
    for name in book.sheet_names:
        if wanted is not None and name not in wanted:
            continue
        sheet = wb.get_sheet_by_name(name)
        if sheet.height > MAX_ROWS or sheet.width > MAX_COLS:
            raise Refused(f"trang «{name}» quá lớn ({sheet.height} dòng × {sheet.width} cột)")
        book.grids[name] = Grid(sheet.to_python(skip_empty_area=True), sheet.start or (0, 0))
    if IDENTITY_SHEET in book.grids:
        g = book.grids[IDENTITY_SHEET]
        book.identity_sheet = {str(g.value(r, 0)): str(g.value(r, 1) or "")
                               for r in range(0, 20) if g.value(r, 0) is not None}


def percent_formatted(data: bytes, sheet: str, addresses: set[str]) -> set[str]:
    """Which of ``addresses`` carry a percent number format (xlsx). Rare (a percent cell
    holding a fraction), so the slower openpyxl reader is acceptable here."""
    import openpyxl
    try:
        ws = openpyxl.load_workbook(io.BytesIO(data))[sheet]
    except Exception:  # noqa: BLE001 - formats are a refinement: without them, no conversion
        return set()
    return {a for a in addresses if "%" in (ws[a].number_format or "")}
