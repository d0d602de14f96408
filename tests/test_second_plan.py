"""A second, different plan, authored in the workbook (samples/plans/bao-cao-quy.xlsx):
checked, generated, filled, harvested and consolidated end to end, with nothing of plan
372 anywhere in what it produces (issue 11, item 7)."""
from __future__ import annotations

import csv
import random
import re
import zipfile
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from cchc.cli import cli
from samples.fill import valid_values, write_values
from samples.plans import bao_cao_quy
from xlsx_forms.plan import load_plan

ROOT = Path(__file__).parents[1]
PLAN = ROOT / "samples" / "plans" / "bao-cao-quy.xlsx"
DEMO_KEY = ROOT / "samples" / "demo-hmac.key"
EPOCH = "1704067200"   # 1/1/2024
SAVED = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)   # before the plan's deadline, 10/1/2025
# What plan 372 would leave behind if anything of it were assumed.
FOREIGN = ("372", "Hà Giang", "HÀ GIANG", "hagiang", "PL8", "PL1", "2011-2020", "2011 - 2020", "23/3/2020",
           "Ban Tổ chức", "Năm 2019")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"SOURCE_DATE_EPOCH": EPOCH})


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


HEX_RUN = re.compile(r"[0-9a-fA-F]{16,}")


def _texts(path: Path) -> str:
    """Every text part of an Office file (shared strings, sheets, document, properties)."""
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith((".xml", ".rels")))


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    """The plan generated, every assigned workbook filled with valid values, harvested."""
    root = tmp_path_factory.mktemp("quy")
    templates, inbox, out = root / "templates", root / "inbox", root / "summary"
    made = run("generate", "--plan", PLAN, "--key-file", DEMO_KEY, "--out", templates)
    assert made.exit_code == 0, made.output
    bundle = load_plan(PLAN)
    filled = {}
    for unit, form_id in bundle.registry.assignments():
        form = bundle.catalogue.form(form_id)
        values = valid_values(form, unit.code, random.Random(f"{unit.code}/{form_id}"))
        write_values(templates / unit.code / f"{form_id}_{unit.code}.xlsx", form, values,
                     inbox / unit.code / f"{form_id}.xlsx", saved_at=SAVED,
                     preparer=("Nguyễn Thị Lan", "0296 3822 111", f"{unit.code}@tanchau.example"))
        filled[(unit.code, form_id)] = values
    harvested = run("harvest", inbox, "--templates", templates, "--out", out)
    assert harvested.exit_code == 0, harvested.output
    return bundle, templates, out, filled, made.output + harvested.output


def test_the_committed_workbook_is_what_the_sample_description_gives():
    assert PLAN.read_bytes() == bao_cao_quy.workbook_bytes()


def test_plan_check_passes():
    result = run("plan", "check", PLAN)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Kế hoạch hợp lệ: 2 biểu, 8 chỉ tiêu, 7 đơn vị."


def test_the_plan_is_its_own(loop):
    bundle, _t, _o, _f, output = loop
    catalogue = bundle.catalogue
    assert [p.id for p in catalogue.forms["KQ"].periods] == ["Q1", "Q2", "Q3", "Q4"]
    assert {k: v.base for k, v in catalogue.kinds.items()} == {
        "so_luong": "integer", "kinh_phi": "decimal", "xep_loai": "choice", "van_ban_ngan": "text", "note": "text"}
    assert catalogue.kinds["xep_loai"].choices == ("Tốt", "Khá", "Trung bình", "Yếu")
    assert catalogue.unit_kinds == {"phuong": "UBND phường", "co-quan": "Cơ quan chuyên môn thị xã"}
    assert bundle.outline is not None and bundle.outline.id == "BCQ" and len(bundle.outline.sections) == 4
    assert f"Kế hoạch: {PLAN} (theo --plan)." in output


def test_generate_writes_a_workbook_per_assignment_and_a_report_per_unit(loop):
    bundle, templates, _o, _f, _out = loop
    registry = bundle.registry
    expected = {f"{u.code}/{f}_{u.code}.xlsx" for u, f in registry.assignments()} | \
        {f"{u.code}/bao-cao_{u.code}.docx" for u in registry.units}
    got = {p.relative_to(templates).as_posix() for p in templates.rglob("*") if p.suffix in (".xlsx", ".docx")}
    assert got == expected and len(expected) == 9 + 7
    manifest = _csv(templates / "manifest.csv")
    assert Counter(r["form"] for r in manifest) == {"KQ": 7, "DV": 2, "BCQ": 7}


