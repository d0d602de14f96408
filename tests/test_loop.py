"""Issue 10, items 6–8: a file received but rejected is not "not submitted"; the wrong key
stops the harvest; one letter per problem, ever; the settings of generate are remembered."""
from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest

from harvest.keycheck import MIN_FAILED, signature_tally, wrong_key
from harvest.process import FileResult, process
from harvest.reconcile import MISSING, WITH_ERRORS, reconcile
from mailer.messages import form_line
from tests import test_mail
from tests.conftest import FIXED_TIME, TEST_KEY
from tests.test_identify import _drop_identity, _edit, _set_identity, _sheet_only
from tests.test_mail import _eml, _fill, _report, run
from xlsx_forms.identity import key_fingerprint, sign
from xlsx_forms.plan import load_plan
from xlsx_forms.writer import GenerateOptions, build_workbook

# The fixtures of the mail tests: a key file, the full template set, a loopback SMTP server.
key_file, templates, server = test_mail.key_file, test_mail.templates, test_mail.server
VN = timezone(timedelta(hours=7))
OTHER_KEY = bytes(range(100, 132))
NOW = datetime(2020, 3, 25, tzinfo=timezone.utc)


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def _status(summary: Path) -> dict[tuple[str, str], dict[str, str]]:
    return {(r["unit_code"], r["form"]): r for r in _csv(summary / "status.csv")}


def _state(folder: Path) -> dict[str, tuple[str, int]]:
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _blank(catalogue, registry, unit: str, form: str, key: bytes = TEST_KEY) -> bytes:
    """A template as generated (with ``key``): a file an office could send back unfilled."""
    options = GenerateOptions(key=key, generated_at=FIXED_TIME, deadline=date(2020, 3, 23))
    return build_workbook(catalogue, registry, registry.unit(unit), catalogue.form(form), options)[0]


# ---- 6. Received but rejected is "Có lỗi", with the reason; never "Chưa nộp" --------------

def _old_version(wb):
    ident = {r[0].value: r[1].value for r in wb["_cchc"].iter_rows(max_col=2)}
    old = sign(TEST_KEY, form="PL1", spec_version=0, unit="p-tran-phu", generated_at=ident["generated_at"],
               fingerprint=ident["fingerprint"])
    for field, value in old.items():
        _set_identity(field, value)(wb)


TRAN_PHU, NGOC_HA = ("p-tran-phu", "PL1"), ("p-ngoc-ha", "PL1")
# name, how p-tran-phu's PL1 is spoilt, {(unit, form): (status, words of the reason)} expected
REJECTED = [
    ("label edited", lambda wb: wb["Phụ lục 1"].__setitem__("B10", "Số văn bản"),
     {TRAN_PHU: (WITH_ERRORS, "bố cục")}),
    ("column inserted", lambda wb: wb["Phụ lục 1"].insert_cols(3), {TRAN_PHU: (WITH_ERRORS, "bố cục")}),
    ("sheet renamed", lambda wb: setattr(wb["Phụ lục 1"], "title", "Sheet1"),
     {TRAN_PHU: (WITH_ERRORS, "thiếu trang")}),
    ("old spec version", _old_version, {TRAN_PHU: (WITH_ERRORS, "phiên bản")}),
    # The identity says another unit: the claim is all there is (the signature does not hold).
    ("unit changed", _set_identity("unit", "p-ngoc-ha"),
     {NGOC_HA: (WITH_ERRORS, "chữ ký"), TRAN_PHU: (MISSING, "")}),
    # Claims a form the unit was not given, or two identities disagree, or none: nobody to tell.
    ("form changed", _set_identity("form", "PL3"), {TRAN_PHU: (MISSING, "")}),
    ("hidden sheet disagrees", _sheet_only("unit", "vp"), {TRAN_PHU: (MISSING, ""), ("vp", "PL1"): (MISSING, "")}),
    ("identity removed", _drop_identity, {TRAN_PHU: (MISSING, "")}),
]


