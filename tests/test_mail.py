"""cchc mail and feedback against a real SMTP server on loopback."""
from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cchc.cli import cli
from samples.fill import valid_values, write_values
from tests import smtpd
from tests.conftest import TEST_KEY
from xlsx_forms.layout import form_layout

VN = timezone(timedelta(hours=7))


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.fixture()
def key_file(tmp_path):
    path = tmp_path / "hmac.key"
    path.write_text(TEST_KEY.hex())
    return path


@pytest.fixture()
def templates(tmp_path, key_file):
    out = tmp_path / "templates"
    assert run("generate", "--key-file", key_file, "--out", out).exit_code == 0
    return out


@pytest.fixture()
def server():
    handler = smtpd.Recorder()
    controller = smtpd.start(handler)
    yield handler, f"127.0.0.1:{controller.port}"
    controller.stop()


def _eml(path: Path):
    return message_from_bytes(path.read_bytes(), policy=default)


def test_mail_writes_one_eml_per_unit_with_its_workbooks(templates, tmp_path, registry):
    outbox = tmp_path / "outbox"
    result = run("mail", "--templates", templates, "--out", outbox)
    assert result.exit_code == 0 and "Đã ghi 15 thư" in result.output
    msg = _eml(outbox / "mau-tcnv.eml")
    assert msg["To"].addresses[0].addr_spec == registry.unit("tcnv").email
    assert msg["To"].addresses[0].display_name == "Ban Tổ chức - Nội vụ"
    assert msg["Subject"] == "[CCHC 2011-2020] Gửi biểu mẫu – Ban Tổ chức - Nội vụ"
    assert msg["Reply-To"].addresses[0].addr_spec == registry.consolidator.email
    body = msg.get_body(("plain",)).get_content()
    assert "Kính gửi: Ban Tổ chức - Nội vụ" in body and "chậm nhất ngày 23/3/2020" in body
    assert "Phụ lục 4: Thống kê và so sánh số lượng tổ chức cơ quan, đơn vị" in body
    names = {a.get_filename(): a.get_content() for a in msg.iter_attachments()}
    assert sorted(names) == ["PL1_tcnv.xlsx", "PL4_tcnv.xlsx", "PL5_tcnv.xlsx", "PL6_tcnv.xlsx", "PL8_tcnv.xlsx",
                             "bao-cao_tcnv.docx"]   # the narrative report's template goes with them
    assert "Báo cáo tổng kết Chương trình tổng thể cải cách hành chính" in body and "giữ nguyên các đề mục" in body
    assert names["PL5_tcnv.xlsx"] == (templates / "tcnv" / "PL5_tcnv.xlsx").read_bytes()
    raw = (outbox / "mau-tcnv.eml").read_bytes()
    assert raw.isascii()  # RFC 5322 on the wire: UTF-8 only through encoded words and MIME


