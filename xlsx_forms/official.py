"""The city's own appendices: every form laid out exactly as its template (the same layout
and writer), issued by the city, filled with the city's figures, in one workbook to attach
to the city's report. Signed like a template (a very hidden identity sheet and document
properties under the consolidator's key), so its origin can be verified.

Pure: returns the file's bytes; which figures and remarks go in is the harvest's business
(harvest.city_appendices).
"""
from __future__ import annotations

import hashlib
import io

from .identity import layout_fingerprint, sign
from .layout import form_layout
from .model import Catalogue, Form
from .registry import Registry, Unit
from .writer import GenerateOptions, Prefill, new_workbook, write_form_sheet, write_identity

CITY_FORM = "PHU-LUC"      # the identity's form: the city's appendices together
CITY_UNIT = "thanh-pho"    # the identity's unit: the city itself


def build_city_workbook(catalogue: Catalogue, registry: Registry, sheets: list[tuple[Form, Prefill]],
                        options: GenerateOptions) -> bytes:
    """One workbook, one sheet per form of ``sheets`` (with its figures and remarks, a
    ``final`` Prefill), in that order."""
    city = Unit(code=CITY_UNIT, name=registry.issuer, kind="", email=registry.consolidator.email,
                forms=tuple(f.id for f, _ in sheets))
    buf = io.BytesIO()
    wb, fmt = new_workbook(buf, catalogue, options)
    prints = []
    for form, prefill in sheets:
        layout = form_layout(form)
        ws = wb.add_worksheet(layout.sheet_name)
        write_form_sheet(ws, fmt, catalogue, registry, city, form, layout, options, prefill)
        prints.append(f"{form.id}:{form.version}:{layout_fingerprint(layout)}")
    identity = sign(options.key, form=CITY_FORM, spec_version=1, unit=CITY_UNIT,
                    generated_at=options.generated_at.isoformat(),
                    fingerprint=hashlib.sha256("|".join(prints).encode()).hexdigest())
    write_identity(wb, identity, options.password)
    wb.set_properties({"title": f"Phụ lục thống kê - {registry.issuer}", "author": registry.consolidator.name,
                       "company": registry.issuer, "comments": catalogue.plan.reference,
                       "created": options.generated_at})
    if sheets:
        wb.worksheets()[0].activate()
    wb.close()
    return buf.getvalue()
