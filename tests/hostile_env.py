"""What the hostile-input tests share: a good inbox, its key and its harvest (module-scoped
fixtures, registered for every test by conftest), and ``harvest_cli``, which runs
``cchc harvest`` in its own process with memory and time limits."""
from __future__ import annotations

import csv
import io
import os
import random
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from samples.fill import valid_values, write_values
from tests.conftest import FIXED_TIME, TEST_KEY

REPO = Path(__file__).parents[1]
MEMORY_LIMIT = 3 << 30     # bytes of address space for the harvest process
TIME_LIMIT = 180           # seconds: a hang guard, not a performance measure


def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def harvest_cli(inbox: Path, out: Path, key_file: Path) -> subprocess.CompletedProcess:
    """Run ``cchc harvest`` in its own process with memory and time limits."""
    return subprocess.run([sys.executable, "-m", "cchc", "harvest", str(inbox), "--key-file", str(key_file),
                           "--out", str(out)], capture_output=True, text=True, timeout=TIME_LIMIT,
                          preexec_fn=_limits, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})


def read_csv_rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


@pytest.fixture(scope="module")
def good_inbox(tmp_path_factory, generated, catalogue):
    """One valid return for every assignment."""
    out_dir, files = generated
    inbox = tmp_path_factory.mktemp("good")
    rnd = random.Random(4)
    for g in files:
        form = catalogue.form(g.form)
        write_values(out_dir / g.path, form, valid_values(form, g.unit.code, rnd),
                     inbox / g.unit.code / f"{g.form}.xlsx", saved_at=FIXED_TIME)
    return inbox


@pytest.fixture(scope="module")
def key_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("key") / "hmac.key"
    path.write_text(TEST_KEY.hex())
    return path


@pytest.fixture(scope="module")
def baseline(good_inbox, key_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("baseline") / "out"
    assert harvest_cli(good_inbox, out, key_file).returncode == 0
    return out


def template_of(generated, form="PL1", unit="p-tran-phu") -> bytes:
    out_dir, files = generated
    return (out_dir / next(g.path for g in files if g.form == form and g.unit.code == unit)).read_bytes()
