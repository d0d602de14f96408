"""Issue 9: resubmission order is not decided by the sender's clock alone, and no saved
time (year 9999, year 1, any offset, no zone) can stop the run."""
from __future__ import annotations

import os
import random
from datetime import date, datetime, timedelta, timezone, tzinfo

import pytest

from harvest.process import FileResult, checked_saved_time
from harvest.reconcile import CLOCK_TOLERANCE, LATE, reconcile
from samples.fill import valid_values, write_values
from tests.hostile_env import harvest_cli
from tests.hostile_env import read_csv_rows as _csv
from tests.rawcells import replace_raw

UTC = timezone.utc
NOW = datetime(2020, 3, 25, 12, tzinfo=UTC)
DEADLINE = date(2020, 3, 23)
UNIT, FORM = "p-tran-phu", "PL1"


def t(day: int, hour: int = 9, year: int = 2020, month: int = 3) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def result(rel: str, saved: datetime | None, arrived: datetime | float) -> FileResult:
    mtime = arrived if isinstance(arrived, float) else arrived.timestamp()
    return FileResult(rel=rel, size=1, sha256=rel.encode().hex(), mtime=mtime, form=FORM, unit=UNIT,
                      saved_at=saved, accepted=True)


# (saved A, arrived A, saved B, arrived B) → (winner, files flagged R-CLOCK, late)
ORDER_CASES = {
    "honest, later saved wins": ((t(20), t(20, 10), t(21), t(21, 10)), "B", set(), False),
    "forged future loses to a genuine later correction": ((t(22), t(22, 10), t(1, year=2099), t(20)), "A", {"B"},
                                                          False),
    "saved days after it arrived loses": ((t(22), t(22, 10), t(24), t(20)), "A", {"B"}, False),
    "zone error within a day is believed": ((t(20, 10), t(20, 11), t(20, 18), t(20, 0)), "B", set(), False),
    "forged but arrived later wins by arrival": ((t(22), t(22, 10), t(1, year=2099), t(23)), "B", {"B"}, False),
    "saved long before arrival is believed": ((t(21), t(21, 10), t(1, month=12, year=2019), t(23)), "A", set(),
                                              False),
    "no saved time: arrival": ((t(22), t(22, 10), None, t(23)), "B", set(), False),
    "forged with unknown arrival never wins": ((t(20), t(20, 10), t(1, year=2099), 1e20), "A", {"B"}, False),
    "after the harvest, even if it arrived as late": ((t(20), t(20, 10), t(27), t(27)), "A", {"B"}, False),
    "late genuine file is late": ((t(20), t(20, 10), t(24), t(24, 10)), "B", set(), True),
    "forged future arriving late is late by arrival": ((t(20), t(20, 10), t(1, year=2099), t(24)), "B", {"B"},
                                                       True),
    "same saved time: later arrival": ((t(21), t(21, 10), t(21), t(22)), "B", set(), False),
    # Attachments saved into the inbox together: the same arrival. The believable file wins.
    "forged future, same arrival, loses": ((t(21), t(24, 10), t(1, year=2099), t(24, 10)), "A", {"B"}, False),
    "forged future, arrived first, loses": ((t(21), t(24, 10), t(1, year=2099), t(23, 10)), "A", {"B"}, False),
}


@pytest.mark.parametrize("name", list(ORDER_CASES))
def test_order_table(registry, name):
    (saved_a, arrived_a, saved_b, arrived_b), winner, flagged, late = ORDER_CASES[name]
    files = {"A": result("A.xlsx", saved_a, arrived_a), "B": result("B.xlsx", saved_b, arrived_b)}
    for order in (["A", "B"], ["B", "A"]):   # never depends on the order files are seen in
        rec = reconcile([files[k] for k in order], registry, DEADLINE, NOW)
        assert rec.used[(UNIT, FORM)].rel == f"{winner}.xlsx"
        clock = [i for i in rec.issues if i.code == "R-CLOCK"]
        assert {i.file[0] for i in clock} == flagged
        for i in clock:
            assert i.severity == "warning" and "tổng hợp lúc 19:00 25/3/2020" in i.message
            assert "lưu 16:00 1/3/2099" in i.message or "lưu 16:00 24/3/2020" in i.message \
                or "lưu 16:00 27/3/2020" in i.message
        status = next(s for s in rec.statuses if s.unit == UNIT and s.form == FORM)
        assert (status.status == LATE) == late
        assert any(i.code == "R-LATE" for i in rec.issues if i.unit_code == UNIT and i.form == FORM) == late


