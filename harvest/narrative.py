"""Returned narrative reports (.docx, .odt; .doc and .pdf received but not read), read
without trusting them, into a FileResult like a workbook's.

The format is decided by content (``sniff``); the name only chooses the explanation: a
Word file named like a workbook that is not a signed report is left to the workbook
reader, which says it is a renamed Word file. Every byte is bounded as a workbook's is:
parts found through the package's relationships and decompressed with bounds
(``package``), XML parsed by expat with DTDs and entities refused (``xmlsafe``, and
defusedxml for the properties). The text is a list of lines in reading order (each
paragraph a line, each table row a line of its cells), made inert before any output.
The identity is the custom document properties, verified by HMAC as a workbook's;
a document without one is reported and never attributed.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from sheetio import parts as parts_
from sheetio.cfb import chain_sound, open_ole
from sheetio.package import Package, Refused
from sheetio.reader import MAX_FILE_BYTES, OLE_MAGIC
from xlsx_forms.identity import PROPERTY_PREFIX, verify
from xlsx_forms.outline import Outline
from xlsx_forms.registry import Registry

from . import sections
from .identify import identity_from
from .inbox import sha256
from .issues import Code, issue, unit_called
from .process import FileResult, checked_saved_time

ODT_MIME = b"application/vnd.oasis.opendocument.text"
# A document by its name, when its content names no format (see ``sniff``).
DOCUMENT_NAMES = {".docx": "docx", ".docm": "docx", ".dotx": "docx", ".odt": "odt", ".ott": "odt",
                  ".doc": "doc", ".dot": "doc"}
_WORKBOOK_MARKS = (b"xl/workbook.xml", b"application/vnd.oasis.opendocument.spreadsheet",
                   "Workbook".encode("utf-16-le"))
# The first bytes of a Word binary document's stream (its FIB's wIdent): Word 97 and
# later, Word 6/95.
_WORD_IDENTS = (b"\xec\xa5", b"\xdc\xa5")
WORKBOOK_NAMES = (".xlsx", ".xlsm", ".xls", ".ods", ".xltx", ".xltm", ".xlt", ".ots")
_WORD_STREAM = "WordDocument".encode("utf-16-le")
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
MC_FALLBACK = "http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Elements whose text is not the body's: alternatives shown twice, notes, comments, tracked deletions.
_ODT_SKIP = {TEXT + "note", OFFICE + "annotation", TEXT + "tracked-changes", TEXT + "sequence-decls"}
_DOCX_SKIP = {MC_FALLBACK}


@dataclass
class Document:
    """What was read from a returned document."""

    lines: list[str] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)   # cchc_* custom properties
    saved_at: object = None


def sniff(data: bytes, name: str = "") -> str | None:
    """The document format of ``data``: "docx", "odt", "doc", "pdf", or None for anything
    else (a workbook, which the workbook reader takes). By content first; a file whose
    content names no format (a damaged container, random bytes) is a document when its
    ``name`` says so and nothing in it says workbook, so that a damaged report is
    reported as a document, not as a bad workbook. Cheap: a workbook costs one bounded
    search of its bytes."""
    if data[:5] == b"%PDF-":
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        name_len, extra_len = int.from_bytes(data[26:28], "little"), int.from_bytes(data[28:30], "little")
        if data[30:30 + name_len] == b"mimetype":   # ODF: stored first, uncompressed
            start = 30 + name_len + extra_len
            if data[start:start + len(ODT_MIME)] == ODT_MIME:
                return "odt"
        elif data.find(b"word/document.xml") >= 0:
            return "docx"
    if data[:8] == OLE_MAGIC and data.find(_WORD_STREAM) >= 0:
        return "doc"
    named = DOCUMENT_NAMES.get(name[name.rfind("."):].casefold()) if "." in name else None
    return named if named and not _workbook_like(data) else None


def _workbook_like(data: bytes) -> bool:
    """Whether ``data`` holds a workbook's marks (its main part's name, the spreadsheet
    mime type, an .xls stream's name): then the workbook reader explains it."""
    return any(data.find(mark) >= 0 for mark in _WORKBOOK_MARKS)


