"""Plausibility checks (issue 10, item 4): tables of inputs → codes, with planted outliers;
random plausible fills and the sample inbox raise none but what was planted."""
from __future__ import annotations

import random
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from harvest import plausibility
from harvest.cellstore import CellStore
from harvest.plausibility import Magnitude, UnitOutlier, YearJump, findings
from harvest.process import FileResult
from harvest.run import harvest
from samples.fill import valid_values
from tests.specedit import load_error, spec_dir_with
from xlsx_forms.layout import form_layout
from xlsx_forms.registry import Consolidator, Registry, Unit
from xlsx_forms.spec_loader import load_catalogue

YEARS = ("2015", "2016", "2017", "2018", "2019")
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def series(row: str, *values, partial=None) -> dict:
    """(row, year) → value for 2015–2019 (None: left empty), and 2020 when given."""
    out = {(row, y): v for y, v in zip(YEARS, values, strict=True) if v is not None}
    if partial is not None:
        out[(row, "2020")] = partial
    return out


def used_of(catalogue, values: dict[tuple[str, str], dict]) -> dict:
    """(unit, form) → FileResult holding ``values`` as a harvest would (a CellStore)."""
    used = {}
    for (unit, form_id), cells in values.items():
        form = catalogue.form(form_id)
        layout = form_layout(form)
        store = CellStore(form)
        for key, value in cells.items():
            store.put(key, value, value, layout.input_at(*key).a1)
        used[(unit, form_id)] = FileResult(rel=f"{unit}/{form_id}.xlsx", size=0, sha256="", mtime=0.0,
                                           form=form_id, unit=unit, accepted=True, sheet=layout.sheet_name,
                                           values=store)
    return used


def registry_of(units: list[tuple[str, str, tuple[str, ...]]]) -> Registry:
    return Registry(issuer="UBND", place="Thành phố", consolidator=Consolidator("Ban", "", "ban@x.example"),
                    units=tuple(Unit(code, code, kind, f"{code}@x.example", forms) for code, kind, forms in units))


@pytest.mark.parametrize("cells, flagged", [
    # A spike: one year ten times the unit's others.
    (series("PL1.1", 200, 210, 190, 205, 2100), [("PL1.1", "2019")]),
    # An extra digit, in any year (on a value at or above the unit's usual level: 10×).
    (series("PL1.1", 120, 1300, 130, 125, 118), [("PL1.1", "2016")]),
    # A cumulative total typed as one year's, the other years near zero: median 0.
    (series("PL1.1", 0, 0, 500, 0, 1), [("PL1.1", "2017")]),
    # A stable count that drops to nothing.
    (series("PL1.1", 300, 310, 0, 305, 295), [("PL1.1", "2017")]),
    # The absolute floor: 0 → 2 and 0 → 49 are no alarm.
    (series("PL1.1", 0, 0, 2, 0, 0), []),
    (series("PL1.1", 0, 0, 49, 0, 0), []),
    # Growth, even fast, is not a jump against the median of the other years.
    (series("PL1.1", 10, 20, 40, 100, 160), []),
    # A low year in a series that varies a lot anyway (robust deviation of the others).
    (series("PL1.1", 100, 300, 150, 250, 5), []),
    # A drop by less than the drop factor.
    (series("PL1.1", 300, 310, 20, 305, 295), []),
    # Too few other years for a median.
    (series("PL1.1", None, None, 10, 12, 900), []),
    # The partial year 2020 (to 23/3) holds a quarter of a year's counts: low is normal …
    (series("PL1.1", 200, 210, 190, 205, 200, partial=40), []),
    # … but ten times a whole year is not.
    (series("PL1.1", 200, 210, 190, 205, 200, partial=3000), [("PL1.1", "2020")]),
    # Percentages: a fraction typed for a percentage, in a whole or a partial year (a rate).
    (series("PL1.6.c", 85, 88, 86, 87, 0.9), [("PL1.6.c", "2019")]),
    (series("PL1.6.c", 85, 88, 86, 87, 90, partial=0.88), [("PL1.6.c", "2020")]),
    (series("PL1.6.c", 5, 6, 4, 5, 80), [("PL1.6.c", "2019")]),
    # A percentage that moves by tens of points is no jump.
    (series("PL1.6.c", 40, 55, 70, 85, 95), []),
    # Flags have nothing to compare.
    (series("PL1.3.a", 0, 0, 1, 0, 0), []),
])
def test_year_jump(catalogue, cells, flagged):
    found = YearJump(catalogue.plausibility).check(catalogue.form("PL1"), "p-ngoc-ha", cells)
    assert [f.key for f in found] == flagged
    assert {f.code for f in found} <= {"P-YEAR-JUMP"}


