"""Fill generated templates as an office would: spec-driven valid values, written with
openpyxl, with the workbook's saved time set and zip timestamps fixed (deterministic)."""
from __future__ import annotations

import io
import random
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import openpyxl

from xlsx_forms import rules
from xlsx_forms.layout import form_layout
from xlsx_forms.model import Form

# Plausible sizes for a city of about 55,000 people: (low, high) per year.
RANGES = {
    "PL1.1": (6, 30), "PL1.6.a": (1, 6), "PL1.6.b": (30, 250), "PL1.6.c": (78, 98),
    "PL3.1.a": (0, 6), "PL3.1.b": (180, 260), "PL3.1.c": (90, 130), "PL3.3": (250, 380),
    "PL3.4.b": (150, 250), "PL3.4.c": (80, 120), "PL3.5.a": (92, 100), "PL3.6.a": (4, 30),
    "PL4.I.a": (1, 1), "PL4.I.b": (10, 12), "PL4.II.a": (30, 42),
    "PL5.1.a": (80, 110), "PL5.2.a": (900, 1150), "PL5.6": (40, 120), "PL5.7": (300, 900),
    "PL6.1": (10, 14), "PL7.1": (55, 98), "PL7.3": (2000, 9000), "PL7.4": (1500, 6000),
    "PL7.5": (20, 150), "PL7.6": (70, 100), "PL7.7": (12, 22), "PL7.8": (12, 22),
    "PL7.9": (8, 22), "PL7.10": (10, 160), "PL7.11": (5, 60), "PL7.12": (5, 22), "PL7.13": (20, 90),
    "PL7.14": (8, 22),
}


def valid_values(form: Form, unit: str, rnd: random.Random) -> dict[tuple[str, str], object]:
    """Values for every input the unit edits, satisfying every rule of the form."""
    editable = list(form.editable_rows(unit))
    values: dict[tuple[str, str], object] = {}
    for period in form.periods:
        # Plan 372's 2020 columns run only to March: a quarter of a year's activity (PL2's
        # too, though its label says 31/12: the sample inbox was drawn so).
        short = period.partial or period.id == "2020"
        for row in editable:
            kind = form.kind_of(row)
            values[(row.id, period.id)] = kind.behaviour.sample(kind, rnd, RANGES.get(row.id), short)
        _satisfy(form, values, period.id, {r.id for r in editable})
    return values


def _satisfy(form: Form, values: dict, period: str, editable: set[str]) -> None:
    """Adjust values until every rule holds (totals last, so they are sums of parts)."""
    for _ in range(4):
        for rule in form.rules:
            if not all(r in editable for r in rule.row_ids):
                continue
            get = {r: values[(r, period)] for r in rule.row_ids}
            for row_id, value in rules.rule_type(rule).satisfy(rule, get.get).items():
                values[(row_id, period)] = value


def write_values(template: Path, form: Form, values: dict, out: Path, *,
                 saved_at: datetime, preparer: tuple[str, str, str] | None = None,
                 notes: dict[str, str] | None = None, edit=None) -> None:
    """Save ``template`` filled with ``values`` (row_id, period) → raw value as ``out``.
    ``edit(ws, layout)`` may change cells further, as a person would."""
    layout = form_layout(form)
    wb = openpyxl.load_workbook(template)
    ws = wb[layout.sheet_name]
    for (row_id, period), value in values.items():
        cell = ws[layout.input_at(row_id, period).a1]
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # typed text stays text, even "=…"
    for key, text in (notes or {}).items():
        note = next(n for n in layout.notes if n.key == key)
        ws[note.a1].value = text
        ws[note.a1].data_type = "s"
    # The texts given, in the fields' order: fewer (or none) leave the last fields empty.
    for field, text in zip(("name", "phone", "email"), preparer or (), strict=False):
        cell = next(p for p in layout.preparer if p.field_id == field)
        ws[cell.a1].value = text
    if edit:
        edit(ws, layout)
    buf = io.BytesIO()
    wb.save(buf)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(restamp(buf.getvalue(), saved_at))


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def restamp(data: bytes, saved_at: datetime) -> bytes:
    """The same workbook with its saved time set and fixed zip entry times, so that the
    same inputs always give the same bytes."""
    stamp = saved_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", body)
            fixed = zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, body)
    return out.getvalue()