def _doc_damage(data: bytes) -> str | None:
    """Why a file taken for a .doc cannot be a Word document, or None. The content is
    not read (a .doc is received, not read), but its container is opened: a damaged one
    is reported as such. Only the damage olefile names (``OSError``, its OleFileError
    included) is damage; anything else is a bug and propagates."""
    if data[:5] == b"{\\rtf":
        return None   # Word saves RTF under .doc too: a document, received as such
    if data[:8] != OLE_MAGIC:
        return "không phải tệp Word .doc (nội dung không đúng định dạng, có thể bị hỏng hoặc bị đổi đuôi)"
    if len(data) > MAX_FILE_BYTES:
        return f"tệp lớn hơn {MAX_FILE_BYTES // 1024 // 1024} MB"
    damaged = "tệp Word .doc bị hỏng hoặc bị cắt cụt"
    try:
        ole = open_ole(data)
        if not ole.exists("WordDocument"):
            return f"{damaged}, hoặc không phải văn bản Word (không có phần nội dung văn bản)"
        head = ole.openstream("WordDocument").read(2)
        sound = chain_sound(ole, "WordDocument")
    except (OSError, EOFError, struct.error):
        return damaged
    return None if sound and head in _WORD_IDENTS else damaged


class _Lines:
    """Collects paragraphs and table rows as lines, for both formats' event streams."""

    def __init__(self, para: set[str], row: str, cell: str, table: str, skip: set[str]) -> None:
        self.para, self.row, self.cell, self.table, self.skip = para, row, cell, table, skip
        self.lines: list[str] = []
        self.depth = self.skipping = self.tables = 0
        self.buf: list[str] = []
        self.cells: list[str] = []
        self.cell_paras: list[str] = []

    def start(self, name: str) -> None:
        if self.skipping or name in self.skip:
            self.skipping += 1
        elif name in self.para:
            if self.depth == 0:
                self.buf = []
            self.depth += 1
        elif name == self.table:
            self.tables += 1

    def end(self, name: str) -> None:
        if self.skipping:
            self.skipping -= 1
        elif name in self.para:
            self.depth -= 1
            if self.depth == 0:
                text = " ".join("".join(self.buf).split())
                (self.cell_paras if self.tables else self.lines).append(text)
        elif name == self.table:
            self.tables -= 1
        elif name == self.cell and self.tables == 1:
            self.cells.append(" ".join(p for p in self.cell_paras if p))
            self.cell_paras = []
        elif name == self.row and self.tables == 1:
            self.lines.append(" | ".join(c for c in self.cells if c))
            self.cells = []

    def text(self, data: str) -> None:
        if self.depth and not self.skipping:
            self.buf.append(data)


def _docx_lines(pkg: Package, main: str) -> list[str]:
    lines = _Lines({W + "p"}, W + "tr", W + "tc", W + "tbl", _DOCX_SKIP)
    in_text = [False]

    def start(name, attrs):
        lines.start(name)
        if name == W + "t":
            in_text[0] = True
        elif name in (W + "tab", W + "br", W + "cr"):
            lines.text(" ")

    def end(name):
        if name == W + "t":
            in_text[0] = False
        lines.end(name)

    pkg.parse(main, start, end, lambda data: in_text[0] and lines.text(data))
    return lines.lines


def _odt_lines(pkg: Package) -> list[str]:
    lines = _Lines({TEXT + "p", TEXT + "h"}, TABLE + "table-row", TABLE + "table-cell", TABLE + "table",
                   _ODT_SKIP)

    def start(name, attrs):
        lines.start(name)
        if name in (TEXT + "s", TEXT + "tab", TEXT + "line-break"):
            lines.text(" ")

    if not pkg.parse("content.xml", start, lines.end, lines.text):
        raise Refused("tệp .odt thiếu phần nội dung (content.xml)")
    return lines.lines