def test_clock_message_quotes_both_times(registry):
    rec = reconcile([result("B.xlsx", t(1, year=2099), t(20))], registry, DEADLINE, NOW)
    (clock,) = [i for i in rec.issues if i.code == "R-CLOCK"]
    assert "16:00 1/3/2099" in clock.message and "16:00 20/3/2020" in clock.message
    assert "sau cả thời điểm tổng hợp" in clock.message


def test_tolerance_is_a_day():
    assert CLOCK_TOLERANCE == timedelta(days=1)


class BrokenZone(tzinfo):
    def utcoffset(self, dt):
        raise ValueError("no offset")


E14, W12 = timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))
SAVED_CASES = [
    (datetime(9999, 12, 31, 23, 59, 59, tzinfo=E14), None),
    (datetime(9999, 12, 31, 23, 59, 59), None),
    (datetime(1, 1, 1, tzinfo=W12), None),
    (datetime(1, 1, 1, tzinfo=E14), None),
    (datetime(1, 1, 1), None),
    (datetime(1970, 1, 1, tzinfo=UTC), None),
    (datetime(2200, 1, 1, tzinfo=UTC), None),
    (datetime(2020, 3, 20, 9), datetime(2020, 3, 20, 9, tzinfo=UTC)),
    (datetime(2020, 3, 20, 9, tzinfo=E14), datetime(2020, 3, 19, 19, tzinfo=UTC)),
    (datetime(2020, 3, 20, 9, tzinfo=W12), datetime(2020, 3, 20, 21, tzinfo=UTC)),
    (datetime(2199, 12, 31, 23, 59, tzinfo=W12), datetime(2200, 1, 1, 11, 59, tzinfo=UTC)),
    (datetime(1980, 1, 1, tzinfo=E14), datetime(1979, 12, 31, 10, tzinfo=UTC)),
    (datetime(2020, 3, 20, tzinfo=BrokenZone()), None),
    ("2020-03-20", None),
    (20200320, None),
]


@pytest.mark.parametrize("value, expected", SAVED_CASES, ids=[repr(v)[:40] for v, _ in SAVED_CASES])
def test_saved_time_is_checked_once_and_never_raises(registry, value, expected):
    res = FileResult(rel="x.xlsx", size=1, sha256="x", mtime=t(20).timestamp())
    got = checked_saved_time(value, res)
    assert got == expected and (got is None or got.tzinfo == UTC)
    assert [i.code for i in res.issues] == ([] if expected else ["F-SAVED-TIME"])
    if expected is None:
        assert res.issues[0].severity == "warning" and res.issues[0].message.startswith("x.xlsx: ")
        res.saved_at, res.accepted, res.unit, res.form = None, True, UNIT, FORM
        rec = reconcile([res], registry, DEADLINE, NOW)    # ordered and judged by its arrival
        assert rec.used[(UNIT, FORM)] is res and not any(i.code == "R-CLOCK" for i in rec.issues)


# ---------------------------------------------------------------- end to end, in a subprocess

STAMP = b"2020-03-12T08:00:00Z"   # the saved time of every good file (FIXED_TIME)
ODD_STAMPS = {"p-ngoc-ha": b"9999-12-31T23:59:59+14:00", "p-minh-khai": b"0001-01-01T00:00:00-12:00",
              "p-nguyen-trai": b"2020-03-12T22:00:00+14:00"}


