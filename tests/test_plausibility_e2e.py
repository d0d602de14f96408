"""Plausibility and PL8-evidence warnings end to end: generate → fill with planted outliers →
harvest → issues.csv, the summary's Vấn đề sheet → feedback workbooks that ask "xin xác
nhận" in their own colour, without counting the unit as Có lỗi."""
from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default

import openpyxl
import pytest
from click.testing import CliRunner

from cchc.cli import cli
from samples.fill import valid_values, write_values
from tests.conftest import TEST_KEY
from xlsx_forms.layout import form_layout
from xlsx_forms.styles import CONFIRM_FILL, FIX_FILL

VN = timezone(timedelta(hours=7))
PLAUSIBILITY = ("P-YEAR-JUMP", "P-UNIT-OUTLIER", "P-MAGNITUDE", "P-PL8-CONTRADICTED", "P-PL8-UNDERRATED")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _csv(path):
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def _at(catalogue, form_id, row_id, period):
    return form_layout(catalogue.form(form_id)).input_at(row_id, period).a1


@pytest.fixture(scope="module")
def loop(tmp_path_factory, catalogue, registry):
    """The harvest and feedback of a city whose returns hold planted implausible values."""
    tmp = tmp_path_factory.mktemp("plausible")
    key_file = tmp / "hmac.key"
    key_file.write_text(TEST_KEY.hex())
    templates = tmp / "templates"
    assert run("generate", "--key-file", key_file, "--out", templates).exit_code == 0
    planted = {
        # A ward's count ten times its own other years and its peers': and an error elsewhere.
        ("p-quang-trung", "PL1"): {("PL1.1", "2018"): 900, ("PL1.6.a", "2019"): 0, ("PL1.6.c", "2019"): 85},
        # An office's documents beyond what a unit could report (and beyond its own years).
        ("vhtt", "PL7"): {("PL7.3", "2019"): 150_000, ("PL7.1", "2020"): 70},
        # Ratings against the city's figures: satisfaction 70% in 2020, documents 70% electronic.
        ("vp", "PL8"): {("PL8.2", "2011-2020"): "Không đạt", ("PL8.5", "2011-2020"): "Đạt",
                        ("PL8.11", "2011-2020"): "Không đạt"},
        ("vhtt", "PL8"): {("PL8.8", "2011-2020"): "Đạt", ("PL8.13", "2011-2020"): "Không đạt"},
    }
    inbox = tmp / "inbox"
    for unit in registry.units:
        for form_id in [f for f in unit.forms if f in ("PL1", "PL7", "PL8")]:
            form = catalogue.form(form_id)
            values = valid_values(form, unit.code, random.Random(f"{unit.code}/{form_id}"))
            if form_id == "PL1":
                values[("PL1.6.c", "2020")] = 70.0
            values.update(planted.get((unit.code, form_id), {}))
            write_values(templates / unit.code / f"{form_id}_{unit.code}.xlsx", form, values,
                         inbox / f"{form_id} {unit.name}.xlsx", saved_at=datetime(2020, 3, 20, 9, tzinfo=VN))
    summary = tmp / "summary"
    assert run("harvest", inbox, "--key-file", key_file, "--out", summary).exit_code == 0
    result = run("feedback", "--summary", summary, "--key-file", key_file, "--out", tmp / "feedback",
                 "--outbox", tmp / "outbox")
    assert result.exit_code == 0, result.output
    return tmp, summary


def test_the_planted_values_and_only_they_are_in_issues_csv(loop, catalogue):
    _, summary = loop
    got = {(r["code"], r["unit_code"], r["form"], r["cell"], r["severity"]) for r in _csv(summary / "issues.csv")
           if r["code"] in PLAUSIBILITY}
    assert got == {
        ("P-YEAR-JUMP", "p-quang-trung", "PL1", _at(catalogue, "PL1", "PL1.1", "2018"), "warning"),
        ("P-UNIT-OUTLIER", "p-quang-trung", "PL1", _at(catalogue, "PL1", "PL1.1", "2018"), "warning"),
        ("P-YEAR-JUMP", "vhtt", "PL7", _at(catalogue, "PL7", "PL7.3", "2019"), "warning"),
        ("P-MAGNITUDE", "vhtt", "PL7", _at(catalogue, "PL7", "PL7.3", "2019"), "warning"),
        ("P-PL8-CONTRADICTED", "vp", "PL8", _at(catalogue, "PL8", "PL8.5", "2011-2020"), "warning"),
        ("P-PL8-CONTRADICTED", "vhtt", "PL8", _at(catalogue, "PL8", "PL8.8", "2011-2020"), "warning"),
    }
    messages = {r["code"] + r["unit_code"]: r["message"] for r in _csv(summary / "issues.csv")}
    assert "150000 lớn hơn mức một đơn vị thường có thể báo cáo (100000)" in messages["P-MAGNITUDE" + "vhtt"]
    assert "Năm 2020 (Tính đến 23/3): 70%" in messages["P-PL8-CONTRADICTED" + "vp"]


