"""Fuzzing: valid returned workbooks with bytes changed inside zip members or in the zip
structure never raise, never hang. CCHC_FUZZ_EXAMPLES=5000 runs longer than CI's default."""
from __future__ import annotations

import io
import os
import signal
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harvest.process import FileResult, process
from tests import hostile, strict_reader
from tests.conftest import TEST_KEY

EXAMPLES = int(os.environ.get("CCHC_FUZZ_EXAMPLES", "150"))
SECONDS_PER_FILE = 20  # a hang guard, far above the few milliseconds a file takes


@pytest.fixture(scope="module")
def seeds(generated):
    out, files = generated
    picked = {g.form: g for g in files}
    return [(out / g.path).read_bytes() for g in picked.values()]


def _guarded(data: bytes, catalogue, registry) -> FileResult:
    """The file processed with a hang guard; an exception inside the reader that no damaged
    file explains fails the test, even where the reader made it a "damaged file" failure."""
    def hang(*_):
        raise TimeoutError("harvest hung on a fuzzed file")
    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(SECONDS_PER_FILE)
    try:
        with strict_reader.watched() as seen:
            result = process("fuzz.xlsx", data, 0, catalogue, registry, TEST_KEY)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    bugs = strict_reader.unexpected(seen)
    assert not bugs, "the reader raised what no damaged file explains:\n" + "\n".join(bugs)
    return result


def _check(result: FileResult) -> None:
    assert isinstance(result, FileResult)
    if not result.accepted:
        assert result.reason and result.issues and all(i.message for i in result.issues)


common = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("CCHC_FUZZ_EXAMPLES"),
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                         HealthCheck.data_too_large])


@common
@given(data=st.data())
def test_bytes_inside_members(seeds, catalogue, registry, data):
    template = data.draw(st.sampled_from(seeds))
    members = zipfile.ZipFile(io.BytesIO(template)).namelist()
    mutated = template
    for _ in range(data.draw(st.integers(1, 4))):
        member = data.draw(st.sampled_from(members))
        mutated = hostile.mutate(mutated, member, data.draw(st.integers(0, 1 << 20)),
                                 data.draw(st.sampled_from([0, 0x3C, 0x3E, 0x22, 0x26, 0x41, 0xFF, 0x30, 0x2D])))
    _check(_guarded(mutated, catalogue, registry))


@pytest.mark.filterwarnings("ignore:Duplicate name")   # duplicates are what this test makes
@common
@given(data=st.data())
def test_zip_structure(seeds, catalogue, registry, data):
    template = bytearray(data.draw(st.sampled_from(seeds)))
    action = data.draw(st.sampled_from(["flip", "truncate", "drop", "duplicate", "splice"]))
    if action == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            template[data.draw(st.integers(0, len(template) - 1))] ^= data.draw(st.integers(1, 255))
        blob = bytes(template)
    elif action == "truncate":
        blob = bytes(template[: data.draw(st.integers(0, len(template)))])
    elif action == "splice":
        at = data.draw(st.integers(0, len(template)))
        blob = bytes(template[:at]) + data.draw(st.binary(max_size=64)) + bytes(template[at:])
    else:
        src = zipfile.ZipFile(io.BytesIO(bytes(template)))
        names = src.namelist()
        victim = data.draw(st.sampled_from(names))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for name in names:
                if action == "drop" and name == victim:
                    continue
                dst.writestr(name, src.read(name))
                if action == "duplicate" and name == victim:
                    dst.writestr(zipfile.ZipInfo(name), b"<x/>")
        blob = out.getvalue()
    _check(_guarded(blob, catalogue, registry))
