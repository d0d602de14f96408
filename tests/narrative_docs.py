"""Make narrative reports for the tests: a unit's template filled the way a clerk fills it
in Word (python-docx), and the hostile variants. Each maker returns bytes."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime

import docx
from docx.oxml import OxmlElement
from docx.text.paragraph import Paragraph

from xlsx_forms.outline import Outline, normalized
from xlsx_forms.registry import Registry
from xlsx_forms.report_doc import build_report

from .conftest import FIXED_TIME


def template(outline: Outline, registry: Registry, unit: str, key: bytes) -> bytes:
    """The unit's report template as generate writes it."""
    return build_report(outline, registry, registry.unit(unit), key, FIXED_TIME, 2020)[0]


def fill(data: bytes, outline: Outline, texts: dict[str, str], *, drop_guidance: bool = False,
         after_guidance: dict[str, str] | None = None, delete_headings: tuple[str, ...] = (),
         saved_at: datetime | None = None, replace: dict[str, str] | None = None) -> bytes:
    """``data`` with each section's text typed into the empty paragraph under its heading
    (``texts``: id → text, lines separated by newlines become paragraphs); optionally the
    guidance deleted, text typed on at the end of a section's first guidance line
    (``after_guidance``), headings deleted, the saved time set, texts replaced anywhere."""
    doc = docx.Document(io.BytesIO(data))
    printed = {normalized(s.printed): s for s in outline.sections}
    paragraphs = list(doc.paragraphs)
    current, done = None, set()
    for p in paragraphs:
        key = normalized(p.text)
        if key in printed:
            current = printed[key]
            if current.id in delete_headings:
                p._p.getparent().remove(p._p)
            continue
        if current is None:
            continue
        if p.style.name == "Hướng dẫn" and p.text:
            if after_guidance and current.id in after_guidance and normalized(p.text) == normalized(current.guidance[0]):
                p.add_run(" " + after_guidance[current.id])
            elif drop_guidance:
                p._p.getparent().remove(p._p)
            continue
        if not p.text and current.id in texts and current.id not in done:
            done.add(current.id)
            first, *more = texts[current.id].split("\n")
            p.add_run(first)
            for line in reversed(more):   # each after the first, in order
                element = OxmlElement("w:p")
                p._p.addnext(element)
                Paragraph(element, p._parent).add_run(line)
    for old, new in (replace or {}).items():
        for cell in (c for t in doc.tables for row in t.rows for c in row.cells):
            for p in cell.paragraphs:
                for run in p.runs:
                    run.text = run.text.replace(old, new)
    if saved_at is not None:
        doc.core_properties.modified = saved_at.replace(tzinfo=None)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def rezip(data: bytes, replace: dict[str, bytes], drop: tuple[str, ...] = ()) -> bytes:
    """``data`` with members replaced (or added) and dropped."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename not in drop:
                z.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, body in replace.items():
            if name not in src.namelist():
                z.writestr(name, body)
    return out.getvalue()


def with_dtd(data: bytes, member: str = "word/document.xml") -> bytes:
    """A member carrying a DTD with an entity (billion laughs in small)."""
    body = zipfile.ZipFile(io.BytesIO(data)).read(member)
    head, _, rest = body.partition(b"?>")
    dtd = b'<!DOCTYPE d [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    return rezip(data, {member: head + b"?>" + dtd + rest})


def without_identity(data: bytes) -> bytes:
    """The same document with its custom properties removed (a report retyped elsewhere)."""
    return rezip(data, {"docProps/custom.xml": b'<?xml version="1.0" encoding="UTF-8"?><Properties '
                        b'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>'})