@pytest.mark.parametrize("name, change, expected", REJECTED, ids=[c[0] for c in REJECTED])
def test_a_rejected_file_makes_its_unit_with_errors_not_missing(generated, catalogue, registry, name, change,
                                                                expected):
    out, files = generated
    g = next(f for f in files if (f.unit.code, f.form) == TRAN_PHU)
    result = process("x.xlsx", _edit(out / g.path, change), 0, catalogue, registry, TEST_KEY)
    assert not result.accepted
    rec = reconcile([result], registry, date(2020, 3, 23), NOW)
    statuses = {(s.unit, s.form): s for s in rec.statuses}
    for key, (status, reason) in expected.items():
        s = statuses[key]
        assert s.status == status
        if status == WITH_ERRORS:
            assert reason in s.reason and s.file == "x.xlsx" and s.errors >= 1
            assert not [i for i in rec.issues if i.code == "R-MISSING" and (i.unit_code, i.form) == key]
        else:
            assert s.reason == ""
    assert not rec.used   # nothing of a rejected file is ever counted


def test_a_file_signed_by_another_key_is_received_not_missing(catalogue, registry):
    result = process("khác.xlsx", _blank(catalogue, registry, "vp", "PL3", OTHER_KEY), 0, catalogue, registry,
                     TEST_KEY)
    assert result.signature_ok is False and [i.code for i in result.issues] == ["F-HMAC"]
    status = {(s.unit, s.form): s for s in reconcile([result], registry, date(2020, 3, 23), NOW).statuses}
    assert (status["vp", "PL3"].status, status["vp", "PL3"].reason) == (WITH_ERRORS, "chữ ký nhận diện không khớp")


def test_identity_pasted_into_another_units_workbook_is_nobodys(generated, catalogue, registry):
    out, files = generated
    mine = openpyxl.load_workbook(out / next(g.path for g in files if (g.unit.code, g.form) == NGOC_HA))
    other = openpyxl.load_workbook(out / next(g.path for g in files if (g.unit.code, g.form) == TRAN_PHU))
    for r in range(1, 8):
        mine["_cchc"].cell(r, 2).value = other["_cchc"].cell(r, 2).value
    mine.custom_doc_props = other.custom_doc_props
    buf = io.BytesIO()
    mine.save(buf)
    result = process("x.xlsx", buf.getvalue(), 0, catalogue, registry, TEST_KEY)
    assert [i.code for i in result.issues] == ["F-UNIT-NAME"] and result.unit == ""
    status = {(s.unit, s.form): s.status for s in reconcile([result], registry, date(2020, 3, 23), NOW).statuses}
    assert status[TRAN_PHU] == status[NGOC_HA] == MISSING   # who sent it is unknown


@pytest.mark.parametrize("rejected_is_newer", [False, True])
def test_a_usable_file_wins_over_a_rejected_one(generated, catalogue, registry, rejected_is_newer):
    out, files = generated
    g = next(f for f in files if (f.unit.code, f.form) == TRAN_PHU)
    good = process("tốt.xlsx", (out / g.path).read_bytes(), 1.0, catalogue, registry, TEST_KEY)
    bad = process("hỏng.xlsx", _edit(out / g.path, lambda wb: wb["Phụ lục 1"].insert_cols(3)),
                  2.0 if rejected_is_newer else 0.5, catalogue, registry, TEST_KEY)
    rec = reconcile([bad, good], registry, date(2020, 3, 23), NOW)
    s = next(s for s in rec.statuses if (s.unit, s.form) == TRAN_PHU)
    assert s.file == "tốt.xlsx" and s.reason == "" and rec.used[TRAN_PHU] is good


