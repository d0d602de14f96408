"""The plain shape of a worksheet and of a shared string table, read whole or not at all.

Almost every returned workbook (written by cchc, Excel, LibreOffice or WPS) stores its
cells as ``<c r="B7" s="3" t="s"><v>12</v></c>`` and its strings as
``<si><t>…</t></si>``. Those shapes are matched here by one regular expression over the
part's bytes, in C, instead of a Python call for each XML element (five for a plain cell).

This is a shortcut, never a second reader: ``xlsx_read`` calls it only after expat has
parsed the same bytes (well formed, no DTD, no entity declaration) and reported every
namespace declaration, as expat itself understood it (``Package.check``). The shortcut
answers only when it can account for *every* cell (or string) of the part and the part
has nothing that could make the matched text mean something else: another encoding than
UTF-8; any default namespace but the main one declared on the root (a cell in another
namespace), or a prefix bound to the main namespace (cells the patterns do not see);
comments, CDATA or processing instructions; a carriage return (expat turns it into a
line feed); an entity other than the five XML ones. Anything else, and ``None`` is
returned: the expat reader then reads the part as before, with the same results and the
same messages. The tests compare both readers on every spelling they know, and an
adversary's mutations (tests/test_plain_shape_attack.py).
"""
from __future__ import annotations

import re

MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_NS = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
_MAIN, _STRICT = MAIN_NS.decode(), STRICT_NS.decode()

# A cell: reference, style, type; an optional formula (attributes without quotes inside,
# so that a ">" in an attribute value cannot end the tag early); an optional value.
_CELL = re.compile(
    r'<c r="([^"<>&]{1,20})"(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,10})")?'
    r'(?:/>|>(<f(?: [A-Za-z_][\w.:-]{0,40}="[^"<>&]*")*(?:/>|>[^<]*</f>))?(?:<v>([^<]*)</v>)?</c>)', re.ASCII)
_ROW = re.compile(r'<row((?: [A-Za-z_][\w.:-]{0,40}="[^"<>&]*")*)\s*/?>', re.ASCII)
_ROW_NUMBER = re.compile(r' r="([^"]*)"', re.ASCII)
_PROTECTION = re.compile(r'<sheetProtection((?: [A-Za-z_][\w.:-]{0,40}="[^"<>&]*")*)\s*/?>', re.ASCII)
_SHEET_ATTR = re.compile(r' sheet="([^"]*)"', re.ASCII)
_STRING = re.compile(r'<si><t(?: xml:space="preserve")?>([^<]*)</t></si>', re.ASCII)
_ROOT = re.compile(rb"\s*<[A-Za-z]+[\s>]")
_DECLARATION = re.compile(rb'<\?xml version="1\.0"(?: encoding="[Uu][Tt][Ff]-8")?(?: standalone="(?:yes|no)")?\s*\?>')
# Start tags (without a prefix) of the elements the shortcut reads, however written: each
# must be one the shortcut's own patterns matched (a carriage return never gets here).
_STARTS = re.compile(rb"<(c|row|sheetProtection|si)[ \t\n/>]")
# The five entities XML predefines; any other "&" (a character reference) is left to expat.
_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|apos);)", re.ASCII)
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&"))


def _plain_document(body: bytes, root: bytes, namespaces: list) -> bool:
    """Whether the part is UTF-8, its root element ``root`` declaring the main namespace
    as the only default namespace of the part, no prefix bound to the main namespace
    (``namespaces``: expat's (prefix, uri, offset) of each declaration), and nothing whose
    text could be mistaken for markup."""
    start = 3 if body.startswith(b"\xef\xbb\xbf") else 0
    if body.startswith(b"<?", start):
        declaration = _DECLARATION.match(body, start)
        if declaration is None:
            return False
        start = declaration.end()
    if body.find(b"<!") >= 0 or body.find(b"<?", start) >= 0 or body.find(b"\r") >= 0:
        return False
    head = body.find(b">", start)
    if _ROOT.match(body, start, head + 1) is None or body.find(b"<" + root, start, head) < 0:
        return False
    at = body.index(b"<", start)      # the root's start tag, where expat reports its declarations
    defaults = [(uri, offset) for prefix, uri, offset in namespaces if prefix is None]
    return defaults == [(_MAIN, at)] and not any(uri in (_MAIN, _STRICT) for prefix, uri, _ in namespaces if prefix)


def entity_text(raw: str) -> str | None:
    """A matched text with its entities replaced, or None when it holds an entity the
    shortcut leaves to expat (a character reference)."""
    if _ENTITY.search(raw):
        return None
    for entity, char in _ENTITIES:
        raw = raw.replace(entity, char)
    return raw


def plain_cells(body: bytes, valid_row, namespaces: list):
    """``(cells, protected)`` when the worksheet part has the plain shape, else None (the
    expat reader decides); ``namespaces`` as ``Package.check`` gives them. Each cell is
    (reference, style, type or "", formula markup or "", value text or ""), in document
    order; the caller gives up (None) at a value whose entities ``entity_text`` leaves to
    expat. ``valid_row(text)``: whether a row number is one the expat reader takes;
    ``protected``: the sheet protection flag."""
    if not _plain_document(body, b"worksheet", namespaces):
        return None
    part = body.decode("utf-8")
    starts = _STARTS.findall(body)
    rows = _ROW.findall(part)
    if len(rows) != starts.count(b"row"):
        return None
    for attrs in rows:   # every cell has its reference, but a row's number is still checked
        number = _ROW_NUMBER.search(attrs)
        if number is not None and not valid_row(number.group(1)):
            return None
    protections = _PROTECTION.findall(part)
    if len(protections) != starts.count(b"sheetProtection"):
        return None
    protected = False
    for attrs in protections:       # the last one counts, as for the expat reader
        flag = _SHEET_ATTR.search(attrs)
        protected = flag is not None and flag.group(1).strip().lower() in ("1", "true")
    cells = _CELL.findall(part)
    return (cells, protected) if len(cells) == starts.count(b"c") else None


def plain_strings(body: bytes, namespaces: list) -> list[str] | None:
    """The shared strings (before ``_xHHHH_`` escapes are undone) when the part has the
    plain shape; None when it does not (the expat reader decides)."""
    if not _plain_document(body, b"sst", namespaces):
        return None
    found = _STRING.findall(body.decode("utf-8"))
    if len(found) != _STARTS.findall(body).count(b"si"):
        return None
    for i, raw in enumerate(found):
        if "&" in raw:
            found[i] = entity_text(raw)
            if found[i] is None:
                return None
    return found
