"""Property: random valid fills of random units consolidate to independently computed
totals, and shuffling or renaming the inbox changes nothing but file names."""
from __future__ import annotations

import csv
import io
import random
import shutil
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harvest.run import harvest
from samples.fill import valid_values, write_values
from tests.conftest import TEST_KEY
from tests.oracle import city_totals

VN = timezone(timedelta(hours=7))
NAMES = st.text(alphabet="abcxyzđăâêôơưáàảãạ ĐÂ0123456789-_,", min_size=1, max_size=12).map(str.strip).filter(bool)


def _run(inbox: Path, catalogue, registry):
    out = inbox.parent / "out"
    result = harvest(inbox, out, catalogue, registry, TEST_KEY, date(2020, 3, 23))
    city = {f: {k: v.value for k, v in vals.items()} for f, vals in result.city.items()}
    statuses = sorted((s.unit, s.form, s.status) for s in result.reconciliation.statuses)
    rows = csv.DictReader(io.StringIO((out / "values.csv").read_bytes().decode("utf-8-sig")))
    values = sorted(tuple(v for k, v in row.items() if k != "file") for row in rows)
    return city, statuses, values


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_fills_total_correctly_whatever_the_names(generated, catalogue, registry, data):
    out_dir, files = generated
    chosen = data.draw(st.lists(st.sampled_from(files), min_size=1, max_size=6, unique_by=lambda g: g.path))
    rnd = random.Random(data.draw(st.integers(0, 2**32 - 1)))
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox"
        used = {}
        for i, g in enumerate(chosen):
            form = catalogue.form(g.form)
            values = valid_values(form, g.unit.code, rnd)
            used[(g.unit.code, g.form)] = values
            write_values(out_dir / g.path, form, values, inbox / f"{i}.xlsx",
                         saved_at=datetime(2020, 3, 20, 9, i, tzinfo=VN))
        city, statuses, values = _run(inbox, catalogue, registry)
        expected = city_totals(catalogue, registry, used)
        for (form_id, row_id, period), value in expected.items():
            got = city[form_id][(row_id, period)]
            assert (got == value) if not isinstance(value, float) else abs(got - value) < 1e-9
        # Shuffle into new folders under new names: same totals, statuses and values.
        names = data.draw(st.lists(NAMES, min_size=len(chosen), max_size=len(chosen), unique=True))
        order = data.draw(st.permutations(range(len(chosen))))
        moved = Path(tmp) / "moved"
        for i, j in enumerate(order):
            target = moved / f"thư mục {j % 3}" / f"{names[j]}.xlsx"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(inbox / f"{i}.xlsx", target)
        shutil.rmtree(inbox)
        moved.rename(inbox)
        again = _run(inbox, catalogue, registry)
        assert again[0] == city and again[1] == statuses and again[2] == values