def test_year_jump_message_quotes_the_numbers(catalogue):
    used = used_of(catalogue, {("p-ngoc-ha", "PL1"): series("PL1.1", 200, 210, 190, 205, 2100)})
    registry = registry_of([("p-ngoc-ha", "ward", ("PL1",))])
    (found,) = plausibility.run(catalogue, registry, used)
    assert (found.code, found.severity, found.cell) == ("P-YEAR-JUMP", "warning",
                                                        form_layout(catalogue.form("PL1")).input_at("PL1.1", "2019").a1)
    for part in ("Năm 2019: 2100", "gấp 10,37 lần trung vị 202,5", "2015: 200, 2016: 210, 2017: 190, 2018: 205",
                 "Xin đơn vị xác nhận"):
        assert part in found.message
    assert found.message == unicodedata.normalize("NFC", found.message)


WARDS = ("p1", "p2", "p3", "p4", "p5", "x1", "x2", "x3")


@pytest.mark.parametrize("row, values, flagged", [
    # An extra digit among wards.
    ("PL1.1", [20, 25, 22, 30, 18, 24, 21, 2400], ["x3"]),
    # Units of different sizes are not outliers …
    ("PL1.1", [10, 50, 100, 150, 200, 250, 300, 400], []),
    # … nor is a unit that reports little among units whose numbers vary anyway …
    ("PL1.1", [0, 50, 120, 200, 30, 80, 150, 10], []),
    # … but nothing where every other unit reports about two hundred is.
    ("PL1.1", [200, 220, 0, 210, 190, 205, 230, 215], ["p3"]),
    # MAD 0: most units gave the same number; the floor and factor decide.
    ("PL1.3.b", [0, 0, 0, 0, 0, 0, 0, 60], ["x3"]),
    ("PL1.3.b", [0, 0, 0, 0, 0, 0, 0, 40], []),
    # Percentages differ in points: a far one is flagged, a near one is not.
    ("PL1.6.c", [88, 90, 85, 87, 91, 86, 89, 30], ["x3"]),
    ("PL1.6.c", [88, 90, 85, 87, 91, 86, 89, 70], []),
    # Too few units reported the cell (min_units 5).
    ("PL1.1", [20, 25, 22, None, None, None, None, 2400], []),
])
def test_unit_outlier(catalogue, row, values, flagged):
    form = catalogue.form("PL1")
    group = next(g for g in catalogue.plausibility.groups if "ward" in g.kinds)
    check = UnitOutlier(catalogue.plausibility)
    cells = {u: ({(row, "2019"): v} if v is not None else {}) for u, v in zip(WARDS, values, strict=True)}
    for u in WARDS:
        check.observe(form, group, u, cells[u])
    found = check.findings()
    assert [f.unit for f in found] == flagged
    assert {f.code for f in found} <= {"P-UNIT-OUTLIER"}


def test_wards_are_compared_with_wards_and_offices_with_offices(catalogue):
    """Offices issue far more documents than wards: neither group is an outlier of the
    other; a ward with an office's numbers is one among wards."""
    units = [(f"o{i}", "office", ("PL1",)) for i in range(6)] + [(f"w{i}", "ward", ("PL1",)) for i in range(4)] \
        + [(f"c{i}", "commune", ("PL1",)) for i in range(3)]
    office_docs = [300, 320, 280, 310, 295, 305]
    local_docs = [20, 25, 22, 30, 18, 24, 21]
    values = {(u, "PL1"): {("PL1.1", "2019"): v} for (u, _, _), v in zip(units, office_docs + local_docs, strict=True)}
    registry = registry_of(units)
    assert findings(catalogue, registry, used_of(catalogue, values)) == []
    values[("c2", "PL1")] = {("PL1.1", "2019"): 300}
    found = findings(catalogue, registry, used_of(catalogue, values))
    assert [(f.code, f.unit, f.fields["group"]) for f in found] == [("P-UNIT-OUTLIER", "c2", "UBND phường, xã")]
    [first, *_] = plausibility.run(catalogue, registry, used_of(catalogue, values))
    assert "khác xa 6 UBND phường, xã khác" in first.message


@pytest.mark.parametrize("form_id, row, value, flagged", [
    ("PL1", "PL1.1", 150_000, True),       # above the kind's plausible bound (100,000)
    ("PL1", "PL1.1", 100_000, False),      # at the bound
    ("PL3", "PL3.1.b", 6_000, True),       # above the row's own bound (procedures: 5,000)
    ("PL3", "PL3.6.a", 6_000, False),      # another PL3 row: the kind's bound
    ("PL7", "PL7.3", 60_000, False),       # documents on the national axis: many, plausible
    ("PL7", "PL7.1", 100, False),          # percentages have their range, no bound
])
def test_magnitude(catalogue, form_id, row, value, flagged):
    found = Magnitude(catalogue.kinds).check(catalogue.form(form_id), "vp", {(row, "2018"): value})
    assert [(f.code, f.key) for f in found] == ([("P-MAGNITUDE", (row, "2018"))] if flagged else [])


