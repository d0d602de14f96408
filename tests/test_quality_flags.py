"""Quality flags travel with the numbers (issue 10, item 3).

Returns are filled with valid values, then values no office should send are planted:
values that cannot be used, values with warnings, and values that break the form's
rules. The harvest must show each in values.csv (status, flags), leave out of the city
totals exactly what an independent oracle (tests/oracle.py) leaves out, and say so on
the summary's city cells (colour and comment), the per-cell missing list included.
"""
from __future__ import annotations

import csv
import io
import random
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harvest.cellstore import CellStore
from harvest.city_appendices import CITY_APPENDICES
from harvest.gaps import spans
from harvest.issues import LEFT_OUT_VI, SHORT_VI, Code
from harvest.run import harvest
from harvest.summary import FLAGGED_FILL, LEFT_OUT_FILL
from samples.fill import valid_values, write_values
from tests.conftest import TEST_KEY
from tests.oracle import (
    city_gaps,
    city_marks,
    city_totals,
    counted,
    expected_marks,
    totals_from_values_csv,
)
from tests.rawcells import replace_raw
from xlsx_forms.layout import form_layout

VN = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class Formula:
    """A formula typed into an input cell, saved with its result (as a spreadsheet does)."""

    text: str
    value: int | None   # None: saved without a result


# What a clerk may type instead of a valid value, per kind: v → (raw typed, value read,
# own error code, own warning codes). Independent of the harvester: from the README.
MUTATIONS = {
    "count": [
        lambda v: (-3, None, "V-NEGATIVE", []),
        lambda v: ("-3", None, "V-NEGATIVE", ["V-TEXT-NUMBER"]),
        lambda v: ("không rõ", None, "V-NOT-NUMBER", []),
        lambda v: (v + 0.5, None, "V-NOT-INTEGER", []),
        lambda v: ("1,234", None, "V-AMBIGUOUS", []),
        lambda v: (2 * 10 ** 9, None, "V-MAGNITUDE", []),
        lambda v: ("1.234", 1234, "", ["V-TEXT-NUMBER"]),
        lambda v: (Formula(f"{v}+0", v), v, "", ["V-FORMULA"]),
        lambda v: (Formula(f"{v}+0", None), None, "V-FORMULA-NO-VALUE", []),
    ],
    "percent": [
        lambda v: (-5, None, "V-NEGATIVE", []),
        lambda v: (150, None, "V-PERCENT-RANGE", []),
        lambda v: ("abc", None, "V-NOT-NUMBER", []),
    ],
    "flag": [
        lambda v: (2, None, "V-FLAG", []),
        lambda v: ("có", None, "V-NOT-NUMBER", []),
    ],
    "rating": [
        lambda v: ("Tốt", None, "V-RATING", []),
        lambda v: ("đạt", "Đạt", "", ["V-RATING-CASE"]),
    ],
}


def break_rule(rule, period: str, raws: dict, typed: dict) -> bool:
    """Make ``rule`` fail in ``period`` with valid numbers, as a clerk's slip would;
    False when the rule's cells are not all valid numbers to start from."""
    keys = [(r, period) for r in rule.row_ids]
    if not all(k in typed and typed[k][1] == "" and isinstance(typed[k][0], (int, float)) for k in keys):
        return False
    get = {r: typed[(r, period)][0] for r in rule.row_ids}
    if rule.type == "sum":
        key, value = (rule.operand("total"), period), int(sum(get[p] for p in rule.rows_of("parts"))) + 3
    elif rule.type == "le":
        key, value = (rule.operand("left"), period), int(get[rule.operand("right")]) + 2
    elif rule.type == "ge":
        key, value = (rule.operand("right"), period), int(get[rule.operand("left")]) + 2
    else:
        key, value = (rule.operand("needs"), period), 0
    raws[key], typed[key] = value, (value, "", [])
    return True


