"""Letters: .eml drafts (X-Unsent, RFC 2047 encoded words within their limits), sending that
fails once and fast on wrong settings and retries only transient errors, and what a letter
to an office says (its file by name, never the consolidator's folders; errors, not
"not received")."""
from __future__ import annotations

import csv
import re
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import default

import pytest

from mailer.headers import EncodedHeader, encoded_words
from mailer.messages import (
    feedback_letter,
    mailout_letter,
    message,
    reminder_letter,
)
from tests import smtpd
from tests.test_mail import _eml, _fill, _report, key_file, run, server, templates  # noqa: F401 - fixtures

VN = timezone(timedelta(hours=7))
FAST = 5.0   # seconds: a bound on failing once, not a benchmark
NAMES = ["Ban Tổ chức - Nội vụ", "Văn phòng HĐND-UBND thành phố",
         "Trung tâm Văn hóa - Thông tin và Du lịch thành phố Hà Giang tỉnh Hà Giang",
         "Ủy ban nhân dân phường Nguyễn Trãi, thành phố Hà Giang (bộ phận «một cửa» liên thông)",
         "Đ" * 120, "Phòng Tài chính – Kế hoạch  (hai dấu cách)"]


def _decoded(raw: str) -> str:
    """A header as an RFC 2047 reader shows it (whitespace between encoded words dropped)."""
    return str(make_header(decode_header(raw)))


def _headers(data: bytes) -> list[str]:
    return data.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["mau", "nhac", "phan-hoi"])
def test_eml_is_a_draft_with_encoded_words_within_the_limits(catalogue, registry, name, kind):
    unit = replace(registry.unit("vp"), name=name)
    due = datetime(2020, 3, 23).date()
    letter = {"mau": lambda: reminder_letter(catalogue, registry, unit, ["PL3"], {}, [], due),
              "nhac": lambda: reminder_letter(catalogue, registry, unit, [], {"PL3": ["ô H17: sai"]}, [], due),
              "phan-hoi": lambda: feedback_letter(catalogue, registry, unit, {"PL3": 2}, [], due)}[kind]()
    data = message(letter, catalogue, registry, datetime(2020, 3, 22, tzinfo=VN)).as_bytes()
    assert data.isascii()
    lines = _headers(data)
    for line in lines:
        for word in re.findall(r"=\?[^?]+\?[bBqQ]\?[^?]*\?=", line):
            assert len(word) <= 75, word
        if "=?" in line:
            assert len(line) <= 76, line
    parsed = message_from_bytes(data, policy=default)
    assert parsed["X-Unsent"] == "1"
    raw = dict(message_from_bytes(data).items())   # unfolded, still encoded
    assert _decoded(raw["Subject"]).endswith(f" – {name}")
    assert _decoded(raw["Subject"]).startswith("[CCHC 2011-2020] ")
    shown_to = _decoded(raw["To"])
    assert shown_to == f"{name} <{registry.unit('vp').email}>"
    assert parsed["To"].addresses[0].addr_spec == registry.unit("vp").email
    assert _decoded(raw["From"]) == f"{registry.consolidator.name} <{registry.consolidator.email}>"


@pytest.mark.parametrize("text", NAMES + ["a" * 200, "ệ" * 50, "e\u0301" * 40])
@pytest.mark.parametrize("first", [10, 40, 67])
def test_encoded_words_split_between_characters(text, first):
    words = encoded_words(text, first)
    assert len(words[0]) <= max(first, len(encoded_words(text[0], 75)[0]))
    assert all(len(w) <= 75 for w in words)
    assert "".join(str(make_header(decode_header(w))) for w in words) == text
    header = EncodedHeader("Subject", text)
    assert str(header) == text


