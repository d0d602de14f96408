"""Sending against servers that answer each stage of SMTP as scripted (tests.smtpd.Scripted):
one table of (stage, reply) → retried or not, what the message says, and how far the run
goes. Every 4xx is "try later" (retried); a server that stays unavailable stops the run after
one letter's retries instead of costing every letter its own (issue 14, review)."""
from __future__ import annotations

import csv
import time
from datetime import date, datetime, timedelta, timezone

import pytest

from mailer.messages import message, reminder_letter
from mailer.outbox import pending, write
from mailer.smtp import SERVER_WIDE_AFTER, SmtpConfig, send_outbox
from tests import smtpd
from tests.test_mail import key_file, run, templates  # noqa: F401 - fixtures

VN = timezone(timedelta(hours=7))
ATTEMPTS = SmtpConfig.__dataclass_fields__["attempts"].default
LETTERS = 4
LATER = "yêu cầu thử lại sau"
SETTINGS = "kiểm tra --smtp"
SENDER = "kiểm tra email của nơi tổng hợp trong sổ đăng ký"
RECIPIENT = "kiểm tra email của đơn vị trong sổ đăng ký"
CONTENT = "máy chủ không nhận thư này"

# (stage, answer) → (what the message says, how the run ends, how often the stage is
# reached). Ends: "stopped" (wrong settings: no retry, the run stops), "paused" (retried,
# then the run stops: the server's trouble), "each" (every letter tried, none sent).
SERVER_LATER = (LATER, "paused", ATTEMPTS)
TABLE = [
    ("greeting", "421 4.3.2 service not available", SERVER_LATER),
    ("greeting", "450 4.3.2 busy", SERVER_LATER),
    ("greeting", "554 5.7.1 no service for you", (SETTINGS, "stopped", 1)),
    ("greeting", "drop", ("ngắt kết nối (lúc kết nối)", "paused", ATTEMPTS)),
    ("ehlo", "421 4.3.2 closing", (LATER, "paused", 2 * ATTEMPTS)),   # EHLO, then HELO
    ("ehlo", "451 4.3.0 later", (LATER, "paused", 2 * ATTEMPTS)),
    ("ehlo", "550 5.5.0 go away", (SETTINGS, "stopped", 2)),   # EHLO, then HELO: one connection
    ("mail", "451 4.7.1 greylisted", SERVER_LATER),
    ("mail", "421 4.3.2 closing", SERVER_LATER),
    ("mail", "553 5.7.1 sender not allowed", (SENDER, "stopped", 1)),
    ("rcpt", "421 4.3.2 closing", SERVER_LATER),
    ("rcpt", "451 4.7.1 greylisted", (LATER, "paused", ATTEMPTS * SERVER_WIDE_AFTER)),
    ("rcpt", "452 4.2.2 mailbox full", (LATER, "paused", ATTEMPTS * SERVER_WIDE_AFTER)),
    ("rcpt", "550 5.1.1 no such mailbox", (RECIPIENT, "each", LETTERS)),
    ("data", "421 4.3.2 closing", SERVER_LATER),
    ("data", "451 4.3.0 try later", (LATER, "paused", ATTEMPTS * SERVER_WIDE_AFTER)),
    ("data", "554 5.6.0 rejected", (CONTENT, "each", LETTERS)),
    ("data", "drop", ("ngắt kết nối", "paused", ATTEMPTS)),
]


@pytest.fixture()
def outbox(tmp_path, catalogue, registry):
    box = tmp_path / "outbox"
    box.mkdir()
    for unit in registry.units[:LETTERS]:
        letter = reminder_letter(catalogue, registry, unit, ["PL1"], {}, [], date(2020, 3, 23))
        write(box, f"nhac-{unit.code}", message(letter, catalogue, registry, datetime(2020, 3, 20, tzinfo=VN)))
    return box


def _send(box, answers, only=None):
    server = smtpd.Scripted(answers, only)
    try:
        start = time.monotonic()
        report = send_outbox(box, SmtpConfig("127.0.0.1", server.port, "none", timeout=5, backoff=0.01))
        return report, server, time.monotonic() - start
    finally:
        server.stop()


@pytest.mark.parametrize(("stage", "answer", "expected"), TABLE, ids=[f"{s}-{a[:3]}" for s, a, _ in TABLE])
def test_each_reply_is_classified_by_stage_and_code(outbox, stage, answer, expected):
    words, end, reached = expected
    report, server, elapsed = _send(outbox, {stage: answer})
    assert server.reached[stage] == reached, server.reached
    assert not report.sent and server.accepted == 0
    if answer[:1] == "4" or answer == "drop":
        assert words in report.paused and (answer == "drop" or answer[:3] in report.paused)
    if end == "stopped":
        assert words in report.stopped and answer[:3] in report.stopped and not report.failed
        assert len(report.left) == LETTERS and server.connections == 1
    elif end == "paused":
        tried = reached // ATTEMPTS // (2 if stage == "ehlo" else 1)
        assert [name for name, _ in report.failed] == sorted(p.name for p in outbox.glob("*.eml"))[:tried]
        assert len(report.left) == LETTERS - tried and not report.stopped
        assert server.connections <= reached + 1   # no letter after the run stopped
    else:
        assert len(report.failed) == LETTERS and all(words in why for _, why in report.failed)
        assert not report.paused and not report.stopped and not report.left
    assert elapsed < 5
    # Nothing is recorded as sent: the next run sends every letter.
    assert len(pending(outbox)) == LETTERS


