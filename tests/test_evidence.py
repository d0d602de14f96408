"""PL8 against the evidence (issue 10, item 5): the rules in pl8.yaml, and tables of ratings
and city figures → codes."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from harvest.consolidate import CityValue
from harvest.evidence import EvidenceCheck
from harvest.run import harvest
from tests.specedit import load_error

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
ASSESSED = "2011-2020"
# The targets whose words name a figure of another appendix, and that figure.
WITH_EVIDENCE = {"PL8.2": ("PL1", "PL1.6.c"), "PL8.5": ("PL1", "PL1.6.c"), "PL8.8": ("PL7", "PL7.1"),
                 "PL8.11": ("PL7", "PL7.13"), "PL8.13": ("PL7", "PL7.1")}


def city(ratings: dict[str, str], figures: dict[tuple[str, str, str], float]) -> dict:
    """City values: PL8 ratings by target, figures by (form, row, period)."""
    out: dict = {"PL8": {(t, ASSESSED): CityValue(r, 1, ()) for t, r in ratings.items()}}
    for (form, row, period), value in figures.items():
        out.setdefault(form, {})[(row, period)] = CityValue(value, 1, ())
    return out


def test_the_rules_are_in_the_spec(catalogue):
    rules = {(e.target, e.form, e.row) for e in catalogue.form("PL8").evidence}
    assert rules == {(t, f, r) for t, (f, r) in WITH_EVIDENCE.items()}
    decides = {e.target: e.decides for e in catalogue.form("PL8").evidence}
    # Only target 5 is measured whole by its figure; the others have parts without one.
    assert decides == {"PL8.2": "against", "PL8.5": "both", "PL8.8": "against", "PL8.11": "against",
                       "PL8.13": "against"}
    for e in catalogue.form("PL8").evidence:   # the rule quotes the target's own words
        assert e.requirement.lower().split(" (")[0][:40] in catalogue.form("PL8").row(e.target).label.lower()


@pytest.mark.parametrize("ratings, figures, expected", [
    # Satisfaction must be above 80% in 2020 (to 23/3).
    ({"PL8.5": "Đạt"}, {("PL1", "PL1.6.c", "2020"): 76.4}, [("P-PL8-CONTRADICTED", "PL8.5")]),
    ({"PL8.5": "Đạt"}, {("PL1", "PL1.6.c", "2020"): 80}, [("P-PL8-CONTRADICTED", "PL8.5")]),   # "trên 80%"
    ({"PL8.5": "Đạt"}, {("PL1", "PL1.6.c", "2020"): 80.1}, []),
    # Target 5 is measured whole: a Không đạt the figure contradicts is asked too.
    ({"PL8.5": "Không đạt"}, {("PL1", "PL1.6.c", "2020"): 85}, [("P-PL8-UNDERRATED", "PL8.5")]),
    ({"PL8.5": "Không đạt"}, {("PL1", "PL1.6.c", "2020"): 75}, []),
    # Target 2 has a part without a figure ("cải cách cơ bản"): a Không đạt may be right.
    ({"PL8.2": "Không đạt"}, {("PL1", "PL1.6.c", "2020"): 85}, []),
    ({"PL8.2": "Đạt"}, {("PL1", "PL1.6.c", "2020"): 70}, [("P-PL8-CONTRADICTED", "PL8.2")]),
    # Without a 2020 figure, the latest: 2019.
    ({"PL8.2": "Đạt"}, {("PL1", "PL1.6.c", "2019"): 70, ("PL1", "PL1.6.c", "2018"): 95},
     [("P-PL8-CONTRADICTED", "PL8.2")]),
    ({"PL8.2": "Đạt"}, {("PL1", "PL1.6.c", "2020"): 90, ("PL1", "PL1.6.c", "2019"): 70}, []),
    # No figure at all, or no rating: judgement only.
    ({"PL8.2": "Đạt"}, {("PL1", "PL1.6.c", "2018"): 10}, []),
    ({}, {("PL1", "PL1.6.c", "2020"): 10}, []),
    # Electronic documents: 90% (PL7 row 1), targets 8 and 13.
    ({"PL8.8": "Đạt", "PL8.13": "Đạt"}, {("PL7", "PL7.1", "2020"): 89.9},
     [("P-PL8-CONTRADICTED", "PL8.8"), ("P-PL8-CONTRADICTED", "PL8.13")]),
    ({"PL8.8": "Đạt", "PL8.13": "Đạt"}, {("PL7", "PL7.1", "2020"): 90}, []),
    ({"PL8.8": "Không đạt", "PL8.13": "Không đạt"}, {("PL7", "PL7.1", "2020"): 99}, []),
    # Every dossier through the electronic one-stop system: 100% (PL7 row 13), target 11.
    ({"PL8.11": "Đạt"}, {("PL7", "PL7.13", "2020"): 99.5}, [("P-PL8-CONTRADICTED", "PL8.11")]),
    ({"PL8.11": "Đạt"}, {("PL7", "PL7.13", "2020"): 100}, []),
    # A rating that is not one (left to the value checks).
    ({"PL8.5": "Chưa rõ"}, {("PL1", "PL1.6.c", "2020"): 10}, []),
])
def test_ratings_against_figures(catalogue, ratings, figures, expected):
    found = EvidenceCheck(catalogue).check(catalogue.form("PL8"), city(ratings, figures))
    assert [(f.code, f.key[0]) for f in found] == expected
    assert all(f.unit == catalogue.form("PL8").row(f.key[0]).responsible for f in found)


def test_judgement_only_targets_are_never_flagged(catalogue):
    """Every target rated Đạt and every figure of every appendix at its worst: only the
    targets with evidence are asked."""
    form = catalogue.form("PL8")
    figures = {(f.id, r.id, p.id): 0 for f in catalogue.forms.values() if f.id != "PL8"
               for r in f.input_rows if r.kind in ("count", "percent") for p in f.periods}
    found = EvidenceCheck(catalogue).check(form, city({r.id: "Đạt" for r in form.input_rows}, figures))
    assert sorted(f.key[0] for f in found) == sorted(WITH_EVIDENCE)


def test_message_names_the_figures(catalogue):
    (f,) = EvidenceCheck(catalogue).check(catalogue.form("PL8"),
                                          city({"PL8.5": "Đạt"}, {("PL1", "PL1.6.c", "2020"): 76.4}))
    assert f.fields["target"] == "5"
    assert f.fields["figure"] == "Phụ lục 1, «Mức độ hài lòng chung», Năm 2020 (Tính đến 23/3): 76,4%"
    assert f.fields["needed"] == "cần > 80%"


def test_sample_harvest_flags_the_contradicted_rating_at_its_cell(catalogue, registry, tmp_path):
    """In the sample returns, the Văn phòng rates target 11 Đạt while the city's share of
    dossiers through the electronic one-stop system is below 100%: asked, at the rating's
    cell of its PL8 file; every other evidence target agrees with its figure."""
    key = bytes.fromhex((SAMPLES / "demo-hmac.key").read_text().strip())
    result = harvest(SAMPLES / "inbox", tmp_path / "out", catalogue, registry, key, date(2020, 3, 23))
    got = [(i.code, i.unit_code, i.file, i.cell) for i in result.issues if i.code.startswith("P-PL8")]
    # An independent reading of the same figures.
    pl8, checks = result.city["PL8"], []
    for e in catalogue.form("PL8").evidence:
        rating = pl8[(e.target, ASSESSED)].value
        figure = next(result.city[e.form][(e.row, p)].value for p in e.periods
                      if result.city[e.form][(e.row, p)].value is not None)
        if rating == "Đạt" and not e.met(figure) or rating == "Không đạt" and e.met(figure) and e.decides == "both":
            used = result.reconciliation.used[(catalogue.form("PL8").row(e.target).responsible, "PL8")]
            checks.append((used.rel, used.values[(e.target, ASSESSED)].cell))
    assert [(file, cell) for _, _, file, cell in got] == checks
    assert [(code, unit, cell) for code, unit, _, cell in got] == [("P-PL8-CONTRADICTED", "vp", "C20")]


@pytest.mark.parametrize("old, new, fragment", [
    ("    row: PL7.13\n", "    row: PL7.99\n", "không phải dòng số liệu của PL7"),
    ("  - target: PL8.11\n", "  - target: PL8.99\n", "«target» không phải dòng đánh giá bằng lựa chọn của biểu"),
    ("    compare: gt\n", "    compare: above\n", "«compare» «above» không có; dùng một trong «gt», «ge», «lt», «le»"),
    ("    decides: both\n", "    decides: maybe\n", "«decides» «maybe» không có; dùng một trong «against», «both»"),
    ('    periods: ["2020", "2019"]\n', '    periods: ["2021"]\n', "kỳ «2021» không có trong bộ kỳ của PL1"),
    ("    threshold: 80\n", "    threshold: tám mươi\n", "«threshold» là «tám mươi», phải là số"),
])
def test_malformed_evidence_is_a_clear_error(tmp_path, old, new, fragment):
    message = load_error(tmp_path, "pl8.yaml", old, new)
    assert fragment in message and "pl8.yaml" in message