def test_send_delivers_each_message_once(templates, tmp_path, server, registry):
    handler, address = server
    outbox = tmp_path / "outbox"
    result = run("mail", "--templates", templates, "--out", outbox, "--send", "--smtp", address, "--security", "none")
    assert result.exit_code == 0, result.output
    assert "Đã gửi 15 thư." in result.output
    to = sorted(r for _, rcpt, _ in handler.messages for r in rcpt)
    assert to == sorted(u.email for u in registry.units)
    _, _, vp = next(m for m in handler.messages if m[1] == [registry.unit("vp").email])
    got = {a.get_filename(): a.get_content() for a in vp.iter_attachments()}
    assert got["PL3_vp.xlsx"] == (templates / "vp" / "PL3_vp.xlsx").read_bytes()
    again = run("mail", "--templates", templates, "--out", outbox, "--send", "--smtp", address, "--security", "none")
    assert again.exit_code == 0 and "Đã gửi 0 thư." in again.output
    assert len(handler.messages) == 15
    with open(outbox / "sent.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 15 and {r["status"] for r in rows} == {"sent"}


def test_refused_recipient_is_reported_then_sent_later(templates, tmp_path, server, registry):
    handler, address = server
    refused = registry.unit("p-ngoc-ha").email
    handler.refuse.add(refused)
    outbox = tmp_path / "outbox"
    args = ("mail", "--templates", templates, "--out", outbox, "--send", "--smtp", address, "--security", "none",
            "--retry-delay", "0")
    first = run(*args)
    assert first.exit_code == 1
    assert "Đã gửi 14 thư, 1 thư chưa gửi được:" in first.output
    assert "mau-p-ngoc-ha.eml: máy chủ từ chối người nhận" in first.output and "550" in first.output
    handler.refuse.clear()
    second = run(*args)
    assert second.exit_code == 0 and "Đã gửi 1 thư." in second.output
    assert sorted(r for _, rcpt, _ in handler.messages for r in rcpt).count(refused) == 1
    assert len(handler.messages) == 15


def test_dropped_connection_is_retried_not_lost(templates, tmp_path, server, registry):
    handler, address = server
    handler.drop_once.add(registry.unit("vhtt").email)
    outbox = tmp_path / "outbox"
    result = run("mail", "--templates", templates, "--out", outbox, "--send", "--smtp", address,
                 "--security", "none", "--retry-delay", "0.05")
    assert result.exit_code == 0, result.output
    assert "Đã gửi 15 thư." in result.output
    assert [r for _, rcpt, _ in handler.messages for r in rcpt].count(registry.unit("vhtt").email) == 1


def test_login_from_the_environment(templates, tmp_path):
    from aiosmtpd.smtp import AuthResult
    handler = smtpd.Recorder()

    def authenticator(server, session, envelope, mechanism, auth_data):
        handler.logins.append(auth_data.login.decode())
        ok = auth_data.password == b"bi-mat-2020"
        return AuthResult(success=ok, handled=ok)   # not handled: aiosmtpd answers 535 itself
    controller = smtpd.start(handler, authenticator=authenticator, auth_require_tls=False)
    try:
        outbox = tmp_path / "outbox"
        base = ("mail", "--templates", templates, "--out", outbox, "--send", "--smtp",
                f"127.0.0.1:{controller.port}", "--security", "none", "--user", "bantcnv")
        missing = run(*base)
        assert missing.exit_code == 2 and "CCHC_SMTP_PASSWORD" in missing.output
        assert not outbox.exists()   # refused before anything is written
        accented = run(*base, env={"CCHC_SMTP_PASSWORD": "bí mật"})
        assert accented.exit_code == 2 and "ngoài bảng mã ASCII" in accented.output
        wrong = run(*base, env={"CCHC_SMTP_PASSWORD": "sai"})
        assert wrong.exit_code == 2 and "kiểm tra --user và mật khẩu trong biến CCHC_SMTP_PASSWORD" in wrong.output
        # One connection (smtplib tries each mechanism the server offers once), not one per letter.
        assert set(handler.logins) == {"bantcnv"} and len(handler.logins) <= 2 and not handler.messages
        handler.logins.clear()
        result = run(*base, env={"CCHC_SMTP_PASSWORD": "bi-mat-2020"})
        assert result.exit_code == 0, result.output
        assert handler.logins and set(handler.logins) == {"bantcnv"} and len(handler.messages) == 15
    finally:
        controller.stop()


def _fill(templates, catalogue, unit, form_id, target, when, changes=None):
    """Fill a template with valid values, then ``changes``; return the valid values."""
    form = catalogue.form(form_id)
    valid = valid_values(form, unit, random.Random(sum(map(ord, unit + form_id))))
    write_values(templates / unit / f"{form_id}_{unit}.xlsx", form, {**valid, **(changes or {})}, target,
                 saved_at=when)
    return valid


def _report(templates, catalogue, unit, target, when):
    """The unit's narrative report (its template, every section written) saved as ``target``."""
    from samples.report_fill import fill
    outline = catalogue.outline
    data = (templates / unit / f"bao-cao_{unit}.docx").read_bytes()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(fill(data, outline, {s.id: f"Nội dung mục {s.number}" for s in outline.sections},
                            drop_guidance=True, saved_at=when))


def test_reminders_list_exactly_what_is_missing_or_wrong(templates, tmp_path, key_file, catalogue):
    inbox = tmp_path / "inbox"
    when = datetime(2020, 3, 20, 9, tzinfo=VN)
    for unit in ("vp", "tu-phap", "tckh", "kinh-te", "ttvhttdl", "p-quang-trung", "p-tran-phu", "p-nguyen-trai",
                 "p-minh-khai", "p-ngoc-ha", "x-ngoc-duong", "x-phuong-do", "x-phuong-thien", "tcnv", "vhtt"):
        _fill(templates, catalogue, unit, "PL1", inbox / f"{unit}.xlsx", when)
        _report(templates, catalogue, unit, inbox / f"bao-cao {unit}.docx", when)
    _fill(templates, catalogue, "tu-phap", "PL2", inbox / "pl2.xlsx", when,
          {("PL2.3", "2019"): 99, ("PL2.2", "2019"): 1})
    for form_id in ("PL4", "PL5", "PL6", "PL8"):
        _fill(templates, catalogue, "tcnv", form_id, inbox / f"tcnv-{form_id}.xlsx", when)
    summary = tmp_path / "summary"
    assert run("harvest", inbox, "--key-file", key_file, "--out", summary).exit_code == 0
    outbox = tmp_path / "outbox"
    result = run("mail", "--reminders", "--summary", summary, "--templates", templates, "--out", outbox)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in outbox.glob("*.eml")) == ["nhac-tu-phap.eml", "nhac-vhtt.eml", "nhac-vp.eml"]
    vp = _eml(outbox / "nhac-vp.eml")
    body = vp.get_body(("plain",)).get_content()
    assert "Phụ lục 3:" in body and "Phụ lục 8:" in body and "Phụ lục 1:" not in body
    assert sorted(a.get_filename() for a in vp.iter_attachments()) == ["PL3_vp.xlsx", "PL8_vp.xlsx"]
    tp = _eml(outbox / "nhac-tu-phap.eml").get_body(("plain",)).get_content()
    assert "đã nộp nhưng còn lỗi" in tp and "Phụ lục 2:" in tp and "PL2.3" not in tp and "H17" in tp
    assert "[CCHC 2011-2020] Nhắc nộp báo cáo" in str(_eml(outbox / "nhac-vhtt.eml")["Subject"])


