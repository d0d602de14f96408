"""Harvesting narrative reports: sections read under their headings, coverage warnings,
identity like a workbook's (never attributed without one), resubmissions reconciled,
and bad documents (renamed, bombed, with a DTD, identity-less) reported while the run
goes on with every good file's results unchanged."""
from __future__ import annotations

import csv
import io
import subprocess
from datetime import date, datetime, timezone

import pytest

from harvest.narrative import process_document, sniff
from harvest.sections import reconcile_reports
from sheetio.cfb import single_stream
from tests import hostile
from tests.conftest import TEST_KEY
from tests.hostile_env import harvest_cli, read_csv_rows
from tests.narrative_docs import fill, template, with_dtd, without_identity
from tests.specedit import spec_dir_with
from xlsx_forms.outline import default_outline, load_outline

NOW = datetime(2020, 3, 30, tzinfo=timezone.utc)
TEXTS = {"I.1": "Đơn vị ban hành 12 kế hoạch CCHC.\nTổ chức 4 hội nghị quán triệt.",
         "II.2.1": "Công khai 100% thủ tục hành chính tại Bộ phận một cửa.", "P3.3": "=SUM(A1) không có."}


@pytest.fixture(scope="module")
def outline():
    return default_outline()


def _read(data, outline, registry, name="bao-cao.docx", key=TEST_KEY, kind=None):
    return process_document(name, data, 0.0, kind or sniff(data), outline, registry, key)


def _codes(result):
    return [i.code for i in result.issues]


def test_sections_read_under_their_headings(outline, registry):
    data = fill(template(outline, registry, "tu-phap", TEST_KEY), outline, TEXTS)
    r = _read(data, outline, registry)
    assert (r.accepted, r.unit, r.form, r.signature_ok) == (True, "tu-phap", outline.id, True)
    assert {k: v.value for k, v in r.values.items()} == TEXTS
    empty = {i.message.split("Mục ")[1].split(" ")[0] for i in r.issues if i.code in ("N-EMPTY", "N-GUIDANCE")}
    assert empty == set(outline.leaves) - set(TEXTS)
    assert "N-HEADING" not in _codes(r)


COVERAGE = {  # how the clerk left sections → code per untouched leaf with guidance, and without
    "guidance kept": ({}, "N-GUIDANCE", "N-EMPTY"),
    "guidance deleted": ({"drop_guidance": True}, "N-EMPTY", "N-EMPTY"),
}


@pytest.mark.parametrize("case", list(COVERAGE))
def test_coverage_warnings(outline, registry, case):
    options, with_guidance, without = COVERAGE[case]
    r = _read(fill(template(outline, registry, "vp", TEST_KEY), outline, {}, **options), outline, registry)
    by_section = {i.message.split("Mục ")[1].split(" ")[0]: (i.code, i.severity) for i in r.issues
                  if i.code in ("N-EMPTY", "N-GUIDANCE")}
    assert set(by_section) == set(outline.leaves)
    for s in outline.sections:
        if s.id in outline.leaves:
            assert by_section[s.id] == ((with_guidance if s.guidance else without), "warning"), s.id
    assert r.accepted and not r.values


def test_text_typed_after_the_guidance_keeps_only_the_units_words(outline, registry):
    data = fill(template(outline, registry, "vp", TEST_KEY), outline, {},
                after_guidance={"I.2": "Năm 2019 kiểm tra 6 đơn vị."})
    r = _read(data, outline, registry)
    assert r.values["I.2"].value == "Năm 2019 kiểm tra 6 đơn vị."


def test_deleted_heading_is_reported_and_its_text_stays_with_the_section_before(outline, registry):
    data = fill(template(outline, registry, "vp", TEST_KEY), outline, {"I.1": "Một.", "I.2": "Hai."},
                delete_headings=("I.2",))
    r = _read(data, outline, registry)
    heading = [i for i in r.issues if i.code == "N-HEADING"]
    assert len(heading) == 1 and "I.2 «2. Kiểm tra việc thực hiện»" in heading[0].message
    assert r.values["I.1"].value.split("\n")[0] == "Một." and "Hai." in r.values["I.1"].value