def test_rejected_only_unit_gets_a_reminder_saying_why(templates, tmp_path, key_file, catalogue):
    inbox = tmp_path / "inbox"
    when = datetime(2020, 3, 20, 9, tzinfo=VN)
    _fill(templates, catalogue, "tu-phap", "PL1", inbox / "tp-pl1.xlsx", when)
    _report(templates, catalogue, "tu-phap", inbox / "tp-bao-cao.docx", when)   # its narrative report is in
    # Phòng Tư pháp's PL2 came back with a column inserted: received, unusable.
    bad = _edit(templates / "tu-phap" / "PL2_tu-phap.xlsx", lambda wb: wb["Phụ lục 2"].insert_cols(3))
    (inbox / "tp-pl2.xlsx").write_bytes(bad)
    summary = tmp_path / "summary"
    result = run("harvest", inbox, "--key-file", key_file, "--out", summary, "--templates", templates)
    assert result.exit_code == 0, result.output
    assert "Đã nhận nhưng tệp không dùng được: Phòng Tư pháp (PL2: bố cục biểu mẫu bị thay đổi)." in result.output
    row = _status(summary)[("tu-phap", "PL2")]
    assert (row["status"], row["file"], row["reason"]) == ("Có lỗi", "tp-pl2.xlsx", "bố cục biểu mẫu bị thay đổi")
    sheet = openpyxl.load_workbook(summary / "tong-hop-cchc.xlsx")["Tình trạng nộp"]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][-2:] == ["Tệp không dùng được vì", "Báo cáo"]   # then the unit's narrative report
    assert ["tu-phap", "Phòng Tư pháp", "PL2", "Có lỗi"] == rows[[r[:3] for r in rows].index(
        ["tu-phap", "Phòng Tư pháp", "PL2"])][:4] and "bố cục biểu mẫu bị thay đổi" in [r[-2] for r in rows]
    outbox = tmp_path / "outbox"
    result = run("mail", "--reminders", "--summary", summary, "--templates", templates, "--out", outbox)
    assert result.exit_code == 0, result.output
    letter = _eml(outbox / "nhac-tu-phap.eml")
    body = " ".join(letter.get_body(("plain",)).get_content().split())
    assert (f"{form_line(catalogue, 'PL2')} (tệp «tp-pl2.xlsx»): tệp gửi về không dùng được vì bố cục biểu mẫu "
            "bị thay đổi.") in body
    assert "chưa nộp" not in body.lower() and "chưa nhận đủ" not in body
    assert [a.get_filename() for a in letter.iter_attachments()] == ["PL2_tu-phap.xlsx"]   # a fresh template
    # The correction loop pre-fills used files only: nothing of this one was read.
    result = run("feedback", "--summary", summary, "--key-file", key_file, "--out", tmp_path / "fb",
                 "--outbox", tmp_path / "outbox2", "--templates", templates)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "fb" / "tu-phap").exists()


# ---- 6. The wrong key stops the harvest, outputs untouched ---------------------------------

@pytest.mark.parametrize("failed, checked, stops", [
    (0, 0, False), (1, 1, False), (MIN_FAILED - 1, MIN_FAILED - 1, False), (MIN_FAILED, MIN_FAILED, True),
    (3, 5, True), (3, 6, False), (4, 7, True), (50, 100, False), (51, 100, True), (1000, 1000, True),
])
def test_the_stopping_rule(failed, checked, stops):
    assert wrong_key(failed, checked) is stops


def test_copies_of_one_file_count_once():
    def result(sha, ok):
        return FileResult(rel=sha, size=1, sha256=sha, mtime=0, signature_ok=ok)
    same = [result("a", False)] * 5 + [result("b", True), result("c", None)]
    assert signature_tally(same) == (1, 2)


def _inbox(path: Path, catalogue, registry, good: list[str], foreign: list[str]) -> Path:
    """PL1 of ``good`` units signed with the test key, of ``foreign`` ones with another key."""
    path.mkdir()
    for unit in good:
        (path / f"{unit}.xlsx").write_bytes(_blank(catalogue, registry, unit, "PL1"))
    for unit in foreign:
        (path / f"khác-{unit}.xlsx").write_bytes(_blank(catalogue, registry, unit, "PL1", OTHER_KEY))
    (path / "ghi chú.txt").write_text("không phải biểu mẫu")   # no identity: counts neither way
    return path


UNITS = ["vp", "tu-phap", "tckh", "kinh-te", "ttvhttdl", "p-quang-trung", "p-tran-phu"]


@pytest.mark.parametrize("good, foreign, stops", [
    (UNITS[:4], UNITS[4:7], False),      # 3 of 7 fail: three files to send back, not the key
    (UNITS[:2], UNITS[2:5], True),       # 3 of 5 fail
    ([], UNITS[:MIN_FAILED], True),
    ([], UNITS[:MIN_FAILED - 1], False),  # too few to tell
])
def test_most_signatures_failing_stops_the_harvest(tmp_path, catalogue, registry, key_file, good, foreign,
                                                   stops):
    inbox = _inbox(tmp_path / "inbox", catalogue, registry, good, foreign)
    out = tmp_path / "summary"
    result = run("harvest", inbox, "--key-file", key_file, "--out", out)
    if stops:
        assert result.exit_code == 2 and result.output.count("Lỗi:") == 1
        assert f"{len(foreign)} trong {len(good) + len(foreign)} tệp" in result.output
        assert key_fingerprint(TEST_KEY) in result.output and not out.exists()
        return
    assert result.exit_code == 0, result.output
    status = _status(out)
    assert {u for (u, f), r in status.items() if r["reason"]} == set(foreign)
    assert all(status[u, "PL1"]["reason"] == "chữ ký nhận diện không khớp" for u in foreign)