def test_sending_removes_the_draft_mark(templates, tmp_path, server, registry):  # noqa: F811
    handler, address = server
    outbox = tmp_path / "outbox"
    result = run("mail", "--templates", templates, "--out", outbox, "--send", "--smtp", address, "--security", "none")
    assert result.exit_code == 0, result.output
    assert len(handler.messages) == 15 and all(m["X-Unsent"] is None for _, _, m in handler.messages)
    assert _eml(outbox / "mau-vp.eml")["X-Unsent"] == "1"   # the copy kept is still a draft
    with open(outbox / "sent.csv", encoding="utf-8-sig") as fh:
        to = {row["file"]: row["to"] for row in csv.DictReader(fh)}
    for unit in registry.units:   # long names too: no space added where a header was folded
        assert to[f"mau-{unit.code}.eml"] == f"{unit.name} <{unit.email}>"


def test_send_without_smtp_is_refused_before_anything_is_written(templates, tmp_path):  # noqa: F811
    outbox = tmp_path / "outbox"
    result = run("mail", "--templates", templates, "--out", outbox, "--send")
    assert result.exit_code == 2 and "--send cần --smtp" in result.output
    assert not outbox.exists()


def _timed(*args):
    start = time.monotonic()
    result = run(*args)
    return result, time.monotonic() - start


@pytest.mark.parametrize(("security", "expected"), [
    ("starttls", "máy chủ không hỗ trợ STARTTLS: thêm --security none nếu đây là máy chủ nội bộ"),
    ("ssl", "không mã hóa được kết nối tới"),
])
def test_wrong_security_fails_once_and_fast(templates, tmp_path, server, security, expected):  # noqa: F811
    handler, address = server   # a plain SMTP server: no STARTTLS, no TLS
    outbox = tmp_path / "outbox"
    result, elapsed = _timed("mail", "--templates", templates, "--out", outbox, "--send", "--smtp", address,
                             "--security", security)
    assert result.exit_code == 2, result.output
    assert expected in result.output and "chưa gửi thư nào" in result.output
    assert result.output.count("Lỗi:") == 1 and "Traceback" not in result.output
    assert elapsed < FAST and not handler.messages
    assert len(list(outbox.glob("mau-*.eml"))) == 15 and not (outbox / "sent.csv").exists()


def test_closed_port_fails_once_and_fast(templates, tmp_path):  # noqa: F811
    outbox = tmp_path / "outbox"
    port = smtpd.free_port()   # nobody listens there
    result, elapsed = _timed("mail", "--templates", templates, "--out", outbox, "--send", "--smtp",
                             f"127.0.0.1:{port}", "--security", "none", "--retry-delay", "2")
    assert result.exit_code == 2, result.output
    assert f"máy chủ 127.0.0.1:{port} từ chối kết nối" in result.output and "kiểm tra --smtp" in result.output
    assert elapsed < FAST


class Flaky(smtpd.Recorder):
    """Answers DATA for ``later`` with 451 (try later) once, for ``never`` with 554."""

    def __init__(self) -> None:
        super().__init__()
        self.later: set[str] = set()
        self.never: set[str] = set()
        self.attempts: list[str] = []

    async def handle_DATA(self, smtp_server, session, envelope):
        self.attempts.extend(envelope.rcpt_tos)
        if set(envelope.rcpt_tos) & self.later:
            self.later -= set(envelope.rcpt_tos)
            return "451 4.3.0 try again later"
        if set(envelope.rcpt_tos) & self.never:
            return "554 5.6.0 message refused"
        return await super().handle_DATA(smtp_server, session, envelope)


def test_only_transient_errors_are_retried(templates, tmp_path, registry):  # noqa: F811
    handler = Flaky()
    later, never = registry.unit("vp").email, registry.unit("tu-phap").email
    handler.later.add(later)
    handler.never.add(never)
    controller = smtpd.start(handler)
    try:
        result = run("mail", "--templates", templates, "--out", tmp_path / "outbox", "--send", "--smtp",
                     f"127.0.0.1:{controller.port}", "--security", "none", "--retry-delay", "0.05")
    finally:
        controller.stop()
    assert result.exit_code == 1, result.output
    assert "Đã gửi 14 thư, 1 thư chưa gửi được:" in result.output
    assert "mau-tu-phap.eml: máy chủ không nhận thư này (554 5.6.0 message refused)" in result.output
    assert handler.attempts.count(later) == 2 and handler.attempts.count(never) == 1