def test_correction_loop_end_to_end(templates, tmp_path, key_file, catalogue, registry):
    """generate → fill with errors → harvest → feedback → correct the pre-filled file → harvest → clean."""
    inbox = tmp_path / "inbox"
    first = datetime(2020, 3, 18, 9, tzinfo=VN)
    valid = _fill(templates, catalogue, "vp", "PL3", inbox / "PL3 văn phòng.xlsx", first,
                  {("PL3.6.a", "2019"): 10, ("PL3.6.b", "2019"): 14, ("PL3.1.b", "2018"): "1,234"})
    summary = tmp_path / "summary"
    assert run("harvest", inbox, "--key-file", key_file, "--out", summary).exit_code == 0
    status = {(r["unit_code"], r["form"]): r["status"] for r in csv.DictReader(
        io.StringIO((summary / "status.csv").read_bytes().decode("utf-8-sig")))}
    assert status[("vp", "PL3")] == "Có lỗi"
    result = run("feedback", "--summary", summary, "--key-file", key_file, "--out", tmp_path / "feedback",
                 "--outbox", tmp_path / "outbox")
    assert result.exit_code == 0, result.output
    assert "Đã tạo 1 biểu mẫu cần sửa cho 1 đơn vị" in result.output
    fixed_path = tmp_path / "feedback" / "vp" / "PL3_vp_sua-loi.xlsx"
    layout = form_layout(catalogue.form("PL3"))
    wb = openpyxl.load_workbook(fixed_path)
    ws = wb[layout.sheet_name]
    received, resolved = layout.input_at("PL3.6.a", "2019").a1, layout.input_at("PL3.6.b", "2019").a1
    ambiguous = layout.input_at("PL3.1.b", "2018").a1
    # Pre-filled with what the unit sent, problem cells highlighted and commented.
    assert ws[received].value == 10 and ws[resolved].value == 14 and ws[ambiguous].value == "1,234"
    assert ws[layout.input_at("PL3.1", "2015").a1].value == valid[("PL3.1", "2015")]
    assert "PL3-R04" in ws[resolved].comment.text and "không được lớn hơn" in ws[resolved].comment.text
    assert "V-AMBIGUOUS" in ws[ambiguous].comment.text
    assert ws[resolved].fill.fgColor.rgb.endswith("FF9999")
    assert ws[received].comment is None
    letter = _eml(tmp_path / "outbox" / "phan-hoi-vp.eml")
    assert [a.get_filename() for a in letter.iter_attachments()] == ["PL3_vp_sua-loi.xlsx"]
    # The office corrects the pre-filled file (its true figures) and sends it back.
    for key, address in ((("PL3.6.a", "2019"), received), (("PL3.6.b", "2019"), resolved),
                         (("PL3.1.b", "2018"), ambiguous)):
        ws[address].value = valid[key]
    corrected = io.BytesIO()
    wb.save(corrected)
    from samples.fill import restamp
    (inbox / "PL3 văn phòng (đã sửa).xlsx").write_bytes(restamp(corrected.getvalue(), datetime(2020, 3, 21, tzinfo=VN)))
    again = tmp_path / "summary2"
    assert run("harvest", inbox, "--key-file", key_file, "--out", again).exit_code == 0
    rows = list(csv.DictReader(io.StringIO((again / "status.csv").read_bytes().decode("utf-8-sig"))))
    vp = next(r for r in rows if (r["unit_code"], r["form"]) == ("vp", "PL3"))
    assert (vp["status"], vp["file"], vp["errors"]) == ("Đã nộp", "PL3 văn phòng (đã sửa).xlsx", "0")
    ledger = {r["path"]: r["outcome"] for r in csv.DictReader(
        io.StringIO((again / "ledger.csv").read_bytes().decode("utf-8-sig")))}
    assert ledger == {"PL3 văn phòng.xlsx": "superseded", "PL3 văn phòng (đã sửa).xlsx": "used"}


