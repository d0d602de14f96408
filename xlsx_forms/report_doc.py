"""The narrative report template of one unit (``bao-cao_<unit>.docx``), from the outline.

An official document (Nghị định 30/2020/NĐ-CP, Phụ lục I): A4, margins 20 mm top and
bottom, 30 mm left, 15 mm right; Times New Roman; the issuer's block (the body above in
capitals, the unit in bold capitals, "Số: …/BC-…") beside the quốc hiệu (capitals, bold,
12 pt) and the tiêu ngữ (bold, 13 pt, underlined); the place and date line in italics; the
title; then every heading of the Đề cương, numbered as printed, with its guidance in a
muted style and an empty paragraph for the unit's text; the outline's note, "Nơi nhận" and
the signature block. The unit's identity is signed into custom document properties, as
the workbooks' is (``identity.sign``).

Pure: returns bytes. The document is composed once per outline and registry with
python-docx (a master with a placeholder for the unit), then each unit's copy is that
master with the unit's name and identity put in, zipped with fixed times: the same
inputs give the same bytes, and a unit costs a zip, not a document build.
"""
from __future__ import annotations

import io
import zipfile
from datetime import datetime
from functools import lru_cache
from html import escape as _html_escape

from .identity import PROPERTY_PREFIX, Identity, sign
from .outline import Outline
from .registry import Registry, Unit
from .textwidth import ceil_mm, lines_within, text_mm


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` escaped for XML text, as xml.sax.saxutils.escape does (which
    would import urllib and http.client into every command's start)."""
    return _html_escape(text, quote=False)


FONT = "Times New Roman"
TEXT_WIDTH_MM = 165   # A4 less the official margins (30 mm left, 15 mm right)
CELL_PAD_MM = 1.0     # each side of a table cell's text (set on every table: widths count it)
HEADER_PT = 12        # the issuer's lines and the quốc hiệu
UNIT_TOKEN = "CCHC-UNIT-NAME-TOKEN"   # replaced by each unit's name in the master's XML
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
NUMBER_LINE = "Số:        /BC-……"
RECIPIENTS = "Nơi nhận:"
SIGNER = "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"
SIGN_HINT = "(Ký tên, đóng dấu)"
GUIDANCE_STYLE = "Hướng dẫn"
MUTED = (0x7F, 0x7F, 0x7F)
CUSTOM_PART = "docProps/custom.xml"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def report_path(unit_code: str) -> str:
    """Where a unit's report template goes in the templates folder (``/``-separated)."""
    return f"{unit_code}/bao-cao_{unit_code}.docx"


def custom_properties_xml(identity: Identity) -> bytes:
    """docProps/custom.xml holding the identity as ``cchc_*`` text properties."""
    props = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" name="{PROPERTY_PREFIX}{name}">'
        f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(identity.items(), 2))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            f"{props}</Properties>").encode()


def build_report(outline: Outline, registry: Registry, unit: Unit, key: bytes, generated_at: datetime,
                 year: int) -> tuple[bytes, Identity]:
    """The report template of ``unit``: (docx bytes, its signed identity). ``year``: the
    year printed in the date line (the deadline's)."""
    identity = sign(key, form=outline.id, spec_version=outline.version, unit=unit.code,
                    generated_at=generated_at.isoformat(), fingerprint=outline.fingerprint)
    parts = _master(outline, registry.issuer, registry.place, registry.consolidator.name, generated_at, year)
    name = escape(unit.name).encode("utf-8")
    # The unit's name in its header column: whole words on each line, a long name on two.
    lines = lines_within(unit.name.upper(), issuer_width_mm() - 2 * CELL_PAD_MM, HEADER_PT)
    upper = '</w:t><w:br/><w:t xml:space="preserve">'.join(escape(line) for line in lines).encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for part, body in parts:
            if part == "word/document.xml":
                body = body.replace(UNIT_TOKEN.encode(), upper)
            elif part == "docProps/core.xml":
                body = body.replace(UNIT_TOKEN.encode(), name)
            elif part == CUSTOM_PART:
                body = custom_properties_xml(identity)
            info = zipfile.ZipInfo(part, _ZIP_TIME)
            info.compress_type, info.create_system, info.external_attr = zipfile.ZIP_DEFLATED, 0, 0o644 << 16
            z.writestr(info, body)
    return out.getvalue(), identity


@lru_cache(maxsize=4)
def _master(outline: Outline, issuer: str, place: str, consolidator: str, generated_at: datetime,
            year: int) -> tuple[tuple[str, bytes], ...]:
    """The parts of the document with ``UNIT_TOKEN`` for the unit (built once per run)."""
    import docx  # python-docx: only generate needs it
    from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    doc = docx.Document()
    _page(doc)
    _styles(doc)
    official_header(doc, [(issuer.upper(), False), (UNIT_TOKEN, True)], NUMBER_LINE, place, year)
    _para(doc, outline.kind, bold=True, size=14, align="center", before=12)
    _para(doc, outline.title, bold=True, size=14, align="center", after=12)
    for s in outline.sections:
        add_heading(doc, s)
        for line in s.guidance:
            doc.add_paragraph(line, style=GUIDANCE_STYLE)
        doc.add_paragraph()   # the unit's text goes here
    if outline.note:
        doc.add_paragraph(outline.note, style=GUIDANCE_STYLE)
    _closing(doc, consolidator)
    props = doc.core_properties
    props.title, props.subject, props.author = f"{outline.kind} - {UNIT_TOKEN}", outline.title, consolidator
    props.comments, props.keywords, props.last_modified_by = outline.attachment, "", ""
    props.created = props.modified = generated_at.replace(tzinfo=None)
    props.revision = 1
    _trim(doc)
    custom = Part(PackURI("/" + CUSTOM_PART), CONTENT_TYPE.OFC_CUSTOM_PROPERTIES, b"", doc.part.package)
    doc.part.package.relate_to(custom, RELATIONSHIP_TYPE.CUSTOM_PROPERTIES)
    buf = io.BytesIO()
    doc.save(buf)
    with zipfile.ZipFile(buf) as z:
        return tuple((i.filename, z.read(i)) for i in z.infolist())


def add_heading(doc, section) -> None:
    """A section's heading in its level's style: "Phần thứ nhất" above its title, as the
    plan prints it; any other with its number before it (the harvest finds it again)."""
    heading = doc.add_paragraph(style=f"Heading {section.level}")
    if section.level == 1:
        heading.add_run(section.number)
        heading.add_run().add_break()
        heading.add_run(section.heading)
    else:
        heading.add_run(section.printed)


def _trim(doc) -> None:
    """Drop what python-docx's default template carries and no report needs (its
    hundred-odd unused styles, the Word 2010 style copy, a bibliography part, the
    thumbnail): a tenth of the size, and each unit's copy is zipped in a few milliseconds."""
    from docx.oxml.ns import qn
    part = doc.part
    for rid, rel in list(part.rels.items()):
        if rel.reltype.endswith(("/stylesWithEffects", "/customXml")):
            part.drop_rel(rid)
    package_rels = part.package.rels
    for rid, rel in list(package_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            package_rels.pop(rid)
    styles = doc.styles.element
    keep = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList", doc.styles[GUIDANCE_STYLE].style_id,
            *(f"Heading{n}{char}" for n in range(1, 5) for char in ("", "Char"))}
    for child in list(styles):
        if child.tag == qn("w:latentStyles") or (child.tag == qn("w:style") and child.get(qn("w:styleId")) not in keep):
            styles.remove(child)
    for fonts in styles.iter(qn("w:rFonts")):   # the defaults and linked styles too: never the theme's face
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), FONT)


def _page(doc) -> None:
    from docx.shared import Mm
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)


def _font(font, size: float, *, bold: bool = False, italic: bool = False, color=None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor
    font.name, font.size, font.bold, font.italic = FONT, Pt(size), bold, italic
    font.color.rgb = RGBColor(*color) if color else RGBColor(0, 0, 0)
    fonts = font.element.rPr.rFonts if font.element.rPr is not None else None
    if fonts is not None:   # Vietnamese and complex scripts in the same face, never the theme's
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), FONT)
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)


def _styles(doc) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt
    normal = doc.styles["Normal"]
    _font(normal.font, 14)
    fmt = normal.paragraph_format
    fmt.alignment, fmt.first_line_indent = WD_ALIGN_PARAGRAPH.JUSTIFY, Cm(1)
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(6), 1.15
    for level in range(1, 5):
        style = doc.styles[f"Heading {level}"]
        _font(style.font, 14, bold=True, italic=level == 4)
        f = style.paragraph_format
        f.alignment = WD_ALIGN_PARAGRAPH.CENTER if level == 1 else WD_ALIGN_PARAGRAPH.JUSTIFY
        f.first_line_indent = Cm(0) if level == 1 else Cm(1)
        f.space_before, f.space_after, f.keep_with_next = Pt(12 if level <= 2 else 6), Pt(6), True
    guide = doc.styles.add_style(GUIDANCE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    guide.base_style, guide.next_paragraph_style = normal, normal
    _font(guide.font, 12, italic=True, color=MUTED)
    guide.paragraph_format.space_after = Pt(3)


def _para(container, text: str, *, bold=False, italic=False, underline=False, size=13, align="center",
          before=0, after=0):
    """A paragraph of one run, outside the styles (header and closing blocks)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt
    p = container.add_paragraph()
    p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT,
                   "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    f = p.paragraph_format
    f.first_line_indent, f.space_before, f.space_after, f.line_spacing = Cm(0), Pt(before), Pt(after), 1.0
    run = p.add_run(text)
    _font(run.font, size, bold=bold, italic=italic)
    run.font.underline = underline
    return p


def cell_margins(table, pad_mm: float = CELL_PAD_MM) -> None:
    """The left and right margins of every cell of ``table`` (widths are computed with them)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    props = table._tbl.tblPr
    margins = props.find(qn("w:tblCellMar"))
    if margins is None:
        margins = OxmlElement("w:tblCellMar")
        props.append(margins)
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(round(pad_mm / 25.4 * 1440)))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)


def issuer_width_mm() -> float:
    """The header's left column: what the quốc hiệu leaves of the text width (it must print
    on one line in the right column)."""
    return TEXT_WIDTH_MM - ceil_mm(text_mm(NATION, HEADER_PT) + 2 * CELL_PAD_MM + 1)


def _table(doc, widths_mm: tuple[float, float]):
    from docx.shared import Mm
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    cell_margins(table)
    for column, cell, width in zip(table.columns, table.rows[0].cells, widths_mm, strict=True):
        column.width = cell.width = Mm(width)   # the grid (LibreOffice) and the cell (Word)
        cell._tc.remove(cell.paragraphs[0]._p)   # each cell gets only the paragraphs put in
    return table.rows[0].cells


def official_header(doc, issuer: list[tuple[str, bool]], number_line: str, place: str, year: int) -> None:
    """The issuer's block (``issuer``: its lines, each (text, bold), each broken between
    words only where its column needs it) beside the quốc hiệu, tiêu ngữ and date line."""
    width = issuer_width_mm()
    left, right = _table(doc, (width, TEXT_WIDTH_MM - width))
    for text, bold in issuer:
        for line in lines_within(text, width - 2 * CELL_PAD_MM, HEADER_PT):
            _para(left, line, bold=bold, size=HEADER_PT)
    _para(left, "", size=6)
    _para(left, number_line, size=13)
    _para(right, NATION, bold=True, size=HEADER_PT)
    _para(right, MOTTO, bold=True, underline=True, size=13)
    _para(right, "", size=6)
    _para(right, f"{place}, ngày    tháng    năm {year}", italic=True, size=13)


def _closing(doc, consolidator: str) -> None:
    left, right = _table(doc, (80, 85))
    _para(left, RECIPIENTS, bold=True, italic=True, size=12, align="left", before=12)
    _para(left, f"- {consolidator};", size=11, align="left")
    _para(left, "- Lưu: VT.", size=11, align="left")
    _para(right, SIGNER, bold=True, size=13, before=12)
    _para(right, SIGN_HINT, italic=True, size=13)