def test_letters_name_the_file_as_sent_and_tell_errors(templates, tmp_path, key_file, catalogue):  # noqa: F811
    """A unit that sent everything, with errors, from a sub-folder of the inbox: its
    reminder says what is wrong (not "not received"), names the file without the folder."""
    inbox = tmp_path / "inbox"
    when = datetime(2020, 3, 20, 9, tzinfo=VN)
    _fill(templates, catalogue, "p-ngoc-ha", "PL1", inbox / "thư ngày 20-3" / "ngọc hà" / "PL1 Ngọc Hà.xlsx", when,
          {("PL1.1", "2019"): "nhiều"})
    _report(templates, catalogue, "p-ngoc-ha", inbox / "thư ngày 20-3" / "ngọc hà" / "Báo cáo Ngọc Hà.docx", when)
    summary = tmp_path / "summary"
    assert run("harvest", inbox, "--key-file", key_file, "--out", summary).exit_code == 0
    outbox = tmp_path / "outbox"
    result = run("mail", "--reminders", "--summary", summary, "--templates", templates, "--out", outbox)
    assert result.exit_code == 0, result.output
    letter = _eml(outbox / "nhac-p-ngoc-ha.eml")
    body = letter.get_body(("plain",)).get_content()
    assert "chưa nhận đủ" not in body and "chưa nộp" not in body
    assert "đã nhận đủ báo cáo của UBND phường Ngọc Hà, nhưng số liệu còn lỗi cần sửa" in body
    assert "Phụ lục 1: " in body and "(tệp «PL1 Ngọc Hà.xlsx»): 1 lỗi" in body and "«nhiều» không phải là số" in body
    assert "thư ngày 20-3" not in body and "ngọc hà/" not in body and str(tmp_path) not in body
    assert "Đề nghị sửa số liệu" in str(letter["Subject"])
    feedback = run("feedback", "--summary", summary, "--key-file", key_file, "--templates", templates,
                   "--out", tmp_path / "feedback", "--outbox", outbox)
    assert feedback.exit_code == 0, feedback.output
    fb = _eml(outbox / "phan-hoi-p-ngoc-ha.eml").get_body(("plain",)).get_content()
    assert "(tệp «PL1 Ngọc Hà.xlsx»): 1 ô có lỗi cần sửa" in fb and "thư ngày 20-3" not in fb


def test_a_server_that_never_answers_fails_once_not_per_letter(templates, tmp_path):  # noqa: F811
    """A port that accepts and never speaks (465 with --security starttls, a firewall):
    smtplib calls it a dropped connection; cchc stops once, saying what to check."""
    import socket
    import threading

    from mailer.smtp import SmtpConfig
    timeout = SmtpConfig.__dataclass_fields__["timeout"].default
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])   # and never write a byte
            except OSError:
                continue
    threading.Thread(target=accept, daemon=True).start()
    try:
        outbox = tmp_path / "outbox"
        result, elapsed = _timed("mail", "--templates", templates, "--out", outbox, "--send", "--smtp",
                                 f"127.0.0.1:{listener.getsockname()[1]}", "--security", "starttls",
                                 "--retry-delay", "0")
    finally:
        stop.set()
        for conn in accepted:
            conn.close()
        listener.close()
    assert result.exit_code == 2, result.output
    assert "nhận kết nối nhưng không trả lời" in result.output and result.output.count("Lỗi:") == 1
    # One wait for the greeting, no retry, no letter after letter (it was 66 s per letter).
    assert elapsed < timeout + FAST and len(accepted) == 1