@pytest.fixture(scope="module")
def clocks(good_inbox, generated, key_file, catalogue, registry, tmp_path_factory):
    """The good inbox where three units' files carry odd saved times (same values), and one
    unit sent a genuine correction after a file stamped in the future."""
    out_dir, files = generated
    root = tmp_path_factory.mktemp("clocks")
    inbox = root / "inbox"
    for path in good_inbox.rglob("*.xlsx"):
        (inbox / path.relative_to(good_inbox)).parent.mkdir(parents=True, exist_ok=True)
        (inbox / path.relative_to(good_inbox)).write_bytes(path.read_bytes())
    for code, stamp in ODD_STAMPS.items():
        path = inbox / code / f"{FORM}.xlsx"
        path.write_bytes(replace_raw(path.read_bytes(), {STAMP: stamp}))
    form = catalogue.form(FORM)
    template = out_dir / next(g.path for g in files if g.form == FORM and g.unit.code == UNIT)
    forged, genuine = inbox / UNIT / "PL1 tương lai.xlsx", inbox / UNIT / "PL1 sửa lại.xlsx"
    write_values(template, form, valid_values(form, UNIT, random.Random(7)), forged,
                 saved_at=datetime(2099, 1, 1, tzinfo=UTC))
    write_values(template, form, valid_values(form, UNIT, random.Random(8)), genuine,
                 saved_at=datetime(2020, 3, 22, 9, tzinfo=UTC))
    for path, when in ((forged, t(20)), (genuine, t(22, 10)), (inbox / UNIT / f"{FORM}.xlsx", t(12, 10))):
        os.utime(path, (when.timestamp(), when.timestamp()))
    out = root / "out"
    run = harvest_cli(inbox, out, key_file)
    assert sorted(p.name for p in root.iterdir()) == ["inbox", "out"]
    return out, run, ODD_STAMPS


def test_odd_saved_times_never_stop_the_harvest(clocks, baseline):
    out, run, odd = clocks
    assert run.returncode == 0, run.stderr[-3000:]
    mine = [r for r in _csv(out / "values.csv") if r["unit_code"] != UNIT]
    assert mine == [r for r in _csv(baseline / "values.csv") if r["unit_code"] != UNIT]
    issues = _csv(out / "issues.csv")
    status = {(s["unit_code"], s["form"]): s for s in _csv(out / "status.csv")}
    for code, stamp in odd.items():
        rel = f"{code}/{FORM}.xlsx"
        found = [i for i in issues if i["file"] == rel and i["code"] == "F-SAVED-TIME"]
        if stamp.startswith((b"9999", b"0001")):
            # Unknown: ordered and judged by its arrival (today: after the deadline).
            assert len(found) == 1 and found[0]["severity"] == "warning" and "năm" in found[0]["message"]
            assert status[(code, FORM)]["status"] == LATE
        else:
            assert not found and status[(code, FORM)]["saved_at"] == "2020-03-12T08:00:00+00:00"


def test_a_forged_future_file_does_not_beat_a_genuine_correction(clocks):
    out, _, _ = clocks
    ledger = {r["path"]: r["outcome"] for r in _csv(out / "ledger.csv")}
    assert ledger[f"{UNIT}/PL1 sửa lại.xlsx"] == "used"
    assert ledger[f"{UNIT}/PL1 tương lai.xlsx"] == "superseded"
    assert ledger[f"{UNIT}/{FORM}.xlsx"] == "superseded"
    clock = [i for i in _csv(out / "issues.csv") if i["code"] == "R-CLOCK"]
    assert [i["file"] for i in clock] == [f"{UNIT}/PL1 tương lai.xlsx"]
    assert "07:00 1/1/2099" in clock[0]["message"] and "20/3/2020" in clock[0]["message"]
    used = {r["file"] for r in _csv(out / "values.csv") if r["unit_code"] == UNIT}
    assert used == {f"{UNIT}/PL1 sửa lại.xlsx"}