def write_return(template: Path, form, raws: dict, out: Path, saved_at: datetime) -> None:
    """``template`` filled with ``raws`` ((row, period) → value, text or Formula)."""
    values, swaps = {}, {}
    for i, (key, raw) in enumerate(raws.items()):
        if isinstance(raw, Formula):
            placeholder = 8_880_001 + i
            values[key] = placeholder
            result = "" if raw.value is None else f"<v>{raw.value}</v>"
            swaps[f"<v>{placeholder}</v>".encode()] = f"<f>{raw.text}</f>{result}".encode()
        else:
            values[key] = raw
    write_values(template, form, values, out, saved_at=saved_at)
    if swaps:
        out.write_bytes(replace_raw(out.read_bytes(), swaps))


def _csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def _close(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) < 1e-9
    return a == b


def _sheet_row(ws, form, row_id: str) -> int:
    """The city sheet's row of ``row_id``: rows from row 5 in form order, after each
    table's title row when the form has several tables."""
    r = 5
    for table in form.tables:
        r += bool(table.title and len(form.tables) > 1)
        for row in table.rows:
            if row.id == row_id:
                assert ws.cell(r, 2).value == row.label
                return r
            r += 1
    raise KeyError(row_id)


def _header_col(ws, text: str) -> int:
    return next(c for c in range(1, ws.max_column + 1) if ws.cell(4, c).value == text)


def _city_cell(wb, form, row_id: str, period: str):
    ws = wb[f"Phụ lục {form.number}"]
    label = next(p.label for p in form.periods if p.id == period)
    return ws.cell(_sheet_row(ws, form, row_id), _header_col(ws, label))


def _gaps_cell(wb, form, row_id: str):
    ws = wb[f"Phụ lục {form.number}"]
    return ws.cell(_sheet_row(ws, form, row_id), _header_col(ws, "Đơn vị còn thiếu số liệu"))


def check_outputs(out: Path, result, catalogue, registry, typed_by_file: dict) -> dict:
    """Every assertion of the exclusion rule on one harvest; returns the expected marks."""
    # What values.csv says: each value's own marks, then V-RULE-LINKED where a value of the
    # same rule and period is left out (what the city counts: status ok, nothing else).
    marks = {key: city_marks(catalogue.form(key[1]), expected_marks(catalogue.form(key[1]), typed))
             for key, typed in typed_by_file.items()}
    lines = _csv(out / "values.csv")
    got = {(x["unit_code"], x["form"]): {} for x in lines}
    for x in lines:
        if x["period"] != "ghi_chu":
            got[(x["unit_code"], x["form"])][(x["row_id"], x["period"])] = (x["status"], x["flags"])
    # values.csv: every value with its status and flags, excluded ones included.
    for key, expected in marks.items():
        assert got.get(key, {}) == expected, key
    # City totals: the harvest, the oracle on what was typed, and the oracle on values.csv's
    # "ok" lines, against the summary's city sheets.
    city = marks
    expected = city_totals(catalogue, registry, {k: counted(t, city[k]) for k, t in typed_by_file.items()})
    from_csv = totals_from_values_csv(catalogue, registry, lines)
    wb = openpyxl.load_workbook(out / "tong-hop-cchc.xlsx")
    gaps = city_gaps(catalogue, registry, city)
    for (form_id, row_id, period), value in expected.items():
        form = catalogue.form(form_id)
        cv = result.city[form_id][(row_id, period)]
        assert _close(cv.value, value) and _close(from_csv[(form_id, row_id, period)], value), (form_id, row_id, period)
        cell = _city_cell(wb, form, row_id, period)
        assert _close(cell.value, value), (form_id, row_id, period)
        missing, left_out = gaps[(form_id, row_id, period)]
        assert (list(cv.missing), list(cv.excluded)) == (missing, left_out), (form_id, row_id, period)
        # The city cell says which units were left out and why, and is coloured.
        if left_out:
            assert cell.fill.fgColor.rgb == "FF" + LEFT_OUT_FILL[1:]
            comment = cell.comment.text
            for unit, code in left_out:
                assert f"{registry.unit(unit).name} ({code}" in comment
        else:
            assert cell.fill.fgColor.rgb != "FF" + LEFT_OUT_FILL[1:]
            assert cell.comment is None or "Không tính" not in cell.comment.text
    return marks


