"""A zip package (.xlsx, .xlsm, .ods) opened without trusting it.

Members are found by name as the package's relationships give it (any name, any
extension, part names compared without case as OPC requires), decompressed with a bound
on each part and on the whole file, so a zip bomb never expands, and each part is read
at most once. Two members with the same name are refused: two readers could otherwise
see two different parts.
"""
from __future__ import annotations

import io
import lzma
import posixpath
import zipfile
import zlib

from . import xmlsafe

MAX_MEMBER_BYTES = 30 * 1024 * 1024
MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_MEMBERS = 10_000
# Markup is parsed element by element: a budget of "<" per file (a form sheet has about
# 2,000) keeps the cost of any file within a second or two, however it is built.
MAX_MARKUP = 300_000
METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}

DAMAGED = "tệp nén zip bị hỏng hoặc bị cắt cụt"
# What zipfile and the decompressors raise on damaged bytes (names that are not UTF-8,
# offsets past the end, corrupt streams): all mean "damaged", never a bug of ours.
_ZIP_DAMAGE = (zipfile.BadZipFile, ValueError, NotImplementedError, EOFError, OSError, zlib.error,
               lzma.LZMAError)
# What a part's bytes parsed into, kept for parts that repeat byte for byte across the
# returned files of one template (relationships, workbook, styles). Keyed by the bytes
# themselves, never by a checksum a file could forge: a hit is the same input, so the same
# result and the same checks passed; only the markup budget is counted again.
_MEMO: dict[tuple[str, bytes], object] = {}
_MEMO_LIMIT = 2 * 1024 * 1024      # bytes of parts kept, per process (a few templates)
_MEMO_PART = 256 * 1024            # larger parts are never kept
_memo_size = 0


class Refused(Exception):
    """The file is refused; the message says why (Vietnamese)."""


class Package:
    """The members of a zip file, read with bounds."""

    def __init__(self, data: bytes) -> None:
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except _ZIP_DAMAGE:
            raise Refused(DAMAGED) from None
        infos = self.zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise Refused(f"tệp nén có quá nhiều thành phần ({len(infos)})")
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            key = info.filename.lstrip("/").lower()
            if key in self._infos:
                raise Refused(f"tệp nén có hai thành phần cùng tên «{info.filename}»")
            self._infos[key] = info
        self._read: dict[str, bytes] = {}
        self._total = 0
        self._markup = 0
        self._checked: set[str] = set()
        self._rels: dict[str, list[tuple[str, str, str]]] = {}

    def names(self) -> list[str]:
        """Every member name, as stored."""
        return [i.filename for i in self._infos.values()]

    def has(self, name: str) -> bool:
        """Whether the package holds part ``name`` (case-insensitive)."""
        return name.lstrip("/").lower() in self._infos

    def read(self, name: str) -> bytes | None:
        """The part's bytes, decompressed with bounds; None when absent."""
        key = name.lstrip("/").lower()
        if key in self._read:
            return self._read[key]
        info = self._infos.get(key)
        if info is None:
            return None
        if info.flag_bits & 0x1:
            raise Refused(f"thành phần «{info.filename}» bị mã hóa (tệp nén có mật khẩu)")
        if info.compress_type not in METHODS:
            raise Refused(f"thành phần «{info.filename}» nén theo cách không hỗ trợ (mã {info.compress_type})")
        try:
            with self.zip.open(info) as fh:
                body = fh.read(MAX_MEMBER_BYTES + 1)
        except _ZIP_DAMAGE:
            raise Refused(f"{DAMAGED} (thành phần «{info.filename}»)") from None
        self._total += len(body)
        if len(body) > MAX_MEMBER_BYTES or self._total > MAX_UNCOMPRESSED:
            raise Refused(f"nội dung giải nén quá lớn (thành phần «{info.filename}»), có thể là bom nén")
        self._read[key] = body
        return body

    def parse(self, name: str, start=None, end=None, text=None) -> bool:
        """Parse part ``name`` with ``xmlsafe.parse``; False when the part is absent."""
        body = self.read(name)
        if body is None:
            return False
        self._count(name, body)
        try:
            xmlsafe.parse(body, start, end, text)
        except xmlsafe.XmlRefused as exc:
            raise Refused(f"thành phần «{name}» {exc}") from None
        return True

    def memo(self, name: str, kind: str, compute):
        """``compute()`` (which parses part ``name``), or its result for the same bytes
        seen before in this process; None when the part is absent. The result is shared:
        callers only read it."""
        global _memo_size
        body = self.read(name)
        if body is None:
            return None
        key = (kind, body)
        hit = _MEMO.get(key)
        if hit is not None:
            self._count(name, body)
            return hit
        result = compute()
        if len(body) <= _MEMO_PART and _memo_size + len(body) <= _MEMO_LIMIT:
            _MEMO[key] = result
            _memo_size += len(body)
        return result

    def check(self, name: str) -> list | None:
        """Parse part ``name`` with expat, counting its markup: its namespace declarations
        (prefix, uri, offset of the element), or None when it is absent or not well formed
        (the reader that parses it next says why, in document order, without counting it
        again)."""
        body = self.read(name)
        if body is None:
            return None
        self._checked.discard(name)     # a check is a new read of the part: always counted
        self._count(name, body)
        self._checked.add(name)
        found: list = []
        try:
            xmlsafe.parse(body, namespaces=found)
        except xmlsafe.XmlRefused:
            return None
        return found

    def _count(self, name: str, body: bytes) -> None:
        if name in self._checked:       # the reader after the check: the same read of the part
            self._checked.discard(name)
            return
        self._markup += body.count(b"<")
        if self._markup > MAX_MARKUP:
            raise Refused(f"thành phần «{name}» có quá nhiều thẻ XML (giới hạn {MAX_MARKUP} cho mỗi tệp)")

    def relationships(self, part: str) -> list[tuple[str, str, str]]:
        """(id, type, target part name) of each relationship of ``part`` ("" for the
        package), targets resolved against the part's folder; external targets left out."""
        if part in self._rels:
            return self._rels[part]
        folder, base = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", f"{base}.rels")
        found = self.memo(rels_name, f"rels:{folder}", lambda: self._parse_relationships(rels_name, folder))
        self._rels[part] = found or []
        return self._rels[part]

    def _parse_relationships(self, rels_name: str, folder: str) -> list[tuple[str, str, str]]:
        found: list[tuple[str, str, str]] = []

        def start(name, attrs):
            if xmlsafe.local(name) != "Relationship" or xmlsafe.attr(attrs, "TargetMode") == "External":
                return
            target = xmlsafe.attr(attrs, "Target", "") or ""
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            found.append((xmlsafe.attr(attrs, "Id", "") or "", xmlsafe.attr(attrs, "Type", "") or "",
                          posixpath.normpath(path).lstrip("/")))
        self.parse(rels_name, start)
        return found

    def target(self, part: str, rel_type: str, default: str = "") -> str:
        """The first target of ``part`` whose relationship type ends with ``/rel_type``."""
        for _rid, typ, path in self.relationships(part):
            if typ.endswith("/" + rel_type):
                return path
        return default
