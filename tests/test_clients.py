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
        for src, out in zip(filled, convert(filled, tmp / f"lo-{fmt}", fmt), strict=True):
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
        # Nothing here is a date: Gnumeric's .xls files the percent cells' format under a
        # built-in date id, and the numbers must still be read as numbers (issue 10).
        assert not [i for i in result.issues if i.code == "V-DATE-NUMBER"], (client, fmt, form_id)


@pytest.fixture(scope="module")
def marked(generated, tmp_path_factory):
    """A PL1 return with a formula, a percent-formatted fraction, an error value and a
    date-formatted number in input cells, as .xlsx and as saved by LibreOffice and
    Gnumeric in every format: (client, format) → bytes."""
    import io

    import openpyxl
    out_dir, files = generated
    g = next(f for f in files if f.form == "PL1" and f.unit.code == "x-ngoc-duong")
    wb = openpyxl.load_workbook(out_dir / g.path)
    ws = wb["Phụ lục 1"]
    ws["D10"] = "=2+3"
    ws["E23"], ws["E23"].number_format = 0.85, "0%"
    ws["F10"] = "=1/0"
    # After March 1900: before it, Excel's serials count a 29/02/1900 that ODS does not.
    ws["G10"], ws["G10"].number_format = 450, "dd/mm/yyyy"
    tmp = tmp_path_factory.mktemp("marked")
    src = tmp / "PL1.xlsx"
    buf = io.BytesIO()
    wb.save(buf)
    src.write_bytes(buf.getvalue())
    result = {}
    for fmt in ("xlsx", "xls", "ods"):
        result[("LibreOffice", fmt)] = convert([src], tmp / f"lo-{fmt}", fmt)[0].read_bytes()
        out = tmp / f"gnumeric.{fmt}"
        subprocess.run(["ssconvert", str(src), str(out)], check=True, capture_output=True, timeout=120)
        result[("Gnumeric", fmt)] = out.read_bytes()
    return result


@pytest.mark.parametrize("client", ["LibreOffice", "Gnumeric"])
@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_formulas_percent_formats_error_values_and_dates_in_every_format(marked, catalogue, registry,
                                                                         client, fmt):
    """What the harvest detects on .xlsx it detects on .ods and .xls (issue 10, parity)."""
    result = process(f"PL1.{fmt}", marked[(client, fmt)], 0, catalogue, registry, TEST_KEY)
    assert result.accepted, [i.message for i in result.issues]
    codes = {(i.code, i.cell) for i in result.issues}
    assert ("V-FORMULA", "D10") in codes and result.values[("PL1.1", "2015")].value == 5
    assert ("V-PERCENT-FRACTION", "E23") in codes and result.values[("PL1.6.c", "2016")].value == 85
    assert ("V-ERROR-VALUE", "F10") in codes and result.values[("PL1.1", "2017")].value is None
    assert ("V-DATE-NUMBER", "G10") in codes and result.values[("PL1.1", "2018")].value == 450
