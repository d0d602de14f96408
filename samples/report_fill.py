"""Fill a narrative report template the way a clerk does in Word (python-docx), for the
sample inbox and the tests. The result is zipped with fixed times, so the same inputs
give the same bytes (the committed samples are compared with a rebuild)."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime

import docx
from docx.oxml import OxmlElement
from docx.text.paragraph import Paragraph

from xlsx_forms.outline import Outline, normalized


def _fixed_times(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0))
            fixed.compress_type, fixed.create_system = zipfile.ZIP_DEFLATED, 0
            z.writestr(fixed, src.read(info))
    return out.getvalue()


def fill(data: bytes, outline: Outline, texts: dict[str, str], *, drop_guidance: bool = False,
         after_guidance: dict[str, str] | None = None, delete_headings: tuple[str, ...] = (),
         saved_at: datetime | None = None, replace: dict[str, str] | None = None) -> bytes:
    """``data`` with each section's text typed into the empty paragraph under its heading
    (``texts``: id → text, lines separated by newlines become paragraphs); optionally the
    guidance deleted, text typed on at the end of a section's first guidance line
    (``after_guidance``), headings deleted, the saved time set, texts replaced anywhere."""
    doc = docx.Document(io.BytesIO(data))
    # Headings found in order, as the harvest finds them: two sections may print alike
    # ("6. Về hiện đại hóa hành chính" is a result and a proposal).
    keys, at = [normalized(s.printed) for s in outline.sections], 0
    paragraphs = list(doc.paragraphs)
    current, done = None, set()
    for p in paragraphs:
        key = normalized(p.text)
        found = next((j for j in range(at, len(keys)) if keys[j] == key), None) if key else None
        if found is not None:
            current, at = outline.sections[found], found + 1
            if current.id in delete_headings:
                p._p.getparent().remove(p._p)
            continue
        if current is None:
            continue
        if p.style.name == "Hướng dẫn" and p.text:
            # (the outline's closing note follows the last section, which has no guidance)
            first_line = bool(current.guidance) and normalized(p.text) == normalized(current.guidance[0])
            if after_guidance and current.id in after_guidance and first_line:
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
    return _fixed_times(out.getvalue())