def _harvest(inbox: Path):
    def run(catalogue, registry):
        out = inbox.parent / "out"
        return out, harvest(inbox, out, catalogue, registry, TEST_KEY, date(2020, 3, 23),
                            now=datetime(2020, 3, 24, tzinfo=VN))
    return run


# ---- Random fills with planted values, property-style -----------------------------------

@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_planted_values_are_shown_and_left_out_as_the_oracle_says(generated, catalogue, registry,
                                                                           tmp_path_factory, data):
    out_dir, files = generated
    chosen = data.draw(st.lists(st.sampled_from(files), min_size=2, max_size=7, unique_by=lambda g: g.path))
    rnd = random.Random(data.draw(st.integers(0, 2 ** 32 - 1)))
    inbox = tmp_path_factory.mktemp("planted") / "inbox"
    typed_by_file = {}
    for i, g in enumerate(chosen):
        form = catalogue.form(g.form)
        raws = valid_values(form, g.unit.code, rnd)
        typed = {k: (v, "", []) for k, v in raws.items()}
        for _ in range(rnd.randint(1, 6)):
            if form.rules and rnd.random() < 0.4:
                break_rule(rnd.choice(form.rules), rnd.choice(form.periods).id, raws, typed)
                continue
            key = rnd.choice(sorted(raws))
            v, own, _ = typed[key]
            if own or v is None:   # typed over a mistake already planted: one per cell
                continue
            raw, value, own, warnings = rnd.choice(MUTATIONS[form.row(key[0]).kind])(v)
            raws[key], typed[key] = raw, (value, own, warnings)
        typed_by_file[(g.unit.code, g.form)] = typed
        write_return(out_dir / g.path, form, raws, inbox / f"{i}.xlsx", datetime(2020, 3, 20, 9, i, tzinfo=VN))
    out, result = _harvest(inbox)(catalogue, registry)
    check_outputs(out, result, catalogue, registry, typed_by_file)


# ---- A hand table of planted values, all in one inbox ------------------------------------

# (unit, form, row, period, raw typed, value read) → expected (status, flags) of named cells.
HAND = [
    # Values that cannot be used: their own error is the status.
    ("p-tran-phu", "PL1", "PL1.1", "2016", -3, None, "V-NEGATIVE", []),
    ("p-minh-khai", "PL1", "PL1.2", "2017", "-3", None, "V-NEGATIVE", ["V-TEXT-NUMBER"]),
    ("p-quang-trung", "PL1", "PL1.4", "2018", "abc", None, "V-NOT-NUMBER", []),
    ("p-nguyen-trai", "PL1", "PL1.1", "2019", 2.5, None, "V-NOT-INTEGER", []),
    ("x-ngoc-duong", "PL1", "PL1.3.a", "2015", 2, None, "V-FLAG", []),
    ("x-phuong-do", "PL1", "PL1.6.c", "2019", 150, None, "V-PERCENT-RANGE", []),
    ("x-phuong-thien", "PL1", "PL1.1", "2020", "1,234", None, "V-AMBIGUOUS", []),
    # Values with warnings: counted, flagged.
    ("kinh-te", "PL1", "PL1.1", "2015", "1.234", 1234, "", ["V-TEXT-NUMBER"]),
    ("tckh", "PL1", "PL1.2", "2016", Formula("4+4", 8), 8, "", ["V-FORMULA"]),
    ("vhtt", "PL1", "PL1.4", "2019", Formula("4+4", None), None, "V-FORMULA-NO-VALUE", []),
    # A weight that cannot be used: the weighted value is left out of the mean with it.
    ("p-ngoc-ha", "PL1", "PL1.6.b", "2017", -5, None, "V-NEGATIVE", []),
]
# (unit, form, rule code, period): a valid value that breaks the rule.
HAND_RULES = [
    ("tu-phap", "PL2", "PL2-R01", "2017"),     # total ≠ sum of parts: total and parts out
    ("vp", "PL3", "PL3-R04", "2018"),          # resolved > received: both out
    ("ttvhttdl", "PL1", "PL1-R01", "2016"),    # satisfaction without a sample: both out
    ("tcnv", "PL5", "PL5-R01", "2019"),        # a warning rule: flagged, counted
    ("tcnv", "PL6", "PL6-R02", "2015"),
]
# An unusable part: the sum rule is not evaluated for that period (one mistake, one error).
HAND_SKIPPED = ("tu-phap", "PL2", "PL2.1.a", "2018", -1)
# The per-cell missing list: a unit that filled 2017–2020 of an optional row (PL1.6.*),
# and a registry-later unit lacking an earlier period than a registry-earlier one.
PARTIAL = ("x-phuong-do", ("PL1.6.a", "PL1.6.b", "PL1.6.c"), ("2015", "2016"))
ORDER = (("vp", "2016"), ("tu-phap", "2015"))   # optional PL1.3.b: vp lacks 2016, tu-phap 2015
# Only spaces typed into a required cell: blank, so missing (and V-REQUIRED), not a value.
SPACES = ("p-tran-phu", "PL1", "PL1.2", "2018", " \u00a0 ")


