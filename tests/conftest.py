"""Shared fixtures: the catalogue, the default registry, a key, a generated set."""
from __future__ import annotations

import os
from datetime import date, datetime, timezone

import pytest

from xlsx_forms.generate import generate_all
from xlsx_forms.registry import DEFAULT_REGISTRY, load_registry
from xlsx_forms.spec_loader import default_catalogue
from xlsx_forms.writer import GenerateOptions

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


def pytest_collection_modifyitems(config, items):
    """Office tests skip where LibreOffice is missing, except in CI, where they must run."""
    import shutil
    from tests.office import soffice_path
    if soffice_path() and shutil.which("ssconvert"):
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("LibreOffice and Gnumeric are required in CI: run `make test`.")
    skip = pytest.mark.skip(reason="LibreOffice or Gnumeric not installed (make office)")
    for item in items:
        if "office" in item.keywords:
            item.add_marker(skip)
