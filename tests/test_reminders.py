"""Reminders count the narrative report (Báo cáo theo Đề cương) like an appendix: a unit that
never sent it is reminded of it (its template attached), and no letter says "đã nhận đủ"
unless every appendix and the report are in (issue 14, review: Minh Khai)."""
from __future__ import annotations

import csv
import io
import itertools
from datetime import date
from pathlib import Path

import pytest

from harvest.reconcile import LATE, MISSING, SUBMITTED, WITH_ERRORS
from mailer.messages import reminder_letter
from mailer.reminders import reminders
from tests.test_mail import _eml, run

REPO = Path(__file__).resolve().parent.parent
ALL_IN = "đã nhận đủ"


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample inbox harvested (as ``make demo`` does) and its reminders written."""
    root = tmp_path_factory.mktemp("sample")
    key = REPO / "samples" / "demo-hmac.key"
    assert run("generate", "--key-file", key, "--out", root / "templates").exit_code == 0
    assert run("harvest", REPO / "samples" / "inbox", "--key-file", key, "--out", root / "summary").exit_code == 0
    result = run("mail", "--reminders", "--summary", root / "summary", "--templates", root / "templates",
                 "--out", root / "outbox")
    assert result.exit_code == 0, result.output
    return root


def _body(path: Path) -> str:
    return _eml(path).get_body(("plain",)).get_content().replace("\r\n", "\n")


def test_minh_khai_is_reminded_of_its_report_and_told_its_error(sample):
    letter = _eml(sample / "outbox" / "nhac-p-minh-khai.eml")
    body = _body(sample / "outbox" / "nhac-p-minh-khai.eml")
    assert ALL_IN not in body and "chưa nhận đủ báo cáo của UBND phường Minh Khai" in body
    assert "Báo cáo chưa nộp (mẫu gửi kèm):\n  - Báo cáo tổng kết" in body
    assert "Các phụ lục đã nộp nhưng còn lỗi cần sửa:\n  - Phụ lục 1:" in body
    assert "bao-cao_p-minh-khai.docx" in [a.get_filename() for a in letter.iter_attachments()]


def test_every_unit_without_its_report_gets_a_reminder_for_it(sample, catalogue):
    statuses = _csv(sample / "summary" / "status.csv")
    report = {s["unit_code"]: s["report"] for s in statuses}
    appendices_in = {u: all(s["status"] != MISSING for s in statuses if s["unit_code"] == u) for u in report}
    without = sorted(u for u, st in report.items() if st == MISSING)
    assert "p-minh-khai" in without and any(appendices_in[u] for u in without)   # some miss only the report
    written = {p.stem.removeprefix("nhac-") for p in (sample / "outbox").glob("nhac-*.eml")}
    assert set(without) <= written
    for unit in written:
        body = _body(sample / "outbox" / f"nhac-{unit}.eml")
        attached = [a.get_filename() for a in _eml(sample / "outbox" / f"nhac-{unit}.eml").iter_attachments()]
        assert (ALL_IN in body) == (appendices_in[unit] and report[unit] not in (MISSING, "")), unit
        if report[unit] == MISSING:
            assert "Báo cáo tổng kết" in body and f"bao-cao_{unit}.docx" in attached, unit
            assert "Báo cáo chưa nộp" in body or "Báo cáo và các phụ lục chưa nộp" in body, unit


REPORT_STATES = [SUBMITTED, LATE, MISSING, WITH_ERRORS]
FORM_STATES = [SUBMITTED, LATE, MISSING, WITH_ERRORS, "unusable"]


@pytest.mark.parametrize(("report", "form"), list(itertools.product(REPORT_STATES, FORM_STATES)))
def test_reminder_by_report_and_appendix_state(catalogue, registry, report, form):
    """Every combination of the report's and an appendix's state: a reminder exactly when
    something is missing or wrong, "đủ" only when both are in, the report listed as the
    appendices are."""
    unit = registry.unit("p-minh-khai")
    bc = catalogue.outline.id
    status = {"unit_code": unit.code, "form": "PL1", "status": WITH_ERRORS if form == "unusable" else form,
              "file": "" if form == MISSING else "thư/PL1.xlsx", "reason": "sai khóa" if form == "unusable" else "",
              "report": report}
    issues = [{"severity": "error", "code": "V-AMBIGUOUS", "unit_code": unit.code, "form": f, "file": "thư/x",
               "message": f"lỗi của {f}"} for f in ("PL1", bc)]
    (got,) = reminders([status], issues, registry, bc) or [None]
    expected = report in (MISSING, WITH_ERRORS) or form in (MISSING, WITH_ERRORS, "unusable")
    assert (got is not None) == expected
    if got is None:
        return
    assert (bc in got.missing) == (report == MISSING) and (bc in got.wrong) == (report == WITH_ERRORS)
    if report == WITH_ERRORS:
        assert got.wrong[bc] == [f"lỗi của {bc}"] and got.sent[bc] == "thư/x"
    body = "\n".join(reminder_letter(catalogue, registry, unit, got.missing, got.wrong, [], date(2020, 3, 23),
                                     got.unusable, got.sent).lines)
    assert (ALL_IN in body) == (report not in (MISSING,) and form not in (MISSING, "unusable")), body
    assert ("Báo cáo tổng kết" in body) == (report in (MISSING, WITH_ERRORS))
    assert "thư/" not in body   # the file as the office sent it, never the inbox's folders