def test_they_are_in_the_summary_issues_sheet(loop):
    _, summary = loop
    ws = openpyxl.load_workbook(summary / "tong-hop-cchc.xlsx", read_only=True)["Vấn đề"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    shown = {(r[1], r[2]) for r in rows if r[1] in PLAUSIBILITY}   # a person reads unit names
    ward, office, vhtt = "UBND phường Quang Trung", "Văn phòng HĐND-UBND thành phố", "Phòng Văn hóa - Thông tin"
    assert shown == {("P-YEAR-JUMP", ward), ("P-UNIT-OUTLIER", ward), ("P-YEAR-JUMP", vhtt), ("P-MAGNITUDE", vhtt),
                     ("P-PL8-CONTRADICTED", office), ("P-PL8-CONTRADICTED", vhtt)}
    assert all(r[0] == "Cảnh báo" for r in rows if r[1] in PLAUSIBILITY)


def test_values_to_confirm_do_not_make_a_unit_wrong(loop):
    _, summary = loop
    status = {(r["unit_code"], r["form"]): r["status"] for r in _csv(summary / "status.csv")}
    assert status[("vhtt", "PL7")] == status[("vp", "PL8")] == status[("vhtt", "PL8")] == "Đã nộp"
    assert status[("p-quang-trung", "PL1")] == "Có lỗi"


def _fill_rgb(cell) -> str:
    return cell.fill.fgColor.rgb[-6:]


def test_feedback_workbook_asks_to_confirm_beside_the_errors(loop, catalogue):
    tmp, _ = loop
    layout = form_layout(catalogue.form("PL1"))
    sua_loi = tmp / "feedback" / "p-quang-trung" / "PL1_p-quang-trung_sua-loi.xlsx"
    ws = openpyxl.load_workbook(sua_loi)[layout.sheet_name]
    confirm = ws[_at(catalogue, "PL1", "PL1.1", "2018")]
    assert confirm.value == 900 and _fill_rgb(confirm) == CONFIRM_FILL.lstrip("#")
    assert confirm.comment.text.startswith("Xin xác nhận (P-")
    assert "Xin xác nhận (P-YEAR-JUMP)" in confirm.comment.text
    assert "Xin xác nhận (P-UNIT-OUTLIER)" in confirm.comment.text
    error = ws[_at(catalogue, "PL1", "PL1.6.c", "2019")]
    assert _fill_rgb(error) == FIX_FILL.lstrip("#") and error.comment.text.startswith("Lỗi (PL1-R02)")


@pytest.mark.parametrize("unit, form_id, row, period", [
    ("vhtt", "PL7", "PL7.3", "2019"), ("vhtt", "PL8", "PL8.8", "2011-2020"), ("vp", "PL8", "PL8.5", "2011-2020")])
def test_a_unit_with_only_values_to_confirm_gets_a_workbook_without_errors(loop, catalogue, unit, form_id, row, period):
    tmp, _ = loop
    layout = form_layout(catalogue.form(form_id))
    ws = openpyxl.load_workbook(tmp / "feedback" / unit / f"{form_id}_{unit}_sua-loi.xlsx")[layout.sheet_name]
    asked = ws[_at(catalogue, form_id, row, period)]
    assert _fill_rgb(asked) == CONFIRM_FILL.lstrip("#") and asked.comment.text.startswith("Xin xác nhận (P-")
    marked = [c for cells in ws.iter_rows() for c in cells if c.comment is not None]
    assert marked == [asked]   # its other warnings are not sent back for this
    assert not [c for cells in ws.iter_rows() for c in cells
                if c.fill.fgColor.rgb and c.fill.fgColor.rgb.endswith(FIX_FILL.lstrip("#"))]


def test_letters_say_please_confirm_and_errors_apart(loop):
    tmp, _ = loop
    def body(unit):
        msg = message_from_bytes((tmp / "outbox" / f"phan-hoi-{unit}.eml").read_bytes(), policy=default)
        return msg.get_body(("plain",)).get_content()
    vhtt = body("vhtt")
    assert "xin đơn vị xác nhận" in vhtt and "Phụ lục 7" in vhtt and "1 ô xin xác nhận" in vhtt
    assert "Số liệu còn lỗi" not in vhtt and "có nền xanh lam nhạt" in vhtt
    both = body("p-quang-trung")
    assert "Số liệu còn lỗi cần sửa ở" in both and "1 ô xin xác nhận" in both


def test_a_cell_both_wrong_and_unusual_is_marked_as_wrong_with_both_comments(catalogue, registry, options):
    from xlsx_forms.writer import Prefill, build_workbook
    form = catalogue.form("PL1")
    key = ("PL1.1", "2018")
    data, _ = build_workbook(catalogue, registry, registry.unit("p-ngoc-ha"), form, options, Prefill(
        values={key: 900}, problems={key: "Lỗi (V-…): sửa"}, confirm={key: "Xin xác nhận (P-YEAR-JUMP): …",
                                                                    ("PL1.1", "2019"): "Xin xác nhận (P-…)"}))
    ws = openpyxl.load_workbook(io.BytesIO(data))[form_layout(form).sheet_name]
    both = ws[_at(catalogue, "PL1", *key)]
    assert _fill_rgb(both) == FIX_FILL.lstrip("#")
    assert both.comment.text == "Lỗi (V-…): sửa\nXin xác nhận (P-YEAR-JUMP): …"
    assert _fill_rgb(ws[_at(catalogue, "PL1", "PL1.1", "2019")]) == CONFIRM_FILL.lstrip("#")
    assert ws[_at(catalogue, "PL1", "PL1.1", "2019")].protection.locked is False