@pytest.fixture(scope="module")
def hand(generated, catalogue, registry, tmp_path_factory):
    out_dir, files = generated
    rnd = random.Random(20200323)
    inbox = tmp_path_factory.mktemp("hand") / "inbox"
    typed_by_file, raws_by_file = {}, {}
    for g in files:
        form = catalogue.form(g.form)
        raws = valid_values(form, g.unit.code, rnd)
        raws_by_file[(g.unit.code, g.form)] = raws
        typed_by_file[(g.unit.code, g.form)] = {k: (v, "", []) for k, v in raws.items()}
    for unit, form_id, row_id, period, raw, value, own, warnings in HAND + [(*HAND_SKIPPED, None, "V-NEGATIVE", [])]:
        raws_by_file[(unit, form_id)][(row_id, period)] = raw
        typed_by_file[(unit, form_id)][(row_id, period)] = (value, own, warnings)
    for unit, form_id, code, period in HAND_RULES:
        rule = next(r for r in catalogue.form(form_id).rules if r.code == code)
        assert break_rule(rule, period, raws_by_file[(unit, form_id)], typed_by_file[(unit, form_id)])
    unit, rows, periods = PARTIAL
    for key in [(r, p) for r in rows for p in periods]:
        del raws_by_file[(unit, "PL1")][key], typed_by_file[(unit, "PL1")][key]
    for unit, period in ORDER:
        del raws_by_file[(unit, "PL1")][("PL1.3.b", period)], typed_by_file[(unit, "PL1")][("PL1.3.b", period)]
    unit, form_id, row_id, period, raw = SPACES
    raws_by_file[(unit, form_id)][(row_id, period)] = raw
    del typed_by_file[(unit, form_id)][(row_id, period)]
    for i, g in enumerate(files):
        write_return(out_dir / g.path, catalogue.form(g.form), raws_by_file[(g.unit.code, g.form)],
                     inbox / f"{g.unit.code}-{g.form}.xlsx", datetime(2020, 3, 20, 9, i % 60, tzinfo=VN))
    out, result = _harvest(inbox)(catalogue, registry)
    marks = check_outputs(out, result, catalogue, registry, typed_by_file)
    return out, result, marks


@pytest.mark.parametrize("unit, form_id, row_id, period, raw, value, own, warnings", HAND)
def test_each_planted_value_has_its_status_and_flags(hand, unit, form_id, row_id, period, raw, value, own,
                                                      warnings):
    out, _, _ = hand
    line = next(x for x in _csv(out / "values.csv")
                if (x["unit_code"], x["form"], x["row_id"], x["period"]) == (unit, form_id, row_id, period))
    assert (line["status"], line["flags"]) == (own or "ok", ";".join(warnings))


@pytest.mark.parametrize("unit, form_id, code, period", HAND_RULES)
def test_a_broken_rule_marks_every_cell_it_names(hand, catalogue, unit, form_id, code, period):
    out, result, _ = hand
    rule = next(r for r in catalogue.form(form_id).rules if r.code == code)
    lines = {x["row_id"]: x for x in _csv(out / "values.csv")
             if (x["unit_code"], x["form"], x["period"]) == (unit, form_id, period)}
    for row_id in rule.row_ids:
        if row_id not in lines:   # a blank "needs": nothing to leave out
            continue
        if rule.severity == "error":
            assert lines[row_id]["status"] == code, row_id
            assert (unit, code) in result.city[form_id][(row_id, period)].excluded
        else:
            assert lines[row_id]["status"] == "ok" and code in lines[row_id]["flags"].split(";"), row_id
            assert unit not in dict(result.city[form_id][(row_id, period)].excluded)