REJECTED = {  # document → (issue code, attributed to the unit?)
    "another key": (lambda o, reg: template(o, reg, "vp", bytes(32)), "F-HMAC", True),
    "identity removed": (lambda o, reg: without_identity(template(o, reg, "vp", TEST_KEY)), "N-NO-IDENTITY", False),
    # (the header prints the unit's name on whole-word lines: "VĂN PHÒNG HĐND-UBND" / "THÀNH PHỐ")
    "another unit's template": (lambda o, reg: fill(template(o, reg, "vp", TEST_KEY), o, {},
                                                    replace={"VĂN PHÒNG HĐND-UBND": "PHÒNG TƯ PHÁP"}),
                                "N-UNIT-NAME", False),
    "damaged": (lambda o, reg: template(o, reg, "vp", TEST_KEY)[:4000], "N-UNREADABLE", False),
    "dtd": (lambda o, reg: with_dtd(template(o, reg, "vp", TEST_KEY)), "N-UNREADABLE", False),
    "dtd in properties": (lambda o, reg: with_dtd(template(o, reg, "vp", TEST_KEY), "docProps/custom.xml"),
                          "N-UNREADABLE", False),
    "zip bomb": (lambda o, reg: hostile.zip_bomb(0.2, template(o, reg, "vp", TEST_KEY), "word/document.xml"),
                 "N-UNREADABLE", False),
    "pdf": (lambda o, reg: hostile.pdf_renamed(), "N-NOT-READ", False),
}


@pytest.mark.parametrize("case", list(REJECTED))
def test_bad_documents_are_reported_and_never_used(outline, registry, case):
    make, code, attributed = REJECTED[case]
    r = _read(make(outline, registry), outline, registry, name="báo cáo.pdf" if case == "pdf" else "báo cáo.docx")
    assert not r.accepted and r.reason and _codes(r) == [code]
    assert r.issues[0].message.startswith("báo cáo.") and r.issues[0].message == r.issues[0].message.strip()
    assert (r.unit, r.form) == (("vp", outline.id) if attributed else ("", ""))
    assert not r.values


def test_a_newer_outline_refuses_older_reports_but_counts_them_received(tmp_path, outline, registry):
    newer = load_outline(spec_dir_with(tmp_path, "outline.yaml", "version: 1\n", "version: 2\n"))
    r = _read(template(outline, registry, "vp", TEST_KEY), newer, registry)
    assert _codes(r) == ["N-OUTLINE"] and (r.unit, r.form) == ("vp", newer.id)
    rec = reconcile_reports([r], registry, date(2020, 3, 23), NOW, newer)
    assert {s.unit: s.status for s in rec.statuses}["vp"] == "Có lỗi"


def test_documents_named_like_workbooks_go_to_the_workbook_reader_unless_signed(outline, registry):
    signed = template(outline, registry, "vp", TEST_KEY)
    assert _read(signed, outline, registry, name="PL1.xlsx").accepted   # content decides
    for data in (without_identity(signed), hostile.docx_renamed(), hostile.pdf_renamed()):
        assert _read(data, outline, registry, name="công văn.xlsx") is None


