"""Shared fixtures: the catalogue, the default registry, a key, a generated set, a filled return."""
from __future__ import annotations

import os
import random
from datetime import date, datetime, timezone

import pytest

from samples.fill import valid_values
from xlsx_forms.generate import generate_all
from xlsx_forms.registry import DEFAULT_REGISTRY, load_registry
from xlsx_forms.spec_loader import default_catalogue
from xlsx_forms.writer import GenerateOptions, Prefill, build_workbook

# The hostile-input fixtures (good_inbox, key_file, baseline) for every test module.
pytest_plugins = ["tests.hostile_env"]

FIXED_TIME = datetime(2020, 3, 12, 8, 0, 0, tzinfo=timezone.utc)
TEST_KEY = bytes(range(32))


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory, monkeypatch):
    # Never read or create a key in the developer's real configuration folder.
    monkeypatch.setenv("CCHC_HOME", str(tmp_path_factory.mktemp("cchc_home")))


@pytest.fixture(scope="session")
def catalogue():
    return default_catalogue()


@pytest.fixture(scope="session")
def registry(catalogue):
    return load_registry(DEFAULT_REGISTRY, catalogue)


@pytest.fixture(scope="session")
def options():
    return GenerateOptions(key=TEST_KEY, generated_at=FIXED_TIME, deadline=date(2020, 3, 23),
                           password="secret-pw")


@pytest.fixture(scope="session")
def generated(tmp_path_factory, catalogue, registry, options):
    """The full default set, generated once: (out_dir, [GeneratedFile])."""
    out = tmp_path_factory.mktemp("templates")
    return out, generate_all(catalogue, registry, out, options)


OFFICE_MISSING = "LibreOffice or Gnumeric is not installed (run `make office`)"
_office_skipped: list[str] = []


def _office_missing() -> bool:
    import shutil

    from tests.office import soffice_path
    return not (soffice_path() and shutil.which("ssconvert"))


def pytest_runtest_setup(item):
    """An office test skips where LibreOffice is missing, and says so at the end of the run;
    in CI (``CI`` set) it fails instead: there the office tests must run."""
    if "office" not in item.keywords or not _office_missing():
        return
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{OFFICE_MISSING}: the office tests must run in CI", pytrace=False)
    _office_skipped.append(item.nodeid)
    pytest.skip(OFFICE_MISSING)


def pytest_terminal_summary(terminalreporter):
    if _office_skipped:
        terminalreporter.write_line(
            f"{len(_office_skipped)} office tests were SKIPPED: {OFFICE_MISSING}; they did not check "
            "LibreOffice/Gnumeric round trips, printing or recalculation.", yellow=True, bold=True)


@pytest.fixture(scope="session")
def filled_pl1(catalogue, registry, options):
    """A PL1 return with every input filled (numbers, texts, a percent), as Excel keeps it."""
    unit = next(u for u in registry.units if "PL1" in u.forms)
    form = catalogue.form("PL1")
    data, _ = build_workbook(catalogue, registry, unit, form, options,
                             Prefill(values=valid_values(form, unit.code, random.Random(7))))
    return data
