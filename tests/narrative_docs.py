"""Make narrative reports for the tests: a unit's template filled the way a clerk fills it
in Word (python-docx), and the hostile variants. Each maker returns bytes."""
from __future__ import annotations

import io
import zipfile

from samples.report_fill import fill  # noqa: F401 - re-exported for the tests
from xlsx_forms.outline import Outline
from xlsx_forms.registry import Registry
from xlsx_forms.report_doc import build_report

from .conftest import FIXED_TIME


def template(outline: Outline, registry: Registry, unit: str, key: bytes) -> bytes:
    """The unit's report template as generate writes it."""
    return build_report(outline, registry, registry.unit(unit), key, FIXED_TIME, 2020)[0]


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
