"""Tampered returns: values never go to the wrong row or unit."""
from __future__ import annotations

import io
import os
import random

import openpyxl
import pytest

from harvest import intake
from harvest.inbox import scan
from harvest.intake import read_one
from harvest.process import process
from samples.fill import valid_values
from tests.conftest import TEST_KEY
from xlsx_forms.layout import form_layout


@pytest.fixture()
def filled(generated, catalogue):
    """(workbook, typed values) of a filled PL3 for Văn phòng."""
    out, files = generated
    g = next(f for f in files if f.form == "PL3")
    form = catalogue.form("PL3")
    values = valid_values(form, "vp", random.Random(1))
    wb = openpyxl.load_workbook(out / g.path)
    layout = form_layout(form)
    for (row_id, period), v in values.items():
        wb[layout.sheet_name][layout.input_at(row_id, period).a1] = v
    return wb, values


def _bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _run(data, catalogue, registry, name="x.xlsx"):
    return process(name, data, 0, catalogue, registry, TEST_KEY)


def test_inserted_row_is_read_by_label_with_a_warning(filled, catalogue, registry):
    wb, values = filled
    ws = wb["Phụ lục 3"]
    ws.insert_rows(16)            # a blank row between rows 2 and 3 of the table
    ws["B16"] = "Dòng thêm của đơn vị"
    ws["D16"] = 999
    result = _run(_bytes(wb), catalogue, registry)
    assert result.accepted
    assert [i.code for i in result.issues if i.code.startswith("F-")] == ["F-SHIFTED"]
    got = {k: v.value for k, v in result.values.items()}
    assert got == values          # 999 went nowhere; every value to its own row
    assert result.values[("PL3.3", "2015")].cell == "D17"   # found one row lower
    assert result.values[("PL3.2", "2015")].cell == "D15"


def test_deleted_row_is_refused(filled, catalogue, registry):
    wb, _ = filled
    wb["Phụ lục 3"].delete_rows(15)
    result = _run(_bytes(wb), catalogue, registry)
    assert not result.accepted and result.values == {}
    assert [(i.code, i.cell) for i in result.issues] == [("F-LAYOUT", "A15")]  # STT "2." is now "3."


def test_identity_copied_into_another_units_workbook(generated, catalogue, registry):
    out, files = generated
    mine = openpyxl.load_workbook(out / next(g.path for g in files if g.unit.code == "p-ngoc-ha"))
    other = openpyxl.load_workbook(out / next(g.path for g in files if g.unit.code == "p-tran-phu" and g.form == "PL1"))
    for r in range(1, 8):
        mine["_cchc"].cell(r, 2).value = other["_cchc"].cell(r, 2).value
    mine.custom_doc_props = other.custom_doc_props
    result = _run(_bytes(mine), catalogue, registry)
    assert not result.accepted
    assert [i.code for i in result.issues] == ["F-UNIT-NAME"]
    assert "UBND PHƯỜNG NGỌC HÀ" in result.issues[0].message and "UBND PHƯỜNG TRẦN PHÚ" in result.issues[0].message


def test_protection_removed_and_sheet_added_are_warnings(filled, catalogue, registry):
    wb, values = filled
    wb["Phụ lục 3"].protection.sheet = False
    wb.create_sheet("Nháp")
    result = _run(_bytes(wb), catalogue, registry)
    assert result.accepted and {k: v.value for k, v in result.values.items()} == values
    codes = {i.code: i for i in result.issues if i.code.startswith("F-")}
    assert set(codes) == {"F-UNPROTECTED", "F-EXTRA-SHEET"} and "«Nháp»" in codes["F-EXTRA-SHEET"].message


def test_instructions_sheet_deleted_is_fine(filled, catalogue, registry):
    wb, values = filled
    del wb["Hướng dẫn"]
    result = _run(_bytes(wb), catalogue, registry)
    assert result.accepted and {k: v.value for k, v in result.values.items()} == values


@pytest.mark.parametrize("text", ["=1+1", "+84 219", "-5% so với 2019", "@SUM(A1)", "=cmd|' /C calc'!A0"])
def test_formula_like_text_stays_inert_everywhere(generated, catalogue, registry, tmp_path, text):
    from datetime import date

    from harvest.run import harvest
    out, files = generated
    g = next(f for f in files if f.form == "PL2")
    layout = form_layout(catalogue.form("PL2"))
    wb = openpyxl.load_workbook(out / g.path)
    ws = wb[layout.sheet_name]
    for cell in (ws[layout.notes[0].a1], ws[layout.preparer[0].a1], ws[layout.input_at("PL2.7", "2015").a1]):
        cell.value = text
        cell.data_type = "s"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "pl2.xlsx").write_bytes(_bytes(wb))
    result = harvest(inbox, tmp_path / "out", catalogue, registry, TEST_KEY, date(2020, 3, 23))
    values = (tmp_path / "out" / "values.csv").read_bytes().decode("utf-8-sig")
    assert f",'{text}," in values or f",\"'{text}\"," in values
    assert f",{text}," not in values
    summary = openpyxl.load_workbook(tmp_path / "out" / "tong-hop-cchc.xlsx")
    cells = [c for s in summary.worksheets for row in s.iter_rows() for c in row if c.value == text]
    assert cells and all(c.data_type == "s" for c in cells)     # preparer, raw value: as text
    assert any(i.code == "V-NOT-NUMBER" for i in result.issues)


def test_unreadable_file_is_reported(generated, catalogue, registry, tmp_path, monkeypatch):
    (tmp_path / "khóa.xlsx").write_bytes(b"x")
    real = os.open

    def denied(path, *args, **kwargs):
        if os.fspath(path).endswith("khóa.xlsx"):
            raise PermissionError(13, "Permission denied")
        return real(path, *args, **kwargs)
    monkeypatch.setattr(os, "open", denied)
    result = read_one(scan(tmp_path)[0], catalogue, registry, TEST_KEY)
    assert not result.accepted and "không có quyền đọc" in result.issues[0].message


def test_file_changing_while_read(catalogue, registry, tmp_path, monkeypatch):
    path = tmp_path / "đang chép.xlsx"
    path.write_bytes(b"PK\x03\x04 partial")
    real = intake._read_at_most

    def growing(fd, limit):
        data = real(fd, limit)
        with open(path, "ab") as fh:
            fh.write(b"more")   # still being copied
        return data
    monkeypatch.setattr(intake, "_read_at_most", growing)
    result = read_one(scan(tmp_path)[0], catalogue, registry, TEST_KEY)
    assert "đang thay đổi trong khi đọc" in result.reason
    assert "đang thay đổi trong khi đọc" in result.issues[0].message


def test_title_edited_is_a_layout_change_not_a_shift(filled, catalogue, registry):
    # Found by fuzzing: every row in place but another locked text changed.
    wb, _ = filled
    wb["Phụ lục 3"]["A5"] = "Một tiêu đề khác"
    result = _run(_bytes(wb), catalogue, registry)
    assert not result.accepted and [(i.code, i.cell) for i in result.issues] == [("F-LAYOUT", "A5")]
