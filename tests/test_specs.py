"""The specs against the seed document: every row, label, period and fix."""
from __future__ import annotations

import hashlib
import re
import unicodedata

import pytest

from tests import seed
from tests.specedit import load_error

# The plan as received (shared/seed/000_b20ccc7107ca5774.txt), by content: the copy in
# docs/ is checked in every checkout, and against the original where it is beside it.
SEED_SHA256 = "67e7bbf344015f471469ce574aaae26e18259eede50a9b3664ef7fa375dc8d83"


def test_docs_copy_of_the_seed_is_the_plan_as_received():
    assert hashlib.sha256(seed.SEED.read_bytes()).hexdigest() == SEED_SHA256
    if seed.SHARED_SEED.exists():
        assert seed.SEED.read_bytes() == seed.SHARED_SEED.read_bytes()


ROWS_FORMS = ["PL1", "PL2", "PL3", "PL5", "PL6", "PL7", "PL8"]


def unfix(text: str, fixes) -> str:
    """The label as printed in the seed: undo each recorded fix."""
    for fix in fixes:
        assert fix.right in text, f"fix target «{fix.right}» not in «{text}»"
        text = text.replace(fix.right, fix.wrong)
    return text


def spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("form_id", ROWS_FORMS)
def test_every_seed_row_in_order_with_its_label(catalogue, form_id):
    form = catalogue.form(form_id)
    expected = seed.rows_of(form.number)
    got = [(r.stt, spaced(unfix(r.label, r.fixes))) for r in form.rows]
    assert got == [(stt, spaced(label)) for stt, label in expected]


def test_pl4_tables_are_the_seed_headers_and_stages(catalogue):
    form = catalogue.form("PL4")
    headers = seed.header_of(4)
    assert len(form.tables) == len(headers) == 2
    for table, header in zip(form.tables, headers, strict=True):
        assert [table.place_header, table.period_header] == header[:2]
        assert [unfix(r.label, r.fixes) for r in table.rows] == header[2:-1]
        assert header[-1] == "Ghi chú"
    stages = [cells[1] for cells in seed.table_lines(seed.appendix_sections()[4])
              if cells[1].startswith("Giai đoạn ")]
    assert stages == [p.label for p in form.periods] * 2


@pytest.mark.parametrize("form_id", ROWS_FORMS)
def test_period_columns_exactly_as_printed(catalogue, form_id):
    form = catalogue.form(form_id)
    header = seed.header_of(form.number)[0]
    stt = header[0]
    for where, fix in form.fixes:
        if where == "stt_header":
            stt = stt.replace(fix.wrong, fix.right)
    assert stt == form.stt_header
    assert header[1] == form.label_header
    printed = header[2:3] if form.responsible_units else header[2:]
    assert printed == [p.label for p in form.periods]


@pytest.mark.parametrize("form_id, cutoff", [("PL1", "23/3"), ("PL2", "31/12"), ("PL3", "23/3"),
                                              ("PL5", "31/3"), ("PL6", "23/3"), ("PL7", "23/3")])
def test_year_2020_cutoffs(catalogue, form_id, cutoff):
    assert catalogue.form(form_id).periods[-1].label == f"Năm 2020 (Tính đến {cutoff})"


def test_pl8_targets_and_their_responsible_units(catalogue):
    form = catalogue.form("PL8")
    lines = [c for c in seed.table_lines(seed.appendix_sections()[8]) if c[0].rstrip(".").isdigit()]
    assert len(form.rows) == len(lines) == 16
    for row, cells in zip(form.rows, lines, strict=True):
        assert row.kind == "rating"
        assert form.responsible_units[row.responsible] == cells[3]


@pytest.mark.parametrize("wrong", ["thuế chẽ", "giám thời gian", "kiểm nghị", "Số cơ chuyên môn",
                                   "thanh trá", "bù trống", "dàn cho", "ST T"])
def test_evident_typos_are_fixed_and_recorded(catalogue, wrong):
    shown = []
    for f in catalogue.forms.values():
        shown += [f.title, f.footnote, f.stt_header] + [r.label for r in f.rows]
    assert not any(wrong in text for text in shown)
    recorded = [fix.wrong for f in catalogue.forms.values() for _, fix in f.all_fixes()]
    assert any(wrong in w for w in recorded)
    assert wrong in seed.SEED.read_text(encoding="utf-8")


def test_all_text_is_nfc(catalogue):
    for f in catalogue.forms.values():
        for text in [f.title, f.footnote, *(r.label for r in f.rows), *(r.unit for r in f.rows)]:
            assert unicodedata.normalize("NFC", text) == text


