"""Read one returned workbook's bytes into plain values, without trusting it.

The format is decided by content, never by file name: .xlsx/.xlsm (OOXML), .ods, .xls,
an encrypted workbook, or something else (a PDF or Word file renamed, a truncated zip).
Every byte a parser sees is bounded first: zip members are found through the package's
own relationships and decompressed with bounds (``package``), XML is parsed by expat with
DTDs and entities refused (``xmlsafe``), sheets are read into sparse, bounded grids whose
extent comes from the parsed cells (``cells``), .xlsx and .ods by our own readers and .xls
by python-calamine only after a walk over its records has bounded it (``xls_read``).
Formulas are never evaluated and macros never run. Problems become ``Book.failure``,
never an exception; an unexpected exception is a bug and is left to the caller.

What the caller's files carry besides their sheets is the caller's to name: the sheet
that holds an identity (read as key/value pairs and kept apart from the data sheets) and
the prefix of the document properties wanted.
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone

import python_calamine

from . import parts as parts_
from .cells import Grid, TooLarge
from .cfb import open_ole
from .ods_read import read_ods
from .package import DAMAGED as ZIP_DAMAGED
from .package import Package, Refused
from .xls_read import read_xls
from .xlsx_read import cell_format_kinds, read_sheet, shared_strings, workbook_sheets

__all__ = ["Book", "Grid", "Refused", "read_book", "MAX_FILE_BYTES"]

MAX_FILE_BYTES = 20 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


@dataclass
class Book:
    """What was read from one workbook."""

    format: str = ""                                              # xlsx, ods, xls
    sheet_names: list[str] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)     # the prefix's custom properties
    identity_sheet: dict[str, str] = field(default_factory=dict)  # key -> value, from the identity sheet
    saved_at: datetime | str | None = None    # a text when the file's saved time is not a time
    grids: dict[str, Grid] = field(default_factory=dict)
    formulas: dict[str, set[str]] = field(default_factory=dict)   # sheet -> A1 of formula cells
    percent: dict[str, set[str]] = field(default_factory=dict)    # sheet -> A1 with a percent format
    protected: dict[str, bool] = field(default_factory=dict)     # where the format says
    has_macros: bool = False
    failure: str = ""          # why the file could not be read (Vietnamese), or ""
    encrypted: bool = False


def _damaged_types() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "this file is damaged", raised by the libraries below on
    bad input. Anything else is a bug of ours and must not pass as a damaged file."""
    import msoffcrypto.exceptions
    from olefile.olefile import OleFileError
    return (_Damaged, zipfile.BadZipFile, zlib.error, EOFError, struct.error, OleFileError,
            msoffcrypto.exceptions.FileFormatError, msoffcrypto.exceptions.ParseError,
            python_calamine.CalamineError)


def read_book(data: bytes, sheets: set[str] | None = None, *, identity_sheet: str | None = None,
              property_prefix: str = "") -> Book:
    """Read ``data`` (a file's bytes). ``sheets``: the sheets whose cells are needed
    besides the identity sheet (default: all). ``identity_sheet``: the name of the sheet
    read into ``Book.identity_sheet`` (None: there is none); ``property_prefix``: the
    custom document properties kept in ``Book.properties``, prefix removed ("": all).
    Bad input never raises: see ``Book.failure``."""
    book = Book()
    try:
        if len(data) > MAX_FILE_BYTES:
            raise Refused(f"tệp lớn hơn {MAX_FILE_BYTES // 1024 // 1024} MB")
        marks = _Marks(identity_sheet, property_prefix)
        wanted = None if sheets is None else set(sheets)
        if wanted is not None and identity_sheet is not None:
            wanted.add(identity_sheet)
        if data[:8] == OLE_MAGIC:
            _read_ole(data, book, wanted, marks)
        elif data[:4] == b"PK\x03\x04":
            _read_zip(data, book, wanted, marks)
        elif data[:5] == b"%PDF-":
            raise Refused("đây là tệp PDF (đổi đuôi thành tệp Excel)")
        elif not data:
            raise Refused("tệp rỗng (0 byte)")
        else:
            raise Refused("không phải sổ Excel (.xlsx, .xls, .ods)")
    except (Refused, TooLarge) as exc:
        book.failure = str(exc)
    except python_calamine.PasswordError:
        book.failure, book.encrypted = "tệp có mật khẩu mở", True
    except _damaged_types():
        book.failure = DAMAGED.get(book.format or "zip", DAMAGED["zip"])
    if book.failure:
        book.grids.clear()
    return book


# What a damaged file of each kind is, for the office: the libraries' own (English) texts
# say nothing a clerk can act on.
DAMAGED = {"xls": "tệp .xls bị hỏng hoặc bị cắt cụt (không đọc được cấu trúc sổ tính)",
           "ole": "tệp Office bị hỏng hoặc bị cắt cụt",
           "xlsx": "tệp .xlsx bị hỏng (không đọc được cấu trúc sổ tính)",
           "ods": "tệp .ods bị hỏng (không đọc được cấu trúc sổ tính)",
           "zip": ZIP_DAMAGED}


@dataclass(frozen=True)
class _Marks:
    """What the caller's files carry besides their sheets (see ``read_book``)."""

    identity_sheet: str | None
    property_prefix: str