def read_document(data: bytes, kind: str) -> Document:
    """The lines, identity properties and saved time of a .docx or .odt. Raises Refused."""
    if len(data) > MAX_FILE_BYTES:
        raise Refused(f"tệp lớn hơn {MAX_FILE_BYTES // 1024 // 1024} MB")
    pkg = Package(data)
    doc = Document()
    if kind == "odt":
        meta = pkg.read("meta.xml")
        doc.properties = parts_.ods_properties(meta, PROPERTY_PREFIX)
        doc.saved_at = parts_.saved_date(meta, "office:meta/dc:date")
        doc.lines = _odt_lines(pkg)
        return doc
    main = pkg.target("", "officeDocument", "word/document.xml")
    if not pkg.has(main):
        raise Refused("tệp Word thiếu phần nội dung (word/document.xml)")
    doc.properties = parts_.custom_properties(pkg.read(pkg.target("", "custom-properties", "docProps/custom.xml")),
                                              PROPERTY_PREFIX)
    doc.saved_at = parts_.saved_date(pkg.read(pkg.target("", "core-properties", "docProps/core.xml")),
                                     "dcterms:modified")
    doc.lines = _docx_lines(pkg, main)
    return doc


def process_document(rel: str, data: bytes, mtime: float, kind: str, outline: Outline, registry: Registry,
                     key: bytes) -> FileResult | None:
    """One returned document as a FileResult (form: the outline's id when it is a report);
    None when it is a Word file named like a workbook and not a signed report: the workbook
    reader then explains it as a renamed file."""
    named_workbook = rel.casefold().endswith(WORKBOOK_NAMES)
    result = FileResult(rel=rel, size=len(data), sha256=sha256(data), mtime=mtime)

    def reject(code: str, reason: str, *, claim: str = "", shown: str = "", **fields) -> FileResult:
        """Rejected; attributed to ``claim`` (a received report that cannot be used) or to nobody."""
        unit = shown or claim
        result.issues.append(issue(code, file=rel, unit=unit, form=outline.id if unit else "", **fields))
        result.reason, result.unit, result.form = reason, claim, outline.id if claim else ""
        return result

    if kind in ("pdf", "doc"):
        if named_workbook:
            return None
        damage = _doc_damage(data) if kind == "doc" else None
        if damage:
            return reject(Code.N_UNREADABLE, damage, detail=damage)
        what = "tệp PDF" if kind == "pdf" else "tệp Word cũ (.doc)"
        return reject(Code.N_NOT_READ, f"{what}: đã nhận, không đọc nội dung", what=what)
    try:
        doc = read_document(data, kind)
    except Refused as exc:
        return None if named_workbook else reject(Code.N_UNREADABLE, str(exc), detail=str(exc))
    ident = identity_from(doc.properties)
    if ident is None or ident.form != outline.id:
        return None if named_workbook else reject(Code.N_NO_IDENTITY, "không có thông tin nhận diện mẫu báo cáo")
    result.signature_ok = verify(key, ident)
    known = ident.unit in {u.code for u in registry.units}
    claim = ident.unit if known else ""
    if not result.signature_ok:
        return reject(Code.F_HMAC, "chữ ký nhận diện không khớp", claim=claim, shown=ident.unit,
                      claimed=unit_called(registry, ident.unit))
    if not known:
        return reject(Code.F_UNKNOWN_UNIT, f"đơn vị «{ident.unit}» không có trong sổ đăng ký", shown=ident.unit)
    if (ident.spec_version, ident.fingerprint) != (outline.version, outline.fingerprint):
        return reject(Code.N_OUTLINE, "mẫu báo cáo theo đề cương khác", claim=claim, version=ident.spec_version,
                      current=outline.version)
    split = sections.split(doc.lines, outline)
    other = sections.other_unit(split.preamble, registry, ident.unit)
    if other:
        return reject(Code.N_UNIT_NAME, "tên đơn vị ở đầu văn bản là của đơn vị khác", found=other,
                      expected=registry.unit(ident.unit).name)
    result.unit, result.form, result.accepted = ident.unit, outline.id, True
    result.saved_at = checked_saved_time(doc.saved_at, result)
    result.values, issues = sections.read_sections(split, outline, rel, ident.unit)
    result.issues += issues
    return result