def test_resubmission_latest_wins_duplicates_count_once(outline, registry):
    base = template(outline, registry, "p-tran-phu", TEST_KEY)
    first = fill(base, outline, {"I.1": "Bản đầu."}, saved_at=datetime(2020, 3, 18, 9))
    second = fill(base, outline, {"I.1": "Bản sửa."}, saved_at=datetime(2020, 3, 21, 9))
    late = fill(template(outline, registry, "vp", TEST_KEY), outline, {"I.1": "Muộn."},
                saved_at=datetime(2020, 3, 25, 9))
    results = [_read(d, outline, registry, name=n) for n, d in
               (("a.docx", first), ("b.docx", second), ("c.docx", second), ("d.docx", late))]
    rec = reconcile_reports(results, registry, date(2020, 3, 23), NOW, outline)
    assert rec.used[("p-tran-phu", outline.id)].rel == "b.docx"
    assert {rel: o for rel, (o, _) in rec.outcomes.items()} == {
        "a.docx": "superseded", "b.docx": "used", "c.docx": "duplicate", "d.docx": "used"}
    status = {s.unit: s.status for s in rec.statuses}
    assert (status["p-tran-phu"], status["vp"], status["tu-phap"]) == ("Đã nộp", "Nộp muộn", "Chưa nộp")
    superseded = next(i for i in rec.issues if i.code == "R-SUPERSEDED")
    assert "I.1: Bản đầu. → Bản sửa." in superseded.message
    missing = [i for i in rec.issues if i.code == "N-MISSING"]
    assert len(missing) == len(registry.units) - 2 and all(i.severity == "warning" for i in missing)


BAD_FILES = {  # inbox name → (maker, outcome code, words of the message)
    "báo cáo bom.docx": (lambda o, reg: hostile.zip_bomb(1.0, template(o, reg, "tckh", TEST_KEY),
                                                        "word/document.xml"), "N-UNREADABLE", "bom nén"),
    "báo cáo dtd.docx": (lambda o, reg: with_dtd(template(o, reg, "tckh", TEST_KEY)), "N-UNREADABLE", "DTD"),
    "báo cáo chép lại.docx": (lambda o, reg: without_identity(template(o, reg, "tckh", TEST_KEY)),
                              "N-NO-IDENTITY", "thông tin nhận diện"),
    "công văn.xlsx": (lambda o, reg: without_identity(template(o, reg, "tckh", TEST_KEY)), "F-UNREADABLE",
                      "tệp Word (.docx)"),
    "bản ký.pdf": (lambda o, reg: hostile.pdf_renamed(), "N-NOT-READ", "tệp PDF"),
    "báo cáo cũ.doc": (lambda o, reg: single_stream("WordDocument", b"\xec\xa5" + bytes(600)), "N-NOT-READ",
                       "tệp Word cũ (.doc)"),
    "báo cáo hỏng.doc": (lambda o, reg: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096), "N-UNREADABLE",
                         "tệp Word .doc bị hỏng"),
}


@pytest.fixture(scope="module")
def harvested(good_inbox, key_file, tmp_path_factory, registry):
    """The good inbox plus two good reports, a resubmission and every bad document."""
    outline = default_outline()
    inbox = tmp_path_factory.mktemp("narrative") / "inbox"
    subprocess.run(["cp", "-a", str(good_inbox), str(inbox)], check=True)
    (inbox / "báo cáo").mkdir()
    (inbox / "báo cáo" / "Tư pháp.docx").write_bytes(fill(template(outline, registry, "tu-phap", TEST_KEY), outline,
                                                          TEXTS, saved_at=datetime(2020, 3, 20, 9)))
    (inbox / "báo cáo" / "VP.docx").write_bytes(fill(template(outline, registry, "vp", TEST_KEY), outline,
                                                     {"I.1": "Bản đầu."}, saved_at=datetime(2020, 3, 19, 9)))
    (inbox / "báo cáo" / "VP sửa.docx").write_bytes(fill(template(outline, registry, "vp", TEST_KEY), outline,
                                                         {"I.1": "Bản sửa."}, saved_at=datetime(2020, 3, 20, 9)))
    for name, (make, _, _) in BAD_FILES.items():
        (inbox / "xấu" / name).parent.mkdir(exist_ok=True)
        (inbox / "xấu" / name).write_bytes(make(outline, registry))
    out = inbox.parent / "out"
    return inbox, out, harvest_cli(inbox, out, key_file)