def test_wrong_key_leaves_the_previous_outputs_and_shows_both_fingerprints(tmp_path, catalogue, registry,
                                                                          key_file):
    templates = tmp_path / "templates"
    assert run("generate", "--forms", "PL2", "--key-file", key_file, "--out", templates).exit_code == 0
    inbox = _inbox(tmp_path / "inbox", catalogue, registry, UNITS, [])
    out = tmp_path / "summary"
    assert run("harvest", inbox, "--templates", templates, "--out", out).exit_code == 0
    before = _state(out)
    wrong = tmp_path / "khóa khác.key"
    wrong.write_text(OTHER_KEY.hex())
    result = run("harvest", inbox, "--templates", templates, "--key-file", wrong, "--out", out)
    assert result.exit_code == 2 and "Traceback" not in result.output
    message = result.output[result.output.index("Lỗi:"):]
    assert "7 trong 7 tệp" in message and "có lẽ khóa này không phải khóa đã ký các biểu mẫu" in message
    assert f"khóa đang dùng: {key_fingerprint(OTHER_KEY)}" in message
    assert f"khóa đã ký biểu mẫu: {key_fingerprint(TEST_KEY)}, ghi trong {templates / 'settings.json'}" in message
    assert "kết quả tổng hợp cũ giữ nguyên" in message and "--key-file" in message
    assert OTHER_KEY.hex() not in result.output and TEST_KEY.hex() not in result.output   # never the key
    assert _state(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hmac.key", "inbox", "khóa khác.key", "summary",
                                                         "templates"]
    # Without a record of the signing key, the message says it is not known.
    result = run("harvest", inbox, "--templates", tmp_path / "nowhere", "--key-file", wrong, "--out", out)
    assert result.exit_code == 2 and "khóa đã ký biểu mẫu: không rõ" in result.output
    assert _state(out) == before


# ---- 7. One letter per problem, ever ----------------------------------------------------------

def _harvest_with(templates, tmp_path, key_file, catalogue, name, changes):
    inbox = tmp_path / f"inbox-{name}"
    _fill(templates, catalogue, "vp", "PL3", inbox / "PL3 văn phòng.xlsx", datetime(2020, 3, 18, 9, tzinfo=VN),
          changes)
    summary = tmp_path / f"summary-{name}"
    assert run("harvest", inbox, "--key-file", key_file, "--out", summary, "--templates", templates).exit_code == 0
    return summary


def test_feedback_sent_twice_sends_once_and_a_new_problem_list_is_a_new_letter(
        templates, tmp_path, key_file, catalogue, server):
    handler, address = server
    send = ("--outbox", tmp_path / "outbox", "--send", "--smtp", address, "--security", "none",
            "--templates", templates, "--key-file", key_file)
    first = _harvest_with(templates, tmp_path, key_file, catalogue, "1", {("PL3.6.a", "2019"): 10,
                                                                         ("PL3.6.b", "2019"): 14})
    for attempt in range(2):
        result = run("feedback", "--summary", first, "--out", tmp_path / "fb", *send)
        assert result.exit_code == 0, result.output
        assert ("Đã gửi 1 thư." if attempt == 0 else "Đã gửi 0 thư.") in result.output
    assert len(handler.messages) == 1
    # The same problems harvested again from a resubmitted file (other name, other bytes): no letter.
    again = _harvest_with(templates, tmp_path, key_file, catalogue, "1b", {("PL3.6.a", "2019"): 10,
                                                                          ("PL3.6.b", "2019"): 14})
    result = run("feedback", "--summary", again, "--out", tmp_path / "fb", *send)
    assert "Đã gửi 0 thư." in result.output and len(handler.messages) == 1
    # A changed problem list is a new letter, sent once.
    second = _harvest_with(templates, tmp_path, key_file, catalogue, "2", {("PL3.6.a", "2018"): 3,
                                                                          ("PL3.6.b", "2018"): 9})
    for attempt in range(2):
        result = run("feedback", "--summary", second, "--out", tmp_path / "fb", *send)
        assert ("Đã gửi 1 thư." if attempt == 0 else "Đã gửi 0 thư.") in result.output
    assert len(handler.messages) == 2
    ids = [m["Message-ID"] for _, _, m in handler.messages]
    assert ids[0] != ids[1] and all(i.startswith("<phan-hoi.vp.") for i in ids)
    sent = [r for r in _csv(tmp_path / "outbox" / "sent.csv") if r["status"] == "sent"]
    assert [r["message_id"] for r in sent] == ids