def test_an_unusable_part_suspends_its_rule_for_that_period(hand, catalogue):
    out, result, _ = hand
    unit, form_id, row_id, period, _ = HAND_SKIPPED
    lines = {x["row_id"]: x["status"] for x in _csv(out / "values.csv")
             if (x["unit_code"], x["form"], x["period"]) == (unit, form_id, period)}
    assert lines.pop(row_id) == "V-NEGATIVE"
    # The rule's other values of that period do not count either, and say so; the rest count.
    rule = next(r for r in catalogue.form(form_id).rules if r.code == "PL2-R01")
    assert {lines[r] for r in rule.row_ids if r in lines} == {"V-RULE-LINKED"}
    assert {s for r, s in lines.items() if r not in rule.row_ids} <= {"ok"}
    assert not [i for i in result.issues if i.code == "PL2-R01" and period in i.message]


def test_the_city_cell_of_a_left_out_value_is_coloured_and_explained(hand, catalogue, registry):
    out, _, _ = hand
    wb = openpyxl.load_workbook(out / "tong-hop-cchc.xlsx")
    cell = _city_cell(wb, catalogue.form("PL2"), "PL2.0", "2017")
    assert cell.fill.fgColor.rgb == "FF" + LEFT_OUT_FILL[1:]
    assert cell.comment.text == ("Không tính số liệu của: Phòng Tư pháp (PL2-R01: Tổng ≠ tổng các dòng con)")
    cell = _city_cell(wb, catalogue.form("PL1"), "PL1.1", "2016")
    assert "UBND phường Trần Phú (V-NEGATIVE: số âm)" in cell.comment.text
    # The weighted mean without the unit whose sample count is unusable, saying so.
    cell = _city_cell(wb, catalogue.form("PL1"), "PL1.6.c", "2017")
    assert "UBND phường Ngọc Hà (V-NEGATIVE: số âm)" in cell.comment.text
    # The per-unit sheet colours the value and lists its code at the end of the row.
    ws = wb["PL2 theo đơn vị"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "tu-phap" and r[2].value.startswith("Tổng số"))
    assert row[-1].value == ("2017: không tính (PL2-R01: Tổng ≠ tổng các dòng con); "
                             "2018: không tính (V-RULE-LINKED: dòng khác cùng quy tắc không được tính)")
    assert row[3 + 2].fill.fgColor.rgb == "FF" + LEFT_OUT_FILL[1:]


def test_missing_units_are_listed_per_cell_in_registry_order(hand, catalogue, registry):
    out, result, _ = hand
    wb = openpyxl.load_workbook(out / "tong-hop-cchc.xlsx")
    form = catalogue.form("PL1")
    unit, rows, periods = PARTIAL
    name = registry.unit(unit).name
    for row_id in rows:
        assert [unit in result.city["PL1"][(row_id, p.id)].missing for p in form.periods] == \
               [p.id in periods for p in form.periods]
        assert f"{name} (2015, 2016)" in _gaps_cell(wb, form, row_id).value
    text = _gaps_cell(wb, form, "PL1.3.b").value
    (early, p_early), (late, p_late) = ORDER
    listed = [f"{registry.unit(early).name} ({p_early})", f"{registry.unit(late).name} ({p_late})"]
    assert text.index(listed[0]) < text.index(listed[1])


@pytest.mark.parametrize("ids, expected", [
    (["2015"], "2015"), (["2015", "2016"], "2015, 2016"), (["2015", "2016", "2017"], "2015–2017"),
    (["2015", "2016", "2017", "2019"], "2015–2017, 2019"), (["2020", "2016"], "2016, 2020"),
])
def test_period_spans(ids, expected):
    assert spans(ids, ["2015", "2016", "2017", "2018", "2019", "2020"]) == expected


