"""Reading the small parts of a workbook package: document properties, the saved time,
where each sheet's XML is, and the ODS clean-up python-calamine needs. Every XML part here
was decompressed with bounds and checked for DTDs by the reader before it is parsed
(defusedxml, DTDs forbidden again)."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timezone

from defusedxml import ElementTree

from xlsx_forms.identity import PROPERTY_PREFIX

NS = {"r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "cp": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
      "dcterms": "http://purl.org/dc/terms/", "dc": "http://purl.org/dc/elements/1.1/",
      "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
      "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
      "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0"}

_INDENT = re.compile(rb">\n[ \t\r\n]*<")


def without_indentation(zf: zipfile.ZipFile, parts: dict[str, bytes]) -> bytes:
    """The ODS with pretty-printing removed from content.xml (a newline and spaces between
    two tags; spaces inside a cell's text have no newline and are kept)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in zf.infolist():
            body = parts.get(info.filename) if info.filename in parts else zf.read(info.filename)
            if info.filename == "content.xml":
                body = _INDENT.sub(b"><", body)
            dst.writestr(info.filename, body, zipfile.ZIP_STORED if info.filename == "mimetype" else None)
    return out.getvalue()


def xml(raw: bytes | None):
    """The parsed element of an XML part, or None when the part is absent."""
    return None if raw is None else ElementTree.fromstring(raw, forbid_dtd=True)


def custom_properties(raw: bytes | None) -> dict[str, str]:
    """The cchc_* custom document properties of an OOXML package (prefix removed)."""
    root = xml(raw)
    props = {}
    for prop in root.findall("cp:property", NS) if root is not None else ():
        name = prop.get("name", "")
        if name.startswith(PROPERTY_PREFIX) and len(prop):
            props[name[len(PROPERTY_PREFIX):]] = (prop[0].text or "").strip()
    return props


def ods_properties(raw: bytes | None) -> dict[str, str]:
    """The cchc_* user-defined properties of an ODS meta.xml (prefix removed)."""
    root = xml(raw)
    props = {}
    for prop in root.iterfind(".//meta:user-defined", NS) if root is not None else ():
        name = prop.get(f"{{{NS['meta']}}}name", "")
        if name.startswith(PROPERTY_PREFIX):
            props[name[len(PROPERTY_PREFIX):]] = (prop.text or "").strip()
    return props


def saved_date(raw: bytes | None, path: str) -> datetime | None:
    """The date at ``path`` in an XML part (UTC if no zone is given), or None."""
    root = xml(raw)
    node = root.find(path, NS) if root is not None else None
    if node is None or not node.text:
        return None
    try:
        value = datetime.fromisoformat(node.text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def sheet_paths(parts: dict[str, bytes]) -> dict[str, str]:
    """Sheet name → its XML part, via workbook.xml and its relationships."""
    wb, rels = xml(parts.get("xl/workbook.xml")), xml(parts.get("xl/_rels/workbook.xml.rels"))
    if wb is None or rels is None:
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("pr:Relationship", NS)}
    paths = {}
    for sheet in wb.iterfind("m:sheets/m:sheet", NS):
        target = targets.get(sheet.get(f"{{{NS['r']}}}id"), "")
        paths[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return paths