def test_an_unsent_letter_about_problems_now_gone_is_dropped(templates, tmp_path, key_file, catalogue,
                                                            server):
    handler, address = server
    outbox = tmp_path / "outbox"
    wrong = _harvest_with(templates, tmp_path, key_file, catalogue, "1", {("PL3.6.a", "2019"): 10,
                                                                         ("PL3.6.b", "2019"): 14})
    assert run("feedback", "--summary", wrong, "--out", tmp_path / "fb", "--outbox", outbox, "--key-file",
               key_file, "--templates", templates).exit_code == 0
    assert (outbox / "phan-hoi-vp.eml").exists()
    fixed = _harvest_with(templates, tmp_path, key_file, catalogue, "2", {})
    result = run("feedback", "--summary", fixed, "--out", tmp_path / "fb", "--outbox", outbox, "--key-file",
                 key_file, "--templates", templates, "--send", "--smtp", address, "--security", "none")
    assert result.exit_code == 0, result.output
    assert "Đã bỏ 1 thư cũ chưa gửi vì vấn đề trong thư không còn: phan-hoi-vp.eml." in result.output
    assert handler.messages == [] and not (outbox / "phan-hoi-vp.eml").exists()


def test_reminders_are_sent_once_per_problem_list(templates, tmp_path, key_file, catalogue, registry,
                                                   server):
    handler, address = server
    inbox = tmp_path / "inbox"
    when = datetime(2020, 3, 20, 9, tzinfo=VN)
    units = ["vp", "tu-phap", "tckh", "kinh-te", "ttvhttdl", "p-quang-trung", "p-tran-phu", "p-nguyen-trai",
             "p-minh-khai", "p-ngoc-ha", "x-ngoc-duong", "x-phuong-do", "x-phuong-thien", "tcnv", "vhtt"]
    for unit in units:
        _fill(templates, catalogue, unit, "PL1", inbox / f"{unit}.xlsx", when)
    summary = tmp_path / "summary"
    assert run("harvest", inbox, "--key-file", key_file, "--out", summary).exit_code == 0
    send = ("mail", "--reminders", "--summary", summary, "--templates", templates, "--out", tmp_path / "outbox",
            "--send", "--smtp", address, "--security", "none")
    first = run(*send)
    assert first.exit_code == 0, first.output
    count = len(handler.messages)
    assert count >= 3 and f"Đã gửi {count} thư." in first.output
    assert "Đã gửi 0 thư." in run(*send).output and len(handler.messages) == count
    # One unit's PL1 no longer arrives: only its letter changed, only it is sent.
    (inbox / "p-ngoc-ha.xlsx").unlink()
    assert run("harvest", inbox, "--key-file", key_file, "--out", summary).exit_code == 0
    assert "Đã gửi 1 thư." in run(*send).output
    assert [r for _, r, _ in handler.messages[count:]] == [[registry.unit("p-ngoc-ha").email]]


# ---- 8. Settings remembered --------------------------------------------------------------------

@pytest.fixture()
def remembered(tmp_path, key_file, catalogue):
    """Templates generated with --deadline 30/4/2021; Văn phòng's PL3 saved on 20/4/2021, filled
    with two errors (for feedback), harvested without --deadline."""
    templates = tmp_path / "templates"
    result = run("generate", "--deadline", "30/4/2021", "--key-file", key_file, "--out", templates)
    assert result.exit_code == 0, result.output
    assert "Hạn nộp: 30/4/2021 (theo --deadline)." in result.output
    inbox = tmp_path / "inbox"
    _fill(templates, catalogue, "vp", "PL3", inbox / "vp.xlsx", datetime(2021, 4, 20, 9, tzinfo=VN),
          {("PL3.6.a", "2019"): 10, ("PL3.6.b", "2019"): 14})
    _fill(templates, catalogue, "tu-phap", "PL1", inbox / "tp.xlsx", datetime(2021, 4, 20, 9, tzinfo=VN))
    return templates, inbox