def test_every_code_that_keeps_a_value_out_has_a_short_reason():
    value_errors = {c.value for c in Code if c.startswith("V-") and c.severity == "error"}
    assert value_errors <= set(LEFT_OUT_VI)


def test_marks_survive_spilling_and_pickling(catalogue):
    import pickle

    from harvest.cellstore import Spill
    store = CellStore(catalogue.form("PL2"))
    store.put(("PL2.0", "2017"), 10, 10, "D9")
    store.put(("PL2.1.a", "2017"), None, -1, "D11", "V-NEGATIVE", "V-TEXT-NUMBER")
    store.put(("PL2.2", "2017"), 4, "4", "D15", flags="V-TEXT-NUMBER")
    store.exclude(("PL2.0", "2017"), "PL2-R01")
    store.exclude(("PL2.0", "2017"), "PL2-R09")      # a second reason joins the flags
    store.exclude(("PL2.3", "2017"), "PL2-R02")      # blank: nothing to leave out
    view = (store.marks(), store.left_out(), store.usable(), dict(store))
    assert store.left_out() == {("PL2.0", "2017"): "PL2-R01", ("PL2.1.a", "2017"): "V-NEGATIVE"}
    assert store[("PL2.0", "2017")].value == 10 and store[("PL2.0", "2017")].flags == "PL2-R09"
    assert ("PL2.0", "2017") not in store.usable() and store.unusable() == {("PL2.1.a", "2017")}
    again = pickle.loads(pickle.dumps(store))
    spill = Spill()
    store.spill_to(spill)
    assert (again.marks(), again.left_out(), again.usable(), dict(again)) == view
    assert (store.marks(), store.left_out(), store.usable(), dict(store)) == view


def test_every_left_out_or_flagged_value_is_shown_on_its_unit_sheet(hand, catalogue, registry):
    out, result, _ = hand
    wb = openpyxl.load_workbook(out / "tong-hop-cchc.xlsx")
    marked = [x for x in _csv(out / "values.csv") if x["period"] != "ghi_chu" and (x["status"] != "ok" or x["flags"])]
    assert {x["status"] for x in marked} > {"ok"} and any(x["flags"] for x in marked)
    for form in catalogue.forms.values():
        # The sheet's rows: unit by unit (registry order), the unit's rows of the form.
        order = [(u.code, row.id) for u in registry.units if (u.code, form.id) in result.reconciliation.used
                 for row in form.editable_rows(u.code)]
        rows = dict(zip(order, wb[f"PL{form.number} theo đơn vị"].iter_rows(min_row=2), strict=True))
        for x in (x for x in marked if x["form"] == form.id):
            cells = rows[(x["unit_code"], x["row_id"])]
            said = cells[-1].value.split("; ")
            value_cell = cells[3 + [p.id for p in form.periods].index(x["period"])]
            if x["status"] != "ok":   # the code, and why in Vietnamese (as the city cells say)
                assert f"{x['period']}: không tính ({x['status']}: " in " ".join(said)
                assert value_cell.fill.fgColor.rgb == "FF" + LEFT_OUT_FILL[1:]
            else:
                assert f"{x['period']}: {x['flags']}" in said
                assert value_cell.fill.fgColor.rgb == "FF" + FLAGGED_FILL[1:]
    overview = {r[0].value: r[1].value for r in wb["Tổng quan"].iter_rows(min_row=5, max_col=2)}
    assert overview["Số liệu không được tính vào tổng hợp"] == sum(x["status"] != "ok" for x in marked)
    # … which is what the city figures leave out, V-RULE-LINKED included.
    left_out = sum(len(cv.excluded) for city in result.city.values() for cv in city.values())
    assert overview["Số liệu không được tính vào tổng hợp"] == left_out
    assert any(x["status"] == Code.V_RULE_LINKED.value for x in marked)