def test_row_ids_unique_and_independent_of_labels(catalogue):
    ids = [r.id for f in catalogue.forms.values() for r in f.rows]
    assert len(ids) == len(set(ids))
    pl6 = catalogue.form("PL6")
    assert pl6.row("PL6.2").label == pl6.row("PL6.3").label
    assert all(r.id.startswith(f.id + ".") for f in catalogue.forms.values() for r in f.rows)


@pytest.mark.parametrize("row_id, kind", [
    ("PL1.3.a", "flag"), ("PL1.3.d", "flag"), ("PL1.5", "flag"), ("PL1.6.c", "percent"),
    ("PL1.1", "count"), ("PL3.5.a", "percent"), ("PL7.1", "percent"), ("PL8.16", "rating"),
    ("PL1.3", None), ("PL2.1", None), ("PL5.1", None),
])
def test_kinds(catalogue, row_id, kind):
    form = catalogue.form(row_id.split(".")[0])
    assert form.row(row_id).kind == kind


def test_flags_are_exactly_the_rows_the_seed_marks_1_0_plus_pl1_row5(catalogue):
    flags = {r.id for f in catalogue.forms.values() for r in f.rows if r.kind == "flag"}
    marked = {r.id for f in catalogue.forms.values() for r in f.rows if "= 1;" in r.label}
    assert flags == marked | {"PL1.5"}


@pytest.mark.parametrize("row_id, aggregate", [
    ("PL1.1", "sum"), ("PL1.3.a", "count_true"), ("PL1.6.c", "weighted_mean"),
    ("PL3.5.a", "mean"), ("PL8.1", "responsible"),
])
def test_aggregation(catalogue, row_id, aggregate):
    form = catalogue.form(row_id.split(".")[0])
    assert form.aggregate_of(form.row(row_id)) == aggregate


def test_satisfaction_is_weighted_by_samples(catalogue):
    assert catalogue.form("PL1").row("PL1.6.c").weight == "PL1.6.b"


@pytest.mark.parametrize("code, rtype, rows", [
    ("PL2-R01", "sum", ("PL2.0", "PL2.1.a", "PL2.1.b", "PL2.1.c", "PL2.1.d")),
    ("PL2-R02", "le", ("PL2.3", "PL2.2")),
    ("PL2-R03", "le", ("PL2.5", "PL2.4")),
    ("PL2-R04", "le", ("PL2.6", "PL2.5")),
    ("PL3-R01", "sum", ("PL3.1", "PL3.1.a", "PL3.1.b", "PL3.1.c")),
    ("PL3-R04", "le", ("PL3.6.b", "PL3.6.a")),
    ("PL3-R05", "le", ("PL3.6.c", "PL3.6.b")),
    ("PL6-R01", "sum", ("PL6.2", "PL6.2.a", "PL6.2.b", "PL6.2.c", "PL6.2.d")),
    ("PL6-R02", "sum", ("PL6.3", "PL6.3.a", "PL6.3.b", "PL6.3.c")),
    ("PL6-R03", "sum", ("PL6.4", "PL6.4.a", "PL6.4.b", "PL6.4.c")),
    ("PL1-R01", "requires", ("PL1.6.c", "PL1.6.b")),
    ("PL1-R03", "le", ("PL1.6.a", "PL1.6.b")),
])
def test_rules_named_by_the_issue(catalogue, code, rtype, rows):
    rule = next(r for f in catalogue.forms.values() for r in f.rules if r.code == code)
    assert (rule.type, rule.row_ids) == (rtype, rows)
    assert rule.message and rule.short


def test_pl5_present_vs_assigned_is_a_warning(catalogue):
    assert {r.severity for r in catalogue.form("PL5").rules} == {"warning"}


def test_rule_codes_unique(catalogue):
    codes = [r.code for f in catalogue.forms.values() for r in f.rules]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("name, old, new, fragment", [
    ("pl1.yaml", "kind: count, unit: \"Văn bản\"", "kind: money, unit: \"Văn bản\"",
     "loại ô «money» chưa được khai báo"),
    ("pl1.yaml", "periods: years_to_23_3", "periods: decades", "bộ kỳ «decades» chưa được khai báo"),
    ("pl2.yaml", "right: PL2.2", "right: PL2.99", "PL2.99"),
    ("pl2.yaml", "severity: error", "severity: fatal",
     "«severity» «fatal» không có; dùng một trong «error», «warning»"),
    ("pl2.yaml", "{id: PL2.7,", "{id: PL2.6,", "trùng"),
    ("pl1.yaml", "weight: PL1.6.b", "weight: PL1.3", "weight"),
    ("pl8.yaml", "responsible: vp}", "responsible: nobody}", "nobody"),
    ("pl3.yaml", "- code: PL3-R01", "- code: PL3-R01\n   bad", "YAML"),
])
def test_malformed_spec_is_a_clear_error(tmp_path, name, old, new, fragment):
    message = load_error(tmp_path, name, old, new)
    assert fragment in message
    assert name in message and "dòng" in message
