"""Damaged Word documents (.doc, .docx, .odt) are reported as damaged documents
(N-UNREADABLE, in words for a report, never a workbook's advice), and a damaged OLE .xls
of the same shapes as a damaged workbook (F-UNREADABLE), never as a bug of cchc.

As in the fuzz tests (``tests/strict_reader.py``), only known damage may be turned into
a refusal: the document reader catches only the damage types it names, so anything else
propagates here and fails the test, as it would reach the harvest's last resort."""
from __future__ import annotations

import io
import random
import struct
import zipfile

import pytest

from harvest.intake import read_one
from harvest.narrative import process_document, sniff
from sheetio.cfb import SECTOR, single_stream
from sheetio.reader import read_book
from tests import strict_reader
from tests.conftest import TEST_KEY
from tests.narrative_docs import rezip, template
from xlsx_forms.outline import default_outline

WORD_STREAM = b"\xec\xa5" + bytes(range(256)) * 30     # a FIB's first bytes, then a body
WORKBOOK_ADVICE = ".xlsx, .xls hoặc .ods"
BUG = "người phát triển"


def _put(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def _fat_offset(ole: bytes) -> int:
    """Where single_stream puts its (first) FAT sector: after the data and the directory."""
    first_fat = struct.unpack_from("<I", ole, 0x4C)[0]
    return SECTOR + first_fat * SECTOR


def ole_damage(ole: bytes) -> dict[str, bytes]:
    """The ways an OLE container arrives damaged: cut, zeroed, its header's sector
    numbers and sizes wrong, random bytes after a sound header."""
    rnd = random.Random(12)
    fat = _fat_offset(ole)
    variants = {
        "magic only": ole[:8], "cut in the header": ole[:76], "header only": ole[:SECTOR],
        "header then zeros": ole[:8] + b"\0" * 4096,     # the reviewer's file
        "zeros after the header": ole[:SECTOR] + b"\0" * (len(ole) - SECTOR),
        "cut in the stream": ole[:2000],
        "FAT zeroed": ole[:fat] + b"\0" * SECTOR + ole[fat + SECTOR:],
        "FAT sector past the end": _put(ole, 0x4C, "<I", 10**6),
        "directory past the end": _put(ole, 0x30, "<I", 10**6),
        "DIFAT chain looping": _put(_put(ole, 0x44, "<I", 0), 0x48, "<I", 5),
        "sector size 1 byte": _put(ole, 0x1E, "<H", 0),
        "sector size 2^65535": _put(ole, 0x1E, "<H", 0xFFFF),
        "mini sector size 2": _put(ole, 0x20, "<H", 1),
    }
    for i in range(4):
        variants[f"random bytes after the header {i}"] = ole[:SECTOR] + rnd.randbytes(len(ole) - SECTOR)
    return variants


DOC = single_stream("WordDocument", WORD_STREAM)
XLS = single_stream("Workbook", b"\x09\x08" + b"\0" * 4000)


@pytest.fixture(scope="module")
def outline():
    return default_outline()


def _document(data: bytes, name: str, outline, registry):
    kind = sniff(data, name)
    assert kind, f"{name} not taken for a document"
    return process_document(name, data, 0.0, kind, outline, registry, TEST_KEY)


def _unreadable_document(result) -> None:
    assert not result.accepted and [i.code for i in result.issues] == ["N-UNREADABLE"]
    message = result.issues[0].message
    assert "Không đọc được văn bản" in message and WORKBOOK_ADVICE not in message and BUG not in message
    assert (result.unit, result.form) == ("", "")


def test_a_sound_doc_is_received_not_read(outline, registry):
    result = _document(DOC, "báo cáo.doc", outline, registry)
    assert [i.code for i in result.issues] == ["N-NOT-READ"]


@pytest.mark.parametrize("case", list(ole_damage(DOC)))
def test_a_damaged_doc_is_an_unreadable_document(outline, registry, case):
    _unreadable_document(_document(ole_damage(DOC)[case], "báo cáo.doc", outline, registry))


@pytest.mark.parametrize("case", list(ole_damage(XLS)))
def test_a_damaged_xls_of_the_same_shape_is_a_damaged_workbook(case):
    data = ole_damage(XLS)[case]
    with strict_reader.watched() as seen:
        book = read_book(data)
    assert not strict_reader.unexpected(seen), strict_reader.unexpected(seen)
    assert book.failure and not book.grids


@pytest.mark.parametrize("case", ["header then zeros", "sector size 2^65535", "random bytes after the header 0"])
@pytest.mark.parametrize("name, code", [("PL1.xls", "F-UNREADABLE"), ("báo cáo.doc", "N-UNREADABLE")])
def test_through_the_harvest_neither_is_a_bug(tmp_path, catalogue, registry, outline, case, name, code):
    from harvest.inbox import scan
    data = ole_damage(XLS if name.endswith(".xls") else DOC)[case]
    (tmp_path / name).write_bytes(data)
    entry = next(f for f in scan(tmp_path) if f.rel == name)
    result = read_one(entry, catalogue, registry, TEST_KEY, outline)
    assert [i.code for i in result.issues] == [code] and BUG not in result.issues[0].message


def _odt() -> bytes:
    """A small text document as ODF writes it: the mime type stored first."""
    out = io.BytesIO()
    office = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    text = 'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        z.writestr("content.xml", f'<?xml version="1.0"?><office:document-content {office} {text}><office:body>'
                                  "<office:text><text:p>Báo cáo</text:p></office:text></office:body>"
                                  "</office:document-content>", zipfile.ZIP_DEFLATED)
        z.writestr("meta.xml", f'<?xml version="1.0"?><office:document-meta {office}><office:meta/>'
                               "</office:document-meta>", zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_damage(data: bytes, members: tuple[str, ...]) -> dict[str, bytes]:
    """The ways a zipped document arrives damaged: cut anywhere, random bytes, an OLE
    header before zeros, and each member it is read from cut or replaced by garbage."""
    rnd = random.Random(5)
    variants = {f"cut at {n}": data[:n] for n in (4, 30, 200)}
    variants |= {"cut in half": data[: len(data) // 2], "last byte cut": data[:-1]}
    variants |= {"random bytes": rnd.randbytes(4000), "zip header then random": data[:30] + rnd.randbytes(4000),
                 "OLE header then zeros": DOC[:8] + b"\0" * 4096}
    body = zipfile.ZipFile(io.BytesIO(data))
    for m in members:
        variants[f"{m} cut"] = rezip(data, {m: body.read(m)[: len(body.read(m)) // 2]})
        variants[f"{m} garbage"] = rezip(data, {m: b"\x00\xff<<< not xml"})
    return variants


DOCX_MEMBERS = ("word/document.xml", "docProps/custom.xml", "docProps/core.xml", "_rels/.rels")


@pytest.fixture(scope="module")
def docx(outline, registry):
    return template(outline, registry, "vp", TEST_KEY)


@pytest.mark.parametrize("case", list(zip_damage(_odt(), ())) + [f"{m} {how}" for m in DOCX_MEMBERS
                                                              for how in ("cut", "garbage")])
def test_a_damaged_docx_is_an_unreadable_document(docx, outline, registry, case):
    _unreadable_document(_document(zip_damage(docx, DOCX_MEMBERS)[case], "báo cáo.docx", outline, registry))


@pytest.mark.parametrize("case", list(zip_damage(_odt(), ("content.xml", "meta.xml"))))
def test_a_damaged_odt_is_an_unreadable_document(outline, registry, case):
    _unreadable_document(_document(zip_damage(_odt(), ("content.xml", "meta.xml"))[case], "báo cáo.odt",
                                   outline, registry))


def test_a_workbook_named_like_a_document_still_goes_to_the_workbook_reader():
    """The name decides only when the content names nothing: a workbook's marks win."""
    assert sniff(XLS, "báo cáo.doc") is None
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    assert sniff(out.getvalue(), "báo cáo.docx") is None