def test_one_mailbox_that_stays_unavailable_does_not_stop_the_others(outbox, registry):
    full = registry.units[1].email
    report, server, _ = _send(outbox, {"rcpt": "452 4.2.2 mailbox full"}, only={full})
    assert len(report.sent) == LETTERS - 1 and not report.paused and not report.left
    ((name, why),) = report.failed
    assert name == f"nhac-{registry.units[1].code}.eml" and LATER in why and "452" in why
    assert server.reached["rcpt"] == LETTERS - 1 + ATTEMPTS


def test_a_temporary_refusal_once_is_retried_then_sent(outbox, registry):
    class Once(smtpd.Scripted):
        def _say(self, stage, default, wfile, to=""):
            if stage == "mail" and self.reached.get("mail", 0) >= 1:
                self.answers = {}
            return super()._say(stage, default, wfile, to)
    server = Once({"mail": "451 4.7.1 greylisted"})
    try:
        report = send_outbox(outbox, SmtpConfig("127.0.0.1", server.port, "none", timeout=5, backoff=0.01))
    finally:
        server.stop()
    assert len(report.sent) == LETTERS and not report.failed and server.reached["mail"] == LETTERS + 1


@pytest.mark.parametrize(("stage", "answer"), [("data", "drop"), ("greeting", "421 4.3.2 service not available")])
def test_a_server_that_stays_unavailable_stops_the_run_fast(templates, tmp_path, registry, stage, answer):  # noqa: F811
    """cchc mail --send: a server that always drops the connection at DATA, or says 421 at
    the greeting, costs one letter's retries (it cost 15 × 3 connections, ~95 s), says what
    happened and what to do, and the next run sends every letter."""
    server = smtpd.Scripted({stage: answer})
    box = tmp_path / "outbox"
    args = ("mail", "--templates", templates, "--out", box, "--send", "--smtp", f"127.0.0.1:{server.port}",
            "--security", "none", "--retry-delay", "0.05")
    try:
        start = time.monotonic()
        result = run(*args)
        elapsed = time.monotonic() - start
    finally:
        server.stop()
    assert result.exit_code == 1, result.output
    assert server.connections <= ATTEMPTS and elapsed < 5
    assert result.output.count("Lỗi:") == 1 and "Traceback" not in result.output
    assert f"đã thử {ATTEMPTS} lần" in result.output
    assert "Máy chủ tạm thời không nhận thư nên đã dừng gửi" in result.output
    assert "đã gửi 0 thư, 15 thư chưa gửi" in result.output and "hãy chạy lại lệnh sau ít phút" in result.output
    with open(box / "sent.csv", encoding="utf-8-sig") as fh:
        assert [r["status"] for r in csv.DictReader(fh)] == ["failed"]
    handler = smtpd.Recorder()
    controller = smtpd.start(handler)
    try:
        again = run(*args[:-4], "--smtp", f"127.0.0.1:{controller.port}", "--security", "none")
    finally:
        controller.stop()
    assert again.exit_code == 0 and "Đã gửi 15 thư." in again.output
    assert sorted(r for _, rcpt, _ in handler.messages for r in rcpt) == sorted(u.email for u in registry.units)


@pytest.mark.parametrize(("args", "expected"), [
    (("--send",), "--send cần --smtp MÁY_CHỦ:CỔNG, ví dụ --smtp smtp.example.vn:587."),
    (("--send", "--smtp", "bad"), "--smtp: «bad» phải có dạng MÁY_CHỦ:CỔNG"),
    (("--send", "--smtp", "mail.vn:"), "--smtp: «mail.vn:» phải có dạng MÁY_CHỦ:CỔNG"),
    (("--send", "--smtp", ":587"), "--smtp: «:587» phải có dạng MÁY_CHỦ:CỔNG"),
    (("--send", "--smtp", "mail.vn:99999"), "cổng là số từ 1 đến 65535 (ví dụ smtp.example.vn:587)"),
    (("--smtp", "mail.vn:587"), "--smtp chỉ dùng khi gửi thư: thêm --send"),
])
@pytest.mark.parametrize("command", ["mail", "feedback"])
def test_smtp_options_are_checked_before_anything_is_written(tmp_path, command, args, expected):
    out = tmp_path / "out"
    base = ["mail", "--out", out] if command == "mail" else ["feedback", "--summary", tmp_path, "--outbox", out]
    result = run(*base, *args)
    assert result.exit_code == 2 and expected in result.output, result.output
    assert not out.exists()


def test_one_example_server_in_help_and_messages():
    from cchc.mail_commands import EXAMPLE_SMTP
    help_text = run("mail", "--help").output
    assert f"ví dụ {EXAMPLE_SMTP}" in " ".join(help_text.split())
    assert "mail.example.vn" not in help_text

