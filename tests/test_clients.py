"""Real office suites: a filled template saved by LibreOffice and by Gnumeric as .xlsx, .xls
and .ods is harvested with the right values and its identity verified."""
from __future__ import annotations

import random
import subprocess

import pytest

from harvest.process import process
from samples.fill import valid_values, write_values
from tests.conftest import FIXED_TIME, TEST_KEY
from tests.office import convert

pytestmark = pytest.mark.office
FORMS = [("PL2", "tu-phap"), ("PL4", "tcnv"), ("PL8", "vhtt"), ("PL1", "x-ngoc-duong")]


@pytest.fixture(scope="module")
def saved(generated, catalogue, tmp_path_factory):
    """(form, unit, client, format) → (bytes, typed values)."""
    out_dir, files = generated
    tmp = tmp_path_factory.mktemp("clients")
    rnd = random.Random(7)
    filled, typed = [], {}
    for form_id, unit in FORMS:
        g = next(f for f in files if f.form == form_id and f.unit.code == unit)
        form = catalogue.form(form_id)
        values = valid_values(form, unit, rnd)
        path = tmp / f"{form_id}_{unit}.xlsx"
        write_values(out_dir / g.path, form, values, path, saved_at=FIXED_TIME)
        filled.append(path)
        typed[(form_id, unit)] = values
    result = {}
    for fmt in ("xls", "ods"):
        for src, out in zip(filled, convert(filled, tmp / f"lo-{fmt}", fmt)):
            result[(*src.stem.split("_", 1), "LibreOffice", fmt)] = out.read_bytes()
    for fmt in ("xlsx", "xls", "ods"):
        for src in filled:
            out = tmp / f"gnumeric-{src.stem}.{fmt}"
            subprocess.run(["ssconvert", str(src), str(out)], check=True, capture_output=True, timeout=120)
            result[(*src.stem.split("_", 1), "Gnumeric", fmt)] = out.read_bytes()
    return result, typed


@pytest.mark.parametrize("client, fmt", [("LibreOffice", "xls"), ("LibreOffice", "ods"),
                                         ("Gnumeric", "xlsx"), ("Gnumeric", "xls"), ("Gnumeric", "ods")])
def test_values_and_identity_survive(saved, catalogue, registry, client, fmt):
    files, typed = saved
    for form_id, unit in FORMS:
        data = files[(form_id, unit, client, fmt)]
        result = process(f"{form_id}.{fmt}", data, 0, catalogue, registry, TEST_KEY)
        assert result.accepted, (client, fmt, form_id, [i.message for i in result.issues])
        assert (result.form, result.unit) == (form_id, unit)
        got = {k: v.value for k, v in result.values.items()}
        expected = typed[(form_id, unit)]
        assert got.keys() == expected.keys()
        for k, v in expected.items():
            assert got[k] == (pytest.approx(v) if isinstance(v, float) else v), (client, fmt, form_id, k)
        assert not [i for i in result.issues if i.severity == "error"]