def not_official(text: str, form) -> str:
    """What in a Ghi chú ``text`` of ``form`` an official table would not say: an issue
    code's shape (not a name's "HĐND-UBND"), a rule's code, or a period id outside its
    label ("" when none)."""
    code = re.search(r"(?<![\w-])[FVRPN]-[A-Z0-9]+(?:-[A-Z0-9]+)*|PL\d+-R\d+", text)
    if code:
        return code.group()
    labels = sorted({p.label for p in form.periods} | {p.label[:1].lower() + p.label[1:] for p in form.periods},
                    key=len, reverse=True)
    bare = text
    for label in labels:
        bare = bare.replace(label, "")
    return next((p.id for p in form.periods if re.search(rf"(?<![\w/.-]){re.escape(p.id)}(?![\w/.-])", bare)), "")


def flagged_city(catalogue, registry, units: list[str] | None = None) -> dict:
    """City figures of every form where each cell lacks a unit and leaves another's value
    out, the reasons cycling through every rule's code and the harvester's own codes."""
    from harvest.consolidate import CityValue
    from harvest.issues import LEFT_OUT_VI
    units = units or [u.code for u in registry.units]
    city = {}
    for form in catalogue.forms.values():
        codes = [r.code for r in form.rules] + sorted(LEFT_OUT_VI)
        others = units[1:]
        city[form.id] = {(row.id, p.id): CityValue(1, len(units) - 2, (units[0],),
                                                   ((others[(i + k) % len(others)], codes[(i + k) % len(codes)]),))
                         for i, row in enumerate(form.input_rows) for k, p in enumerate(form.periods)}
    return city


def test_the_city_appendices_say_it_in_words_an_official_table_uses(hand, catalogue, registry):
    """The signed city appendices' Ghi chú: no issue code, no rule code, no period id; each
    value left out or flagged by its reason in words (the catalogue's or the rule's), the
    missing units introduced as such, periods by their labels."""
    out, result, _ = hand
    values = _csv(out / "values.csv")
    left = {x["status"] for x in values if x["status"] != "ok"}
    flagged = {f for x in values if x["status"] == "ok" for f in x["flags"].split(";") if f}
    assert Code.V_RULE_LINKED.value in left and Code.V_TEXT_NUMBER.value in flagged
    wb = openpyxl.load_workbook(out / CITY_APPENDICES)
    rules = {r.code: r.short for f in catalogue.forms.values() for r in f.rules}
    said, missing_said = "", 0
    for form in catalogue.forms.values():
        layout = form_layout(form)
        ws = wb[layout.sheet_name]
        for note in layout.notes:
            text = ws[note.a1].value or ""
            assert not not_official(text, form), (form.id, note.a1, text)
            for line in text.split("\n"):
                names = [u.name for u in registry.units if u.name in line]
                assert not names or line.split(": ", 1)[0] in ("Thiếu số liệu của", "Không tính số liệu của",
                                                                "Cần xem lại") or "\u00a0" in line or \
                    any(line.startswith(r.label + ": ") for r in form.rows), (form.id, note.a1, line)
            missing_said += text.count("Thiếu số liệu của: ")
            said += text
    for code in left | flagged:
        words = rules.get(code) or SHORT_VI[code]
        assert words in said, (code, words)
    assert missing_said and "năm 20" in said


def test_a_cell_of_spaces_is_blank(hand, catalogue):
    out, result, _ = hand
    unit, form_id, row_id, period, _ = SPACES
    assert not [x for x in _csv(out / "values.csv")
                if (x["unit_code"], x["form"], x["row_id"], x["period"]) == (unit, form_id, row_id, period)]
    assert unit in result.city[form_id][(row_id, period)].missing
    cell = next(c for c in form_layout(catalogue.form(form_id)).inputs if (c.row_id, c.period_id) == (row_id, period))
    assert [i.code for i in result.issues if i.unit_code == unit and i.cell == cell.a1] == ["V-REQUIRED"]


def test_a_value_with_an_error_of_its_own_never_counts(catalogue):
    # Whatever value a check assumed for a cell it also calls an error, the cell is unusable.
    store = CellStore(catalogue.form("PL1"))
    store.put(("PL1.6.c", "2019"), 85.0, "0,85", "H23", "V-PERCENT-RANGE")
    assert store.usable() == {} and store.unusable() == {("PL1.6.c", "2019")}
    assert store.left_out() == {("PL1.6.c", "2019"): "V-PERCENT-RANGE"}
    assert [(v, c) for _, v, c in store.filled()] == [("0,85", "H23")]