class _Damaged(Exception):
    """A library failed on this file in a way it does not name (a panic, an odd error)."""


def _guarded(call, *args):
    """``call(*args)`` for python-calamine, whose Rust code may panic on a damaged file: the
    panic (a BaseException) becomes ``_Damaged``, and its English backtrace, which the
    Rust runtime writes to the standard error, is kept off the user's console."""
    import os
    import sys
    saved = None
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
    except OSError:
        saved = None
    try:
        return call(*args)
    except BaseException as exc:
        if type(exc).__name__ == "PanicException":
            raise _Damaged() from None
        raise
    finally:
        if saved is not None:
            os.dup2(saved, 2)
            os.close(saved)


def _read_ole(data: bytes, book: Book, wanted: set[str] | None, marks: _Marks) -> None:
    import msoffcrypto
    try:
        encrypted = msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted()
    except Exception:  # noqa: BLE001 - msoffcrypto fails oddly on damaged files; olefile says why
        encrypted = False
    if encrypted:
        book.encrypted = True
        raise Refused("tệp có mật khẩu mở")
    book.format = "ole"
    ole = open_ole(data)
    stream_name = "Workbook" if ole.exists("Workbook") else "Book" if ole.exists("Book") else None
    if stream_name is None:
        raise Refused("tệp Office không phải sổ Excel (có thể là tệp Word .doc đổi đuôi)")
    try:
        saved = ole.get_metadata().last_saved_time
    except (OSError, ValueError, struct.error, OverflowError):
        saved = None      # the properties are damaged; the workbook may still be read
    book.saved_at = saved.replace(tzinfo=timezone.utc) if saved else None
    book.format = "xls"
    try:
        stream = ole.openstream(stream_name).read(MAX_FILE_BYTES)
    except OSError:       # olefile: the name is a storage, or its sectors are damaged
        raise _Damaged() from None
    scan = _guarded(read_xls, stream_name, stream, wanted)
    if not scan.names:
        raise _Damaged()      # every .xls has a sheet: its sheet records are damaged
    book.sheet_names = scan.names
    _keep(book, scan.sheets, wanted, marks)


def _read_zip(data: bytes, book: Book, wanted: set[str] | None, marks: _Marks) -> None:
    pkg = Package(data)
    if pkg.has("word/document.xml"):
        raise Refused("đây là tệp Word (.docx) đổi đuôi, không phải sổ Excel")
    main = pkg.target("", "officeDocument", "xl/workbook.xml" if pkg.has("xl/workbook.xml") else "")
    if main and pkg.has(main):
        book.format = "xlsx"
        _read_xlsx(pkg, book, main, wanted, marks)
    elif pkg.has("mimetype") and (pkg.read("mimetype") or b"").strip() == ODS_MIME:
        book.format = "ods"
        book.properties = parts_.ods_properties(pkg.read("meta.xml"), marks.property_prefix)
        book.saved_at = parts_.saved_date(pkg.read("meta.xml"), "office:meta/dc:date")
        book.sheet_names, sheets = read_ods(pkg, wanted)
        _keep(book, sheets, wanted, marks)
    else:
        raise Refused("tệp nén zip không phải sổ Excel")


def _read_xlsx(pkg: Package, book: Book, main: str, wanted: set[str] | None, marks: _Marks) -> None:
    rels = pkg.relationships(main)
    book.has_macros = any(t.endswith("/vbaProject") for _, t, _p in rels) or \
        any(n.lower().endswith("vbaproject.bin") for n in pkg.names())
    book.properties = parts_.custom_properties(pkg.read(pkg.target("", "custom-properties", "docProps/custom.xml")),
                                               marks.property_prefix)
    book.saved_at = parts_.saved_date(pkg.read(pkg.target("", "core-properties", "docProps/core.xml")),
                                      "dcterms:modified")
    sheets = workbook_sheets(pkg, main)
    book.sheet_names = [name for name, _part in sheets]
    chosen = [(n, p) for n, p in sheets if wanted is None or n in wanted]
    strings, kinds = [], []
    if chosen:
        sst = pkg.target(main, "sharedStrings")
        strings = shared_strings(pkg, sst) if sst and pkg.has(sst) else []
        kinds = cell_format_kinds(pkg, pkg.target(main, "styles"))
    read = {}
    for name, part in chosen:
        if not part or not pkg.has(part):
            continue       # a sheet without its part: reported as a missing sheet
        read[name] = read_sheet(pkg, part, name, strings, kinds)
    _keep(book, read, wanted, marks)


def _keep(book: Book, sheets: dict, wanted: set[str] | None, marks: _Marks) -> None:
    """Move what the format reader found into the book."""
    identity = marks.identity_sheet
    for name, sheet in sheets.items():
        if wanted is not None and name not in wanted:
            continue
        book.grids[name] = Grid(sheet.cells)
        if name != identity:
            book.formulas[name] = sheet.formulas
            book.percent[name] = sheet.percent
            if sheet.protected is not None:
                book.protected[name] = sheet.protected
    if identity is not None and identity in book.grids:
        g = book.grids[identity]
        book.identity_sheet = {str(g.value(r, 0)): str(g.value(r, 1) or "")
                               for r in range(0, 20) if g.value(r, 0) is not None}