PLACES = ["Thành phố Hà Giang", "Tỉnh Hà Giang", "Huyện Bắc Mê", "Quận 1", "Thị xã Sơn Tây", "Thị trấn Yên Minh",
          "Phường Minh Khai", "Xã Phương Độ"]


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("kind", ["mau", "nhac", "phan-hoi"])
def test_places_and_units_inside_a_sentence_are_lower_case(catalogue, registry, place, kind):
    """A registry name used inside a sentence: its administrative word in lower case, the
    proper name with its capitals ("của thành phố Hà Giang"); a body ("Huyện ủy") unchanged."""
    from tests.test_texts import capital_slips
    reg = replace(registry, place=place)
    unit = replace(registry.unit("vp"), name=place)   # a unit named as a place, too
    due = datetime(2020, 3, 23).date()
    letter = {"mau": lambda: mailout_letter(catalogue, reg, unit, [], ["PL1"], due),
              "nhac": lambda: reminder_letter(catalogue, reg, unit, ["PL1"], {}, [], due),
              "phan-hoi": lambda: feedback_letter(catalogue, reg, unit, {"PL3": 2}, [], due, confirm={"PL1": 1}),
              }[kind]()
    body = "\n".join(letter.lines)
    lowered = place[0].lower() + place[1:]
    assert lowered in body and place not in body and not capital_slips(body)


@pytest.mark.parametrize(("name", "shown"), [
    ("Thành phố Hà Giang", "thành phố Hà Giang"), ("Phường 3", "phường 3"), ("Huyện ủy Bắc Mê", "Huyện ủy Bắc Mê"),
    ("THÀNH PHỐ HÀ GIANG", "THÀNH PHỐ HÀ GIANG"), ("UBND phường Minh Khai", "UBND phường Minh Khai"),
    ("Xã", "Xã"), ("Phòng Tư pháp", "Phòng Tư pháp"),
])
def test_in_sentence(name, shown):
    from xlsx_forms.registry import in_sentence
    assert in_sentence(name) == shown


def _shown_input_colours(path) -> set[str]:
    """The colours a fresh workbook shows on the cells a unit types into (unlocked cells):
    its fill, or the conditional format's for an empty cell ("blanks": a required cell)."""
    import openpyxl
    from openpyxl.cell.cell import MergedCell
    shown = set()
    for ws in openpyxl.load_workbook(path).worksheets:
        blanks = {}
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                if rule.type == "containsBlanks" and rule.dxf is not None and rule.dxf.fill is not None:
                    colour = rule.dxf.fill.bgColor.rgb or rule.dxf.fill.fgColor.rgb
                    for r in cf.sqref.ranges:
                        blanks.update(dict.fromkeys((c.coordinate for row in ws.iter_rows(
                            r.min_row, r.max_row, r.min_col, r.max_col) for c in row), colour))
        for row in ws.iter_rows():
            for c in row:
                if c.protection.locked is False and ws.protection.sheet and not isinstance(c, MergedCell):
                    shown.add((blanks.get(c.coordinate) if c.value is None and c.coordinate in blanks
                               else c.fill.fgColor.rgb)[-6:])
    return shown


@pytest.mark.parametrize("unit", ["vp", "tcnv", "p-minh-khai"])
def test_mailout_names_the_colours_the_workbooks_show(templates, tmp_path, catalogue, unit):  # noqa: F811
    """The letter sending the templates says where to type by the colours a fresh template
    shows (required cells light orange, others light yellow), in the instructions' words."""
    from xlsx_forms.styles import COLOUR_VI
    outbox = tmp_path / "outbox"
    assert run("mail", "--templates", templates, "--out", outbox).exit_code == 0
    body = _eml(outbox / f"mau-{unit}.eml").get_body(("plain",)).get_content()
    (typed,) = re.findall(r"chỉ nhập vào (.*?), xem trang", body)
    assert not re.search(r"\([^()]*\(", body), "brackets inside brackets"
    shown = set().union(*(_shown_input_colours(p) for p in (templates / unit).glob("*.xlsx")))
    by_hex = {fill.lstrip("#"): words for fill, words in COLOUR_VI.items()}
    assert shown and shown <= set(by_hex)
    assert {h for h, words in by_hex.items() if f"nền {words}" in typed} == shown, (typed, shown)