def _expected_city(bundle, filled) -> dict[tuple[str, str, str], str]:
    """The city values computed here, independently: sums of counts and amounts, the
    tally of the choices in the list's order; text rows are not consolidated."""
    expected = {}
    for form in bundle.catalogue.forms.values():
        for row in form.input_rows:
            for period in form.periods:
                got = [v[(row.id, period.id)] for (_u, f), v in filled.items() if f == form.id]
                kind = form.kind_of(row)
                if kind.base == "choice":
                    counts = Counter(got)
                    text = "; ".join(f"{c}: {counts[c]}" for c in kind.choices if counts[c])
                elif kind.base == "text":
                    text = ""
                else:
                    text = repr(round(float(sum(got)), 6))
                expected[(form.id, row.id, period.id)] = text
    return expected


def _number_or_text(text: str) -> str:
    try:
        return repr(round(float(text), 6))
    except ValueError:
        return text


def test_city_values_equal_an_independent_computation(loop):
    bundle, _t, out, filled, _o = loop
    city = {(r["form"], r["row_id"], r["period"]): _number_or_text(r["value"]) for r in _csv(out / "city.csv")}
    expected = _expected_city(bundle, filled)
    assert city == expected
    # The amounts add up as a person adds them (no binary tail in the CSV).
    amounts = [r["value"] for r in _csv(out / "city.csv") if r["row_id"] == "KQ.2"]
    assert all(len(a.partition(".")[2]) <= 1 for a in amounts), amounts


def test_every_value_is_in_values_csv_text_rows_included(loop):
    _b, _t, out, filled, _o = loop
    rows = _csv(out / "values.csv")
    got = {(r["unit_code"], r["form"], r["row_id"], r["period"]): r["value"] for r in rows}
    assert len(got) == sum(len(v) for v in filled.values())
    for (unit, form), values in filled.items():
        for (row_id, period), value in values.items():
            shown = got[(unit, form, row_id, period)]
            assert (_number_or_text(shown) == _number_or_text(str(value))), (unit, row_id, period, shown, value)
    assert {r["status"] for r in rows} == {"ok"}
    texts = [r["value"] for r in rows if r["row_id"] == "KQ.3"]
    assert len(texts) == 7 * 4 and all(texts)


def test_the_summary_and_the_city_appendices_are_written(loop):
    _b, _t, out, _f, output = loop
    for name in ("tong-hop-cchc.xlsx", "phu-luc-thanh-pho.xlsx", "status.csv", "issues.csv", "ledger.csv"):
        assert (out / name).is_file(), name
    summary = _texts(out / "tong-hop-cchc.xlsx")
    assert "TỔNG HỢP BÁO CÁO CẢI CÁCH HÀNH CHÍNH THEO QUÝ NĂM 2024" in summary
    assert "Kinh phí chi cho công tác cải cách hành chính" in summary
    assert "UBND THỊ XÃ TÂN CHÂU" in _texts(out / "phu-luc-thanh-pho.xlsx")
    status = _csv(out / "status.csv")
    assert len(status) == 9 and all(s["errors"] == "0" for s in status)
    # Only the narrative reports, never sent here, are missing.
    assert {i["code"] for i in _csv(out / "issues.csv")} == {"N-MISSING"}
    assert "Đơn vị: 7/7 đã nộp đủ phụ lục, không lỗi" in output


def test_nothing_of_plan_372_appears_in_the_outputs(loop):
    _b, templates, out, _f, output = loop
    files = [p for folder in (templates, out) for p in folder.rglob("*") if p.is_file()]
    assert len(files) > 20
    for path in files:
        text = _texts(path) if path.suffix in (".xlsx", ".docx") else path.read_text("utf-8", errors="replace")
        # Hashes, signatures and ids made from the clock are hex runs that may hold "372" by chance.
        text = HEX_RUN.sub("", text)
        found = [w for w in FOREIGN if w in text]
        assert not found, (path, found)
    assert not [w for w in FOREIGN if w in output]
