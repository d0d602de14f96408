"""Issue 10, "Done when": a PL1 template typed into through LibreOffice the way a clerk
types a percentage (85%, 0,85, 85, 85,5, 85 %, 0.85), in a Vietnamese and an English
locale, saved as .xlsx, .ods and .xls, is harvested as 85 (85.5) or flagged, cell by
cell; never 0.85 silently. The typing is done by tests/uno_type.py (see there)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harvest.process import process
from tests.conftest import TEST_KEY
from tests.office import soffice_path
from xlsx_forms.layout import form_layout
from xlsx_forms.writer import build_workbook

pytestmark = pytest.mark.office
DRIVER = Path(__file__).with_name("uno_type.py")
UNIT, ROW = "x-ngoc-duong", "PL1.6.c"
# The satisfaction needs its services and samples (rules PL1-R01, PL1-R02): typed too.
SUPPORT = {"PL1.6.a": "4", "PL1.6.b": "150"}
# What the clerk types → the percentage meant.
TYPED = {"85%": 85.0, "0,85": 85.0, "85": 85.0, "85,5": 85.5, "85 %": 85.0, "0.85": 85.0}
LOCALES = ("vi-VN", "en-US")
MODES = ("local", "formula", "pasted")
FORMATS = ("xlsx", "ods", "xls")


def _uno_python() -> str | None:
    """A Python that can ``import uno``: $CCHC_UNO_PYTHON, the system's, LibreOffice's own."""
    office = soffice_path()
    candidates = [os.environ.get("CCHC_UNO_PYTHON"), "/usr/bin/python3",
                  office and str(Path(os.path.realpath(office)).with_name("python"))]
    for python in filter(None, candidates):
        if shutil.which(python) or Path(python).is_file():
            ok = subprocess.run([python, "-c", "import uno"], capture_output=True, timeout=60, check=False)
            if ok.returncode == 0:
                return python
    return None


@pytest.fixture(scope="module")
def typed(catalogue, registry, options, tmp_path_factory):
    """(locale, mode, format) → (harvest result, {address: what was typed and stored})."""
    python = _uno_python()
    if python is None:
        if os.environ.get("CI"):
            pytest.fail("no Python with the uno module (python3-uno) in CI")
        pytest.skip("no Python with the uno module (install python3-uno)")
    form = catalogue.form("PL1")
    layout = form_layout(form)
    cells = [c for c in layout.inputs if c.row_id == ROW]
    assert len(cells) == len(TYPED)
    support = {c.a1: SUPPORT[c.row_id] for c in layout.inputs if c.row_id in SUPPORT}
    tmp = tmp_path_factory.mktemp("uno")
    template = tmp / "PL1.xlsx"
    template.write_bytes(build_workbook(catalogue, registry, registry.unit(UNIT), form, options)[0])
    out = {}
    for locale in LOCALES:
        job = {"template": str(template), "out_dir": str(tmp / locale), "locale": locale, "timeout": 120,
               "sheet": layout.sheet_name, "formats": list(FORMATS),
               "cells": {**support, **{c.a1: text for c, text in zip(cells, TYPED, strict=True)}}}
        job_file = tmp / f"job-{locale}.json"
        job_file.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        run = subprocess.run([python, str(DRIVER), str(job_file)], capture_output=True, text=True,
                             timeout=300, check=False)
        assert run.returncode == 0, run.stderr[-3000:]
        report = json.loads(run.stdout)
        for mode in MODES:
            for fmt in FORMATS:
                data = Path(report[mode]["saved"][fmt]).read_bytes()
                result = process(f"PL1.{fmt}", data, 0, catalogue, registry, TEST_KEY)
                out[(locale, mode, fmt)] = result, report[mode]["cells"]
    return out


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("locale", LOCALES)
def test_every_typed_percentage_is_read_as_meant_or_flagged(typed, locale, mode, fmt):
    result, cells = typed[(locale, mode, fmt)]
    assert result.accepted, [i.message for i in result.issues]
    assert not [i.message for i in result.issues if i.severity == "error"]
    by_cell = {v.cell: v.value for k, v in result.values.items() if k[0] == ROW}
    codes = {}
    for i in result.issues:
        codes.setdefault(i.cell, set()).add(i.code)
    for address, stored in cells.items():
        if stored["typed"] not in TYPED:
            continue   # a supporting count
        meant, here = TYPED[stored["typed"]], codes.get(address, set())
        assert by_cell[address] == pytest.approx(meant), (address, stored)
        # Whatever is not the plain number meant is flagged: a fraction, a text.
        plain = stored["content"] == "VALUE" and stored["value"] == meant
        assert plain or here & {"V-PERCENT-ASSUMED", "V-PERCENT-FRACTION", "V-TEXT-NUMBER"}, (address, stored)
        if stored["content"] == "VALUE" and stored["value"] < 1:
            assert here & {"V-PERCENT-ASSUMED", "V-PERCENT-FRACTION"}, (address, stored)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("locale", LOCALES)
def test_the_three_formats_say_the_same(typed, locale, mode):
    """Parity: the same typing saved as .xlsx, .ods and .xls gives the same values and flags."""
    seen = []
    for fmt in FORMATS:
        result, _ = typed[(locale, mode, fmt)]
        seen.append(({k: v.value for k, v in result.values.items() if k[0] == ROW},
                     sorted((i.cell, i.code) for i in result.issues)))
    assert seen[0] == seen[1] == seen[2]


def test_both_kinds_of_flag_are_exercised(typed):
    """The clients really stored what the rule is about: 0.85 with and without a percent
    format, and text (so the assertions above are not vacuous)."""
    codes = {i.code for result, _ in typed.values() for i in result.issues}
    assert {"V-PERCENT-ASSUMED", "V-PERCENT-FRACTION", "V-TEXT-NUMBER"} <= codes
    vi_local = typed[("vi-VN", "local", "xlsx")][1]
    assert {c["typed"]: c["content"] for c in vi_local.values()}["0,85"] == "VALUE"   # a number in vi-VN