@pytest.mark.parametrize("unit_name", ["Văn phòng HĐND-UBND thành phố",
                                       "Trung tâm Văn hóa - Thông tin và Du lịch thành phố Hà Giang tỉnh Hà Giang"])
def test_long_vietnamese_subjects_keep_every_space(catalogue, registry, unit_name):
    from dataclasses import replace as dc_replace

    from mailer.messages import feedback_letter, message
    unit = dc_replace(registry.unit("vp"), name=unit_name)
    msg = message(feedback_letter(catalogue, registry, unit, {"PL3": 2}, [], datetime(2020, 3, 23).date()),
                  catalogue, registry, datetime(2020, 3, 22, tzinfo=VN))
    parsed = message_from_bytes(msg.as_bytes(), policy=default)
    assert str(parsed["Subject"]) == f"[CCHC 2011-2020] Đề nghị sửa số liệu – {unit_name}"
    assert msg.as_bytes().isascii()


def test_every_preparer_field_reads_its_own_status_column():
    # The correction workbook pre-fills each preparer field from status.csv, by name.
    from harvest.exports import STATUS_HEADER
    from mailer.feedback import STATUS_COLUMN
    from xlsx_forms.layout import PREPARER_IDS
    assert set(STATUS_COLUMN) == set(PREPARER_IDS)
    assert set(STATUS_COLUMN.values()) <= set(STATUS_HEADER)