def test_harvest_with_reports_finishes_and_keeps_the_workbooks_results(harvested, baseline):
    inbox, out, run = harvested
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Báo cáo theo Đề cương: 2/15 đơn vị đã gửi" in run.stdout
    assert (out / "values.csv").read_bytes() == (baseline / "values.csv").read_bytes()
    assert sorted(p.name for p in inbox.parent.iterdir()) == ["inbox", "out"]


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_each_bad_document_in_ledger_and_issues_never_attributed(harvested, name):
    _, out, _ = harvested
    rel = f"xấu/{name}"
    row = {r["path"]: r for r in read_csv_rows(out / "ledger.csv")}[rel]
    assert (row["outcome"], row["unit_code"], row["form"]) == ("rejected", "", "")
    issues = [i for i in read_csv_rows(out / "issues.csv") if i["file"] == rel]
    _, code, words = BAD_FILES[name]
    assert [i["code"] for i in issues] == [code] and words in issues[0]["message"]
    assert issues[0]["message"].startswith(rel + ": ")


def test_status_report_column_and_sections_csv(harvested, registry, outline):
    _, out, _ = harvested
    status = read_csv_rows(out / "status.csv")
    report = {r["unit_code"]: r["report"] for r in status}
    assert report["tu-phap"] == report["vp"] == "Đã nộp" and report["tckh"] == "Chưa nộp"
    assert set(report) == {u.code for u in registry.units}
    raw = (out / "sections.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == ["unit_code", "unit_name", "section_id", "heading", "text", "file"]
    assert [(r["unit_code"], r["section_id"]) for r in rows] == [(u, s.id) for u in ("vp", "tu-phap")
                                                                for s in outline.sections]
    texts = {(r["unit_code"], r["section_id"]): r for r in rows}
    assert texts[("vp", "I.1")]["text"] == "Bản sửa." and texts[("vp", "I.1")]["file"] == "báo cáo/VP sửa.docx"
    assert texts[("tu-phap", "I.1")]["text"] == TEXTS["I.1"]
    assert texts[("tu-phap", "P3.3")]["text"] == "'=SUM(A1) không có."   # CSV injection
    assert texts[("tu-phap", "I.1")]["heading"] == "1. Công tác chỉ đạo, điều hành"
    ledger = {r["path"]: r["outcome"] for r in read_csv_rows(out / "ledger.csv")}
    assert (ledger["báo cáo/VP.docx"], ledger["báo cáo/VP sửa.docx"]) == ("superseded", "used")


def test_sample_inbox_reports(tmp_path):
    """The sample inbox's narrative reports: a full one, a resubmission, one mostly
    guidance, a signed PDF (samples/build_samples.py)."""
    from samples.build_samples import DEMO_KEY, INBOX
    out = tmp_path / "out"
    run = harvest_cli(INBOX, out, DEMO_KEY)
    assert run.returncode == 0, run.stderr[-2000:]
    report = {r["unit_code"]: r["report"] for r in read_csv_rows(out / "status.csv")}
    assert [u for u, s in report.items() if s == "Đã nộp"] == ["vp", "tu-phap", "p-tran-phu"]
    rows = read_csv_rows(out / "sections.csv")
    trần_phú = {r["section_id"]: r["text"] for r in rows if r["unit_code"] == "p-tran-phu"}
    assert trần_phú["I.1"] == "Phường ban hành 5 kế hoạch CCHC giai đoạn 2016-2020." and trần_phú["I.2"] == ""
    issues = read_csv_rows(out / "issues.csv")
    assert not [i for i in issues if i["unit_code"] == "tu-phap" and i["code"] in ("N-EMPTY", "N-GUIDANCE")]
    vp = {i["code"] for i in issues if i["unit_code"] == "vp" and i["form"] == "BC"}
    assert vp == {"N-EMPTY", "N-GUIDANCE"}
    pdf = [i for i in issues if i["file"].endswith("(bản ký).pdf")]
    assert [(i["code"], i["severity"], i["unit_code"]) for i in pdf] == [("N-NOT-READ", "warning", "")]
