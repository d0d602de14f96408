"""Reading the small parts of a workbook package: document properties and the saved time.
Every part here was decompressed with bounds by the package layer; defusedxml refuses
DTDs and entities."""
from __future__ import annotations

from datetime import datetime, timezone

from defusedxml import DefusedXmlException, ElementTree

from .package import Refused

NS = {"cp": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
      "dcterms": "http://purl.org/dc/terms/", "dc": "http://purl.org/dc/elements/1.1/",
      "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
      "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0"}


def xml(raw: bytes | None):
    """The parsed element of an XML part, or None when the part is absent."""
    if raw is None:
        return None
    try:
        return ElementTree.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException:
        raise Refused("thuộc tính tài liệu có khai báo DTD/thực thể XML (bị chặn vì an toàn)") from None
    except ElementTree.ParseError as exc:
        raise Refused(f"thuộc tính tài liệu bị hỏng (XML sai ở vị trí {exc.position})") from None


def custom_properties(raw: bytes | None, prefix: str) -> dict[str, str]:
    """The custom document properties of an OOXML package whose name starts with
    ``prefix``, by name with the prefix removed ("": every property)."""
    root = xml(raw)
    props = {}
    for prop in root.findall("cp:property", NS) if root is not None else ():
        name = prop.get("name", "")
        if name.startswith(prefix) and len(prop):
            props[name[len(prefix):]] = (prop[0].text or "").strip()
    return props


def ods_properties(raw: bytes | None, prefix: str) -> dict[str, str]:
    """The user-defined properties of an ODS meta.xml whose name starts with ``prefix``, by
    name with the prefix removed ("": every property)."""
    root = xml(raw)
    props = {}
    for prop in root.iterfind(".//meta:user-defined", NS) if root is not None else ():
        name = prop.get(f"{{{NS['meta']}}}name", "")
        if name.startswith(prefix):
            props[name[len(prefix):]] = (prop.text or "").strip()
    return props


def saved_date(raw: bytes | None, path: str) -> datetime | str | None:
    """The date at ``path`` in an XML part (UTC if no zone is given); the text found there
    when it is not a date; None when there is none."""
    root = xml(raw)
    node = root.find(path, NS) if root is not None else None
    if node is None or not node.text:
        return None
    text = node.text.strip()
    try:
        value = datetime.fromisoformat(text[:64].replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return text[:100]     # not a time: the text, for the caller to report (the harvest: F-SAVED-TIME)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

