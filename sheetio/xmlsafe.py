"""Parsing untrusted XML with expat, in one pass, with no DTD and no entities.

Every XML part of a returned workbook goes through ``parse``: the document type
declaration, entity declarations and external entities are refused by the parser itself
(so no spelling, encoding or prefix can slip one past a byte scan), and the parse is
linear in the size of the part, which the package layer has already bounded.
"""
from __future__ import annotations

import xml.parsers.expat as expat
from collections.abc import Callable

SEP = "}"   # expat joins namespace and local name with this: "uri}name"


class XmlRefused(Exception):
    """The XML part is refused or malformed; the message says why (Vietnamese)."""


def _refuse_dtd(*_args) -> None:
    raise XmlRefused("có khai báo DTD/thực thể XML (bị chặn vì an toàn)")


def parse(body: bytes, start: Callable[[str, dict], None] | None = None,
          end: Callable[[str], None] | None = None, text: Callable[[str], None] | None = None,
          namespaces: list | None = None) -> None:
    """Parse ``body`` calling ``start(name, attrs)``, ``end(name)`` and ``text(data)``, where
    names are ``"namespace}local"`` (or just ``local`` without a namespace). Raises
    ``XmlRefused`` for a DTD, an entity, or XML that is not well formed."""
    p = expat.ParserCreate(namespace_separator=SEP)
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.StartDoctypeDeclHandler = _refuse_dtd
    p.EntityDeclHandler = _refuse_dtd
    p.ExternalEntityRefHandler = _refuse_dtd
    p.buffer_text = True
    p.ordered_attributes = False
    if start:
        p.StartElementHandler = start
    if end:
        p.EndElementHandler = end
    if text:
        p.CharacterDataHandler = text
    if namespaces is not None:
        p.StartNamespaceDeclHandler = lambda prefix, uri: namespaces.append((prefix, uri, p.CurrentByteIndex))
    try:
        p.Parse(body, True)
    except expat.ExpatError as exc:
        raise XmlRefused(f"XML sai cấu trúc ở dòng {exc.lineno}, cột {exc.offset}") from None


def local(name: str) -> str:
    """The local part of an expat name (``"uri}c"`` → ``"c"``)."""
    return name.rpartition(SEP)[2]


def attr(attrs: dict, name: str, default: str | None = None) -> str | None:
    """An attribute by local name, whatever namespace prefix it was written with."""
    if name in attrs:
        return attrs[name]
    for key, value in attrs.items():
        if key.rpartition(SEP)[2] == name:
            return value
    return default