SAID = "Hạn nộp: 30/4/2021 (ghi khi tạo biểu mẫu, {settings})."


def test_harvest_uses_the_remembered_deadline_key_and_registry(remembered, tmp_path):
    templates, inbox = remembered
    summary = tmp_path / "summary"
    # No --deadline, no --key-file: both come from the templates' settings.
    result = run("harvest", inbox, "--templates", templates, "--out", summary)
    assert result.exit_code == 0, result.output
    assert SAID.format(settings=templates / "settings.json") in result.output
    assert "dấu vân tay " + key_fingerprint(TEST_KEY) in result.output
    assert _status(summary)[("tu-phap", "PL1")]["status"] == "Đã nộp"   # 20/4/2021: before 30/4/2021
    assert "R-LATE" not in (summary / "issues.csv").read_text(encoding="utf-8-sig")
    # An explicit option wins, and the console says it differs from the record.
    result = run("harvest", inbox, "--templates", templates, "--out", summary, "--deadline", "1/4/2021")
    assert "Hạn nộp: 1/4/2021 (theo --deadline)." in result.output
    assert "Chú ý: hạn này khác hạn ghi trong các biểu mẫu đã tạo (30/4/2021" in result.output
    assert _status(summary)[("tu-phap", "PL1")]["status"] == "Nộp muộn"


@pytest.mark.parametrize("command, letter", [
    (["mail"], "mau-vp.eml"),
    (["mail", "--reminders", "--summary", "{summary}"], "nhac-vp.eml"),
    (["feedback", "--summary", "{summary}", "--out", "{tmp}/fb", "--outbox"], "phan-hoi-vp.eml"),
])
def test_letters_use_the_remembered_deadline(remembered, tmp_path, command, letter):
    templates, inbox = remembered
    summary = tmp_path / "summary"
    assert run("harvest", inbox, "--templates", templates, "--out", summary).exit_code == 0
    args = [a.format(summary=summary, tmp=tmp_path) for a in command]
    outbox = tmp_path / "outbox"
    if args[-1] != "--outbox":
        args.append("--out")
    result = run(*args, outbox, "--templates", templates)
    assert result.exit_code == 0, result.output
    assert SAID.format(settings=templates / "settings.json") in result.output
    body = _eml(outbox / letter).get_body(("plain",)).get_content()
    # (23/3/2020 may still appear as the plan's cut-off date of the data, never as the deadline)
    assert "chậm nhất ngày 30/4/2021" in body and "chậm nhất ngày 23/3/2020" not in body