def test_a_cell_with_an_error_gets_no_plausibility_warning_on_top(catalogue):
    used = used_of(catalogue, {("p-ngoc-ha", "PL1"): series("PL1.1", 200, 210, 190, 205, 2100)})
    result = used[("p-ngoc-ha", "PL1")]
    from harvest.issues import issue
    result.issues.append(issue("V-TEXT-NUMBER", cell=result.values[("PL1.1", "2019")].cell, raw="x", value=1))
    registry = registry_of([("p-ngoc-ha", "ward", ("PL1",))])
    assert len(plausibility.run(catalogue, registry, used)) == 1   # a warning does not hide it
    result.issues.append(issue("V-AMBIGUOUS", cell=result.values[("PL1.1", "2019")].cell, raw="2.000"))
    assert plausibility.run(catalogue, registry, used) == []


@pytest.mark.parametrize("seed", range(12))
def test_random_plausible_fills_raise_none(catalogue, registry, seed):
    """Every unit of the city and 120 more wards, filled with random valid values."""
    rnd = random.Random(seed)
    units = [(u.code, u.kind, u.forms) for u in registry.units] + \
        [(f"w{i}", "ward" if i % 3 else "commune", ("PL1",)) for i in range(120)]
    values = {(code, f): valid_values(catalogue.form(f), code, rnd) for code, _, forms in units for f in forms}
    big = registry_of(units)
    assert findings(catalogue, big, used_of(catalogue, values)) == []


def test_sample_inbox_raises_only_the_planted_jump(catalogue, registry, tmp_path):
    """The sample returns are valid fills, but for the messy cases planted on purpose: of
    those, only phường Minh Khai's «1.200» (Vietnamese thousands, read as 1200 samples
    where its other years have 43–115) is a value to confirm."""
    key = bytes.fromhex((SAMPLES / "demo-hmac.key").read_text().strip())
    result = harvest(SAMPLES / "inbox", tmp_path / "out", catalogue, registry, key, date(2020, 3, 23))
    found = {(i.code, unicodedata.normalize("NFC", i.file), i.cell) for i in result.issues
             if i.code in ("P-YEAR-JUMP", "P-UNIT-OUTLIER", "P-MAGNITUDE")}
    assert found == {("P-YEAR-JUMP", "2020-03-19/PL1_phuong_Minh_Khai.xlsx", "H22")}
    assert result.reconciliation.used[("p-minh-khai", "PL1")].values[("PL1.6.b", "2019")].raw == "1.200"


@pytest.mark.parametrize("old, new, fragment", [
    ("    rise: 10\n", "    rise: 1\n", "«rise» phải lớn hơn 1"),
    ("    min_units: 5\n", "", "thiếu «min_units»"),
    ("floor: {count: 50, percent: 60}", "floor: {count: 50, percnt: 60}",
     "«floor» nêu loại ô «percnt» không phải loại ô số của kế hoạch"),
    ("kinds: [ward, commune]", "kinds: [ward, commune, office]",
     "«kinds»: loại đơn vị «office» đã thuộc nhóm «office»"),
    ("    plausible_max: 100000\n", "    plausible_max: -5\n", "«plausible_max» là -5, phải là số dương"),
])
def test_malformed_thresholds_are_a_clear_error(tmp_path, old, new, fragment):
    assert fragment in load_error(tmp_path, "catalogue.yaml", old, new)


def test_thresholds_come_from_the_catalogue(tmp_path, catalogue):
    """Change a threshold in catalogue.yaml: the check follows, no code changes."""
    strict = load_catalogue(spec_dir_with(tmp_path, "catalogue.yaml", "    rise: 10\n", "    rise: 3\n"))
    cells = series("PL1.1", 200, 210, 190, 205, 800)
    assert YearJump(catalogue.plausibility).check(catalogue.form("PL1"), "u", cells) == []
    assert [f.key for f in YearJump(strict.plausibility).check(strict.form("PL1"), "u", cells)] == [("PL1.1", "2019")]


def test_vectors_from_the_compact_store_equal_those_from_its_usable_values(catalogue):
    """The one-pass read (CellStore.numbers) sees exactly the usable numbers: not the
    unusable cells, not the blanks, whatever the kind."""
    from math import isnan

    from harvest.plausibility import Plan
    for form in catalogue.forms.values():
        layout = form_layout(form)
        store = CellStore(form)
        for n, cell in enumerate(layout.inputs):
            if n % 3 == 0:
                store.put((cell.row_id, cell.period_id), None, "1,234", cell.a1)   # unusable
            elif n % 3 == 1:
                value = "Đạt" if cell.kind == "rating" else n
                store.put((cell.row_id, cell.period_id), value, value, cell.a1)
        result = FileResult(rel="f", size=0, sha256="", mtime=0.0, values=store)
        plan = Plan(form, catalogue.kinds)
        fast, slow = plan.vector_of(result), plan.vector(store.usable())
        assert [None if isnan(x) else x for x in fast] == [None if isnan(x) else x for x in slow]
        assert sum(not isnan(x) for x in fast) == sum(1 for k in plan.keys if k in store.usable())
