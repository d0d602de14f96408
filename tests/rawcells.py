"""Returned files with values no office suite writes, as an adversary edits them: the
workbook is filled with placeholders (samples.fill), then each placeholder is replaced
in the raw XML by a number such as NaN or 1e308, or by a text holding control
characters (written as Excel writes them, ``_x001B_``), bidi overrides and the like."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

from samples.fill import write_values
from xlsx_forms.layout import form_layout
from xlsx_forms.model import Form


def xml_text(text: str) -> bytes:
    """``text`` as the content of an XML element: markup escaped, characters XML 1.0
    cannot hold written as Excel's ``_xHHHH_`` escapes (which readers decode)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in "&<>":
            out.append({"&": "&amp;", "<": "&lt;", ">": "&gt;"}[ch])
        elif (code < 0x20 and ch not in "\t\n") or code == 0x0D or 0xD800 <= code <= 0xDFFF \
                or code in (0xFFFE, 0xFFFF):
            out.append(f"_x{code:04X}_")
        else:
            out.append(ch)
    return "".join(out).encode("utf-8")


def replace_raw(data: bytes, replacements: dict[bytes, bytes]) -> bytes:
    """``data`` (an .xlsx) with each placeholder replaced in every XML part; each
    placeholder must be found."""
    src = zipfile.ZipFile(io.BytesIO(data))
    seen = set()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.endswith(".xml"):
                for old, new in replacements.items():
                    if old in body:
                        body = body.replace(old, new)
                        seen.add(old)
            dst.writestr(info, body)
    missing = set(replacements) - seen
    assert not missing, f"placeholders not found: {missing}"
    return out.getvalue()


def hostile_file(template: Path, form: Form, values: dict, out: Path, *, saved_at: datetime,
                 numbers: dict[str, bytes] | None = None, texts: dict[str, str] | None = None,
                 notes: dict[str, str] | None = None, preparer: tuple[str, str, str] | None = None) -> None:
    """Write ``template`` filled with ``values`` to ``out``, then put into the XML:
    ``numbers`` (cell address → the raw text of a number element, e.g. b"NaN"),
    ``texts`` (cell address → a text typed into an input cell), ``notes`` (note key →
    text) and the ``preparer`` texts (name, phone, e-mail)."""
    layout = form_layout(form)
    at = {c.a1: (c.row_id, c.period_id) for c in layout.inputs}
    values = dict(values)
    swaps: dict[bytes, bytes] = {}
    for i, (address, raw) in enumerate((numbers or {}).items()):
        placeholder = 7_770_001 + i
        values[at[address]] = placeholder
        swaps[f"<v>{placeholder}</v>".encode()] = b"<v>" + raw + b"</v>"
    for i, (address, text) in enumerate((texts or {}).items()):
        values[at[address]] = f"PHTEXT{i:04d}"
        swaps[f"PHTEXT{i:04d}".encode()] = xml_text(text)
    note_marks = {key: f"PHNOTE{i:04d}" for i, key in enumerate(notes or {})}
    swaps.update({mark.encode(): xml_text(notes[key]) for key, mark in note_marks.items()})
    prep_marks = tuple(f"PHPREP{i:04d}" for i in range(3)) if preparer else None
    if preparer:
        swaps.update({m.encode(): xml_text(t) for m, t in zip(prep_marks, preparer, strict=True)})
    write_values(template, form, values, out, saved_at=saved_at, notes=note_marks, preparer=prep_marks)
    out.write_bytes(replace_raw(out.read_bytes(), swaps))   # zip entries keep their fixed times
