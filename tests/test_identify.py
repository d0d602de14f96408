"""Tampered or foreign workbooks: each is reported with its code, never attributed wrongly."""
from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import openpyxl
import pytest

from harvest.process import process
from tests.conftest import TEST_KEY


def _edit(path, change) -> bytes:
    wb = openpyxl.load_workbook(path)
    change(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_only(field, value):
    def change(wb):
        ws = wb["_cchc"]
        for r in range(1, ws.max_row + 1):
            if ws.cell(r, 1).value == field:
                ws.cell(r, 2).value = value
    return change


def _set_identity(field, value):
    def change(wb):
        _sheet_only(field, value)(wb)
        for prop in wb.custom_doc_props.props:
            if prop.name == f"cchc_{field}":
                prop.value = value
    return change


def _drop_identity(wb):
    del wb["_cchc"]
    wb.custom_doc_props.props.clear()


CASES = [
    ("untouched", lambda wb: None, None, True),
    ("unit changed", _set_identity("unit", "p-ngoc-ha"), "F-HMAC", False),
    ("form changed", _set_identity("form", "PL3"), "F-HMAC", False),
    ("hidden sheet disagrees", _sheet_only("unit", "vp"), "F-IDENTITY-MISMATCH", False),
    ("identity removed", _drop_identity, "F-NO-IDENTITY", False),
    ("label edited", lambda wb: wb["Phụ lục 1"].__setitem__("B10", "Số văn bản"), "F-LAYOUT", False),
    ("column inserted", lambda wb: wb["Phụ lục 1"].insert_cols(3), "F-LAYOUT", False),
    ("sheet renamed", lambda wb: setattr(wb["Phụ lục 1"], "title", "Sheet1"), "F-NO-SHEET", False),
]


@pytest.mark.parametrize("name, change, code, accepted", CASES, ids=[c[0] for c in CASES])
def test_tampering(generated, catalogue, registry, name, change, code, accepted):
    out, files = generated
    g = next(f for f in files if f.form == "PL1" and f.unit.code == "p-tran-phu")
    data = _edit(out / g.path, change)
    result = process("x.xlsx", data, 0, catalogue, registry, TEST_KEY)
    assert result.accepted is accepted
    codes = [i.code for i in result.issues if i.severity == "error" and i.code.startswith("F-")]
    assert codes == ([code] if code else [])
    if not accepted:
        assert result.values == {} and result.reason
    if code == "F-LAYOUT":
        assert result.issues[0].cell and "«" in result.issues[0].message


def test_unit_not_in_registry(generated, catalogue, registry):
    out, files = generated
    g = next(f for f in files if f.unit.code == "tu-phap" and f.form == "PL2")
    smaller = replace(registry, units=tuple(u for u in registry.units if u.code != "tu-phap"))
    result = process("x.xlsx", (out / g.path).read_bytes(), 0, catalogue, smaller, TEST_KEY)
    assert not result.accepted and [i.code for i in result.issues] == ["F-UNKNOWN-UNIT"]


def test_older_spec_version(generated, catalogue, registry, options):
    from xlsx_forms.identity import layout_fingerprint, sign
    from xlsx_forms.layout import form_layout
    out, files = generated
    g = next(f for f in files if f.form == "PL7")
    form = catalogue.form("PL7")
    old = sign(TEST_KEY, form="PL7", spec_version=0, unit="vhtt", generated_at=g.identity.generated_at,
               fingerprint=layout_fingerprint(form_layout(form)))
    def downgrade(wb):
        for field, value in old.items():
            _set_identity(field, value)(wb)
    result = process("x.xlsx", _edit(out / g.path, downgrade), 0, catalogue, registry, TEST_KEY)
    assert [i.code for i in result.issues] == ["F-SPEC-VERSION"]


def test_value_in_another_units_pl8_target_is_ignored(generated, catalogue, registry):
    out, files = generated
    g = next(f for f in files if f.form == "PL8" and f.unit.code == "vp")
    from xlsx_forms.layout import form_layout
    layout = form_layout(catalogue.form("PL8"))
    own, foreign = layout.input_at("PL8.1", "2011-2020").a1, layout.input_at("PL8.3", "2011-2020").a1

    def fill(wb):
        wb["Phụ lục 8"][own] = "Đạt"
        wb["Phụ lục 8"][foreign] = "Không đạt"
    result = process("x.xlsx", _edit(out / g.path, fill), 0, catalogue, registry, TEST_KEY)
    assert ("PL8.3", "2011-2020") not in result.values
    assert result.values[("PL8.1", "2011-2020")].value == "Đạt"
    flagged = [i for i in result.issues if i.code == "V-NOT-RESPONSIBLE"]
    assert [(i.cell, i.severity) for i in flagged] == [(foreign, "warning")] and "Ban TC-NV" in flagged[0].message


def test_macro_enabled_workbook_is_read_with_a_warning(generated, catalogue, registry):
    out, files = generated
    g = next(f for f in files if f.form == "PL2")
    src = zipfile.ZipFile(out / g.path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr("xl/vbaProject.bin", b"\x00" * 64)
    result = process("Phụ lục 2.xlsm", buf.getvalue(), 0, catalogue, registry, TEST_KEY)
    assert result.accepted and "F-MACRO" in [i.code for i in result.issues]


@pytest.mark.parametrize("name, data, fragment", [
    ("empty.xlsx", b"", "tệp rỗng"),
    ("text.xlsx", "Báo cáo".encode(), "không phải sổ Excel"),
    ("truncated.xlsx", None, "bị hỏng hoặc bị cắt cụt"),
    ("report.xlsx", b"%PDF-1.4\n", "tệp PDF"),
])
def test_not_a_workbook(generated, catalogue, registry, name, data, fragment):
    out, files = generated
    if data is None:
        data = (out / files[0].path).read_bytes()[:3000]
    result = process(name, data, 0, catalogue, registry, TEST_KEY)
    assert not result.accepted
    assert [i.code for i in result.issues] == ["F-UNREADABLE"] and fragment in result.issues[0].message
    assert result.issues[0].message.startswith(name + ": ")
