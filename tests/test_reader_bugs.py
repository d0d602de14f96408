"""A bug of ours inside the reader is never passed off as a damaged file: ``read_book``
lets it go, the harvest still reports the file (as an error of cchc, naming the exception,
asking for the file) and goes on, and the tests' watch on the reader (tests/strict_reader)
sees it even when something catches it."""
from __future__ import annotations

import pytest

from harvest.inbox import scan
from harvest.intake import read_one
from sheetio import reader
from tests import strict_reader
from tests.conftest import TEST_KEY
from tests.hostile_env import template_of

# Where inside the .xlsx path a bug could be: each function read_book reaches for a part.
POINTS = ["read_sheet", "workbook_sheets", "shared_strings", "cell_format_kinds"]
# Exceptions that no damaged file explains: a bug of ours, whatever the bytes.
BUGS = [KeyError("x"), IndexError("x"), AttributeError("x"), TypeError("x"), ValueError("x"),
        ZeroDivisionError("x"), RecursionError("x"), UnicodeDecodeError("utf-8", b"\xff", 0, 1, "x")]


def _raising(exc):
    def bug(*_args, **_kwargs):
        raise exc
    return bug


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("exc", BUGS, ids=lambda e: type(e).__name__)
def test_a_bug_inside_the_reader_is_raised_not_called_damage(generated, monkeypatch, point, exc):
    monkeypatch.setattr(reader, point, _raising(exc))
    with strict_reader.watched() as seen, pytest.raises(type(exc)):
        reader.read_book(template_of(generated))
    assert strict_reader.unexpected(seen)


@pytest.mark.parametrize("exc", BUGS, ids=lambda e: type(e).__name__)
def test_the_watch_sees_a_bug_that_a_catch_all_would_call_damage(generated, monkeypatch, exc):
    """Were read_book to take every exception for damage, the fuzz tests would still fail."""
    monkeypatch.setattr(reader, "read_sheet", _raising(exc))
    monkeypatch.setattr(reader, "_damaged_types", lambda: (Exception,))
    with strict_reader.watched() as seen:
        book = reader.read_book(template_of(generated))
    assert book.failure                     # the catch-all hid it ...
    assert [type(e) for e in seen] == [type(exc)] and strict_reader.unexpected(seen)   # ... the watch did not


def test_the_products_damage_list_is_within_the_tests_list():
    """The product may not widen what it calls damage beyond what the tests accept."""
    assert set(reader._damaged_types()) <= set(strict_reader.EXPECTED)


@pytest.mark.parametrize("exc", BUGS, ids=lambda e: type(e).__name__)
def test_the_harvest_reports_a_bug_on_one_file_and_goes_on(generated, catalogue, registry, monkeypatch,
                                                           tmp_path, exc):
    (tmp_path / "hỏng.xlsx").write_bytes(template_of(generated))
    (tmp_path / "tốt.xlsx").write_bytes(template_of(generated, "PL3", "vp"))
    entries = {f.rel: f for f in scan(tmp_path)}
    real = reader.read_sheet
    def read_sheet(pkg, part, name, *args):   # the bug is in one file's form sheet only
        return (_raising(exc) if name == "Phụ lục 1" else real)(pkg, part, name, *args)
    monkeypatch.setattr(reader, "read_sheet", read_sheet)
    bad = read_one(entries["hỏng.xlsx"], catalogue, registry, TEST_KEY)
    assert not bad.accepted and [i.code for i in bad.issues] == ["F-UNREADABLE"]
    assert f"cchc gặp lỗi khi xử lý tệp ({type(exc).__name__}); hãy gửi tệp này cho người phát triển" \
        in bad.issues[0].message
    good = read_one(entries["tốt.xlsx"], catalogue, registry, TEST_KEY)
    assert good.form == "PL3" and good.unit == "vp" and good.signature_ok
