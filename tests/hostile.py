"""Make hostile and messy returned files from generated templates (run by the tests;
``python -m tests.hostile DIR`` writes them for a look). Each maker returns bytes."""
from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path


def _rezip(template: bytes, replace: dict[str, bytes]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(template))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
    return out.getvalue()


def docx_renamed() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def pdf_renamed() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def truncated(template: bytes) -> bytes:
    return template[: len(template) // 2]


def encrypted(template: bytes, password: str = "matkhau") -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(template)).encrypt(password, out)
    return out.getvalue()


def zip_bomb(gib: float = 1.0, template: bytes | None = None, member: str = "xl/worksheets/sheet1.xml",
             rename: str | None = None) -> bytes:
    """A small workbook whose ``member`` expands to ``gib`` GiB (streamed, never in memory):
    the member's own XML followed by white space, which XML allows after the root element.
    With ``rename``, the member is stored under that name and the relationships that
    pointed to it point there (a part whose name does not end in .xml)."""
    if template is None:
        template = _minimal_workbook()
    src = zipfile.ZipFile(io.BytesIO(template))
    # Targets are written absolute ("/xl/worksheets/sheet1.xml") or relative to xl/.
    moves = {f"/{member}".encode(): f"/{rename}".encode(),
             f'"{member.removeprefix("xl/")}"'.encode(): f'"../{rename}"'.encode()} if rename else {}
    new_name = rename or member
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == member:
                big = zipfile.ZipInfo(new_name)
                big.compress_type = zipfile.ZIP_DEFLATED
                with z.open(big, "w", force_zip64=True) as fh:
                    fh.write(body)
                    chunk = b" " * (1 << 24)
                    for _ in range(int(gib * 64)):
                        fh.write(chunk)
                continue
            if info.filename.endswith(".rels"):
                for old, new in moves.items():
                    body = body.replace(old, new)
            z.writestr(info.filename, body)
    return out.getvalue()


def _minimal_workbook() -> bytes:
    out = io.BytesIO()
    ns = "http://schemas.openxmlformats.org/"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", f'<Relationships xmlns="{ns}package/2006/relationships"><Relationship Id="r1" '
                   f'Type="{ns}officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                   '</Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{ns}spreadsheetml/2006/main" xmlns:r="{ns}'
                   'officeDocument/2006/relationships"><sheets><sheet name="Phụ lục 1" sheetId="1" r:id="rId1"/>'
                   '</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{ns}package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{ns}officeDocument/2006/relationships/worksheet" '
                   'Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{ns}spreadsheetml/2006/main"><sheetData/>'
                   '</worksheet>')
    return out.getvalue()


def _sheet_xml(template: bytes) -> tuple[str, bytes]:
    z = zipfile.ZipFile(io.BytesIO(template))
    name = "xl/worksheets/sheet1.xml"
    return name, z.read(name)


def billion_laughs(template: bytes, encoding: str = "utf-8") -> bytes:
    name, xml = _sheet_xml(template)
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    doctype = f"<!DOCTYPE worksheet [{entities}]>".encode()
    xml = xml.replace(b"<worksheet", doctype + b"<worksheet", 1).replace(b"<v>", b"<v>&lol9;", 1)
    if encoding != "utf-8":
        text = xml.decode("utf-8")
        text = text[text.index("?>") + 2:] if text.startswith("<?xml") else text
        xml = f'<?xml version="1.0" encoding="{encoding}"?>{text}'.encode(encoding)
    return _rezip(template, {name: xml})


def xxe(template: bytes) -> bytes:
    name, xml = _sheet_xml(template)
    doctype = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return _rezip(template, {name: xml.replace(b"<worksheet", doctype + b"<worksheet", 1)})


def far_cell(template: bytes, ref: str) -> bytes:
    """The template with one more cell at ``ref`` (e.g. A1000000 or XFD1)."""
    name, xml = _sheet_xml(template)
    row = "".join(ch for ch in ref if ch.isdigit())
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
    return _rezip(template, {name: xml.replace(b"</sheetData>", cell + b"</sheetData>", 1)})


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# Ways to write a cell far beyond the bounds: each must be seen as that far cell.
FAR_CELLS = {
    "upper": '<row r="40"><c r="XFD40" t="inlineStr"><is><t>x</t></is></c></row>',
    "lower": '<row r="40"><c r="xfd40" t="inlineStr"><is><t>x</t></is></c></row>',
    "spaces": '<row r="40"><c r=" XFD40 " t="inlineStr"><is><t>x</t></is></c></row>',
    "dollars": '<row r="40"><c r="$XFD$40" t="inlineStr"><is><t>x</t></is></c></row>',
    "single quotes": "<row r='1000000'><c r='A1000000' t='inlineStr'><is><t>x</t></is></c></row>",
    "attribute order": '<row r="40"><c t="inlineStr" s="0" r="IW40"><is><t>x</t></is></c></row>',
    "no r, far row": '<row r="1000000"><c t="inlineStr"><is><t>x</t></is></c></row>',
    "no r at all": "<row>" + "<c><v>1</v></c>" * 300 + "</row>",
    "rows without r": "<row><c><v>1</v></c></row>" * 5000,
    "prefixed": f'<x:row xmlns:x="{MAIN_NS}" r="40"><x:c r="XFD40"><x:v>1</x:v></x:c></x:row>',
    "number": '<row r="1048576"><c r="A1048576"><v>7</v></c></row>',
    "formula only": '<row r="40"><c r="XFD40"><f>1+1</f></c></row>',
}


def with_row(template: bytes, row_xml: str) -> bytes:
    """The template with ``row_xml`` appended to the form sheet's data."""
    name, xml = _sheet_xml(template)
    return _rezip(template, {name: xml.replace(b"</sheetData>", row_xml.encode() + b"</sheetData>", 1)})


def mutate(template: bytes, member: str, offset: int, value: int) -> bytes:
    """One byte of one member changed (for fuzzing)."""
    z = zipfile.ZipFile(io.BytesIO(template))
    body = bytearray(z.read(member))
    if body:
        body[offset % len(body)] = value
    return _rezip(template, {member: bytes(body)})


def main(folder: str) -> None:
    """Write every hostile file made from a freshly generated PL1 template into ``folder``."""
    from datetime import date, datetime, timezone

    from xlsx_forms.registry import DEFAULT_REGISTRY, load_registry
    from xlsx_forms.spec_loader import default_catalogue
    from xlsx_forms.writer import GenerateOptions, build_workbook
    cat = default_catalogue()
    reg = load_registry(DEFAULT_REGISTRY, cat)
    opts = GenerateOptions(key=b"k" * 32, generated_at=datetime(2020, 3, 12, tzinfo=timezone.utc),
                           deadline=date(2020, 3, 23))
    tpl = build_workbook(cat, reg, reg.unit("p-tran-phu"), cat.form("PL1"), opts)[0]
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in {"docx.xlsx": docx_renamed(), "pdf.xlsx": pdf_renamed(), "truncated.xlsx": truncated(tpl),
                       "encrypted.xlsx": encrypted(tpl), "bomb.xlsx": zip_bomb(0.1),
                       "laughs.xlsx": billion_laughs(tpl), "xxe.xlsx": xxe(tpl),
                       "rows.xlsx": far_cell(tpl, "A1000000"), "cols.xlsx": far_cell(tpl, "XFD1")}.items():
        (out / name).write_bytes(data)


if __name__ == "__main__":
    main(sys.argv[1])
