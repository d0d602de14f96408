"""The city's figures keep to the form's rules: when a value a rule reads is left out for
a unit (a part of a sum that is no number), the unit's other values of that rule and
period are left out too, and say why (V-RULE-LINKED), so the city total is the sum of
the city parts and every figure is right or visibly marked. Issue 11, review."""
from __future__ import annotations

import csv
import random
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cchc.cli import cli
from harvest.checks import linked_out
from harvest.issues import Code
from samples.fill import valid_values, write_values
from xlsx_forms.plan import load_plan
from xlsx_forms.spec_loader import default_catalogue

ROOT = Path(__file__).parents[1]
PLAN = ROOT / "samples" / "plans" / "bao-cao-quy.xlsx"
DEMO_KEY = ROOT / "samples" / "demo-hmac.key"
SAVED = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)
LINKED = Code.V_RULE_LINKED.value


def _all_usable(form, skip):
    return {(r.id, p.id): 1 for r in form.input_rows for p in form.periods if (r.id, p.id) not in skip}


# (form, left out (row, period), the values that must follow it out)
CASES = [
    ("PL2", {("PL2.1.a", "2019"): "V-NOT-NUMBER"}, {("PL2.0", "2019"), ("PL2.1.b", "2019"), ("PL2.1.c", "2019"),
                                                      ("PL2.1.d", "2019")}),
    ("PL2", {("PL2.0", "2016"): "V-MAGNITUDE"}, {("PL2.1.a", "2016"), ("PL2.1.b", "2016"), ("PL2.1.c", "2016"),
                                                   ("PL2.1.d", "2016")}),
    ("PL2", {}, set()),
]


@pytest.mark.parametrize("form_id, left_out, follow", CASES)
def test_a_value_left_out_takes_its_rules_values_of_that_period_with_it(form_id, left_out, follow):
    form = default_catalogue().forms[form_id]
    found = linked_out(form, _all_usable(form, left_out), left_out)
    rule_rows = {r for rule in form.rules for r in rule.row_ids}
    # Exactly the values of the rules touching the left-out rows, closed over shared rows,
    # in the same period only.
    assert follow <= set(found) and set(found.values()) <= {LINKED}
    assert all(p in {q for _r, q in left_out} and r in rule_rows for r, p in found)
    assert not set(found) & set(left_out)


def test_rules_sharing_a_row_carry_the_exclusion_on():
    form = default_catalogue().forms["PL2"]
    chained = [rule for rule in form.rules if len(rule.row_ids) > 1]
    first = chained[0].row_ids[-1]
    found = linked_out(form, _all_usable(form, {(first, "2019")}), {(first, "2019"): "V-NOT-NUMBER"})
    reached = {r for r, _p in found} | {first}
    # Every rule that shares a row with what is out is out as a whole.
    for rule in form.rules:
        if set(rule.row_ids) & reached:
            assert set(rule.row_ids) <= reached, rule.code


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def harvested(tmp_path_factory):
    """The quarterly sample plan, every unit's KQ filled with valid values, one ward's
    «Giải quyết quá hạn» of Q2 typed as words."""
    root = tmp_path_factory.mktemp("rules")
    run = CliRunner().invoke
    env = {"SOURCE_DATE_EPOCH": "1704067200"}
    made = run(cli, ["generate", "--plan", str(PLAN), "--key-file", str(DEMO_KEY), "--out", str(root / "t"),
                     "--forms", "KQ"], env=env)
    assert made.exit_code == 0, made.output
    bundle = load_plan(PLAN)
    form = bundle.catalogue.forms["KQ"]
    filled = {}
    for unit, _form_id in bundle.registry.assignments(("KQ",)):
        values = valid_values(form, unit.code, random.Random(unit.code))
        if unit.code == "p-long-hung":   # 7 late, typed as words: the total counts them
            values[("KQ.1.a", "Q2")] = values[("KQ.1.b", "Q2")] + 7
            values[("KQ.1.c", "Q2")] = "bảy hồ sơ"
        write_values(root / "t" / unit.code / f"KQ_{unit.code}.xlsx", form, values,
                     root / "inbox" / f"KQ_{unit.code}.xlsx", saved_at=SAVED)
        filled[unit.code] = values
    out = root / "out"
    result = run(cli, ["harvest", str(root / "inbox"), "--templates", str(root / "t"), "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    return bundle, filled, out


def test_the_city_total_is_the_sum_of_the_city_parts(harvested):
    bundle, filled, out = harvested
    city = {(r["row_id"], r["period"]): r for r in _csv(out / "city.csv") if r["form"] == "KQ"}
    for period in ("Q1", "Q2", "Q3", "Q4"):
        total, parts = city[("KQ.1.a", period)], [city[(p, period)] for p in ("KQ.1.b", "KQ.1.c")]
        assert float(total["value"]) == sum(float(p["value"]) for p in parts), period
    others = [u for u in filled if u != "p-long-hung"]
    # Q2: long-hung's total and on-time count are out with it, each saying why; no other cell is touched.
    assert float(city[("KQ.1.a", "Q2")]["value"]) == sum(filled[u][("KQ.1.a", "Q2")] for u in others)
    assert city[("KQ.1.a", "Q2")]["excluded"] == f"p-long-hung:{LINKED}"
    assert city[("KQ.1.b", "Q2")]["excluded"] == f"p-long-hung:{LINKED}"
    assert city[("KQ.1.c", "Q2")]["excluded"] == "p-long-hung:V-NOT-NUMBER"
    assert city[("KQ.2", "Q2")]["excluded"] == "" and city[("KQ.1.a", "Q1")]["excluded"] == ""
    assert float(city[("KQ.1.a", "Q1")]["value"]) == sum(filled[u][("KQ.1.a", "Q1")] for u in filled)
    # values.csv keeps the unit's own total: it is right, only the city leaves it out.
    values = {(r["unit_code"], r["row_id"], r["period"]): r for r in _csv(out / "values.csv")}
    assert values[("p-long-hung", "KQ.1.a", "Q2")]["value"] == str(filled["p-long-hung"][("KQ.1.a", "Q2")])


def test_the_city_appendix_says_whose_values_are_out_and_why(harvested):
    bundle, _f, out = harvested
    wb = openpyxl.load_workbook(out / "phu-luc-thanh-pho.xlsx")
    texts = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]
    # An official table: the reason in words, the period by its label, never the codes.
    total_note = next(t for t in texts if "dòng khác cùng quy tắc không được tính" in t)
    label = next(p.label for p in bundle.catalogue.forms["KQ"].periods if p.id == "Q2")
    assert "Long Hưng" in total_note and label[:1].lower() + label[1:] in total_note
    assert not any(LINKED in t for t in texts)
    summary = openpyxl.load_workbook(out / "tong-hop-cchc.xlsx")
    comments = [c.comment.text for ws in summary.worksheets for row in ws.iter_rows() for c in row if c.comment]
    assert any(LINKED in c and "Long Hưng" in c and "dòng khác cùng quy tắc không được tính" in c for c in comments)