def test_generate_remembers_its_own_choices_and_announces_a_new_key(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("CCHC_HOME", str(home))
    units = tmp_path / "đơn vị.yaml"
    registry_text = (Path(__file__).parents[1] / "xlsx_forms" / "specs" / "units.yaml").read_text("utf-8")
    units.write_text(registry_text, "utf-8")
    out = tmp_path / "templates"
    first = run("generate", "--forms", "PL2", "--deadline", "30/4/2021", "--units", units, "--out", out)
    assert first.exit_code == 0, first.output
    key = home / "hmac.key"
    assert f"Đã tạo khóa ký mới tại {key}." in first.output and "Hãy giữ tệp này" in first.output
    settings = json.loads((out / "settings.json").read_text("utf-8"))
    assert settings == {"format": 1, "deadline": "2021-04-30", "registry": str(units),
                        "registry_sha256": hashlib.sha256(units.read_bytes()).hexdigest(), "key_file": str(key),
                        "key_fingerprint": key_fingerprint(bytes.fromhex(key.read_text())),
                        "generated_at": settings["generated_at"], "plan": "",
                        "plan_sha256": load_plan(None).sha256}
    assert key.read_text().strip() not in (out / "settings.json").read_text("utf-8")
    # Again, with no options: the same choices, no new key.
    second = run("generate", "--forms", "PL2", "--out", out)
    assert second.exit_code == 0 and "Đã tạo khóa ký mới" not in second.output
    assert "Hạn nộp: 30/4/2021 (ghi khi tạo biểu mẫu" in second.output
    assert json.loads((out / "settings.json").read_text("utf-8"))["registry"] == str(units)
    # A registry edited since: used, and pointed out.
    units.write_text(registry_text.replace("Phòng Tư pháp", "Phòng Tư pháp thành phố"), "utf-8")
    third = run("mail", "--templates", out, "--out", tmp_path / "outbox")
    assert third.exit_code == 0 and "Chú ý: sổ đăng ký này khác sổ đã dùng khi tạo biểu mẫu" in third.output
    assert "Phòng Tư pháp thành phố" in _eml(tmp_path / "outbox" / "mau-tu-phap.eml")["To"]


def test_without_settings_the_plan_deadline_is_used_and_said(tmp_path, key_file, catalogue, registry):
    inbox = _inbox(tmp_path / "inbox", catalogue, registry, ["vp"], [])
    result = run("harvest", inbox, "--key-file", key_file, "--out", tmp_path / "s", "--templates", tmp_path / "t")
    assert result.exit_code == 0, result.output
    assert f"Không có thiết đặt ghi khi tạo biểu mẫu ({tmp_path / 't' / 'settings.json'})" in result.output
    assert "Hạn nộp: 23/3/2020 (mặc định theo kế hoạch)." in result.output


def test_what_was_chosen_is_said_before_a_choice_fails(tmp_path, key_file, catalogue, registry, monkeypatch):
    """No settings and no key where the default key lives: the notice about the missing
    settings comes first, then the key's error, which says to name the key file."""
    monkeypatch.setenv("CCHC_HOME", str(tmp_path / "chưa có khóa"))
    (tmp_path / "chưa có khóa").mkdir()
    inbox = _inbox(tmp_path / "inbox", catalogue, registry, ["vp"], [])
    result = run("harvest", inbox, "--out", tmp_path / "s", "--templates", tmp_path / "t")
    assert result.exit_code == 2, result.output
    notice = result.output.index("Không có thiết đặt ghi khi tạo biểu mẫu")
    assert notice < result.output.index("Lỗi:") and "--key-file" in result.output
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("content, problem", [
    (b"{not json", "không phải JSON UTF-8 hợp lệ"),
    (b"\xff\xfe", "không phải JSON UTF-8 hợp lệ"),
    (b"[]", "không phải thiết đặt cchc dạng 1"),
    (b'{"format": 2}', "không phải thiết đặt cchc dạng 1"),
    (b'{"format": 1, "deadline": "30/4/2021"}', "thiếu trường hoặc trường sai kiểu"),
    (json.dumps({"format": 1, "deadline": "2021-04-30", "registry": "", "registry_sha256": "", "key_file": 5,
                 "key_fingerprint": "", "generated_at": ""}).encode(), "thiếu trường hoặc trường sai kiểu"),
])
def test_damaged_settings_stop_with_a_message_naming_the_file(tmp_path, key_file, content, problem):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "settings.json").write_bytes(content)
    (tmp_path / "inbox").mkdir()
    for args in (["harvest", tmp_path / "inbox", "--out", tmp_path / "s"], ["mail", "--out", tmp_path / "o"],
                 ["feedback", "--summary", tmp_path / "inbox", "--out", tmp_path / "f"]):
        result = run(*args, "--templates", templates)
        assert result.exit_code == 2, result.output
        assert f"Lỗi: {templates / 'settings.json'}: không đọc được thiết đặt ghi khi tạo biểu mẫu ({problem})" \
            in result.output


def test_key_recorded_but_gone_is_an_operator_error(remembered, tmp_path, key_file):
    templates, inbox = remembered
    key_file.unlink()
    result = run("harvest", inbox, "--templates", templates, "--out", tmp_path / "s")
    assert result.exit_code == 2 and f"Lỗi: {key_file}: khóa HMAC không dùng được (tệp không tồn tại)" in result.output


def test_help_texts_name_the_remembered_settings():
    for command in ("harvest", "mail", "feedback"):
        text = " ".join(run(command, "--help").output.split())
        assert "--templates" in text and "settings.json" in text
        assert "hạn ghi khi tạo biểu mẫu" in text
    assert "settings.json" in " ".join(run("generate", "--help").output.split())
