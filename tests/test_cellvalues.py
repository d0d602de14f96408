"""Reading one cell: raw value and kind → value and problem codes."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest

from harvest.cellvalues import parse, show


@pytest.mark.parametrize("raw, kind, value, codes", [
    (12, "count", 12, []),
    (12.0, "count", 12, []),
    (0, "count", 0, []),
    (None, "count", None, []),
    ("  ", "count", None, []),
    ("12", "count", 12, ["V-TEXT-NUMBER"]),
    ("1.234", "count", 1234, ["V-TEXT-NUMBER"]),
    ("1.234.567", "count", 1234567, ["V-TEXT-NUMBER"]),
    ("1 234", "count", 1234, ["V-TEXT-NUMBER"]),
    ("\u00a015\u00a0", "count", 15, ["V-TEXT-NUMBER"]),
    ("1,234", "count", None, ["V-AMBIGUOUS"]),
    ("1,234,567", "count", None, ["V-AMBIGUOUS"]),
    ("12,5", "count", None, ["V-TEXT-NUMBER", "V-NOT-INTEGER"]),
    (12.5, "count", None, ["V-NOT-INTEGER"]),
    (-3, "count", None, ["V-NEGATIVE"]),
    ("-3", "count", None, ["V-TEXT-NUMBER", "V-NEGATIVE"]),
    ("12 người", "count", None, ["V-NOT-NUMBER"]),
    ("85%", "count", None, ["V-NOT-NUMBER"]),
    (True, "count", None, ["V-NOT-NUMBER"]),
    (datetime(2020, 3, 1), "count", 43891, ["V-DATE-NUMBER"]),
    (date(1900, 3, 25), "count", 85, ["V-DATE-NUMBER"]),
    (date(1900, 1, 12), "count", 12, ["V-DATE-NUMBER"]),
    (datetime(1900, 3, 31, 21, 36), "percent", 91.9, ["V-DATE-NUMBER"]),
    (time(12, 0), "percent", 50.0, ["V-DATE-NUMBER", "V-PERCENT-ASSUMED"]),
    (date(2020, 3, 1), "percent", None, ["V-DATE-NUMBER", "V-PERCENT-RANGE"]),
    (date(2020, 3, 1), "rating", None, ["V-RATING"]),
    (1, "flag", 1, []),
    (0, "flag", 0, []),
    (2, "flag", None, ["V-FLAG"]),
    (0.5, "flag", None, ["V-FLAG"]),
    ("1", "flag", 1, ["V-TEXT-NUMBER"]),
    ("Có", "flag", None, ["V-NOT-NUMBER"]),
    (85, "percent", 85.0, []),
    (92.5, "percent", 92.5, []),
    ("12,5", "percent", 12.5, ["V-TEXT-NUMBER"]),
    ("85%", "percent", 85.0, ["V-TEXT-NUMBER"]),
    ("85 %", "percent", 85.0, ["V-TEXT-NUMBER"]),
    ("92.5", "percent", 92.5, ["V-TEXT-NUMBER"]),
    ("1.234,5", "count", None, ["V-TEXT-NUMBER", "V-NOT-INTEGER"]),
    (101, "percent", None, ["V-PERCENT-RANGE"]),
    (0.85, "percent", 85.0, ["V-PERCENT-ASSUMED"]),   # never 0.85 silently: tests/test_percent.py
    ("0,5", "count", None, ["V-TEXT-NUMBER", "V-NOT-INTEGER"]),
    ("0.855", "count", None, ["V-TEXT-NUMBER", "V-NOT-INTEGER"]),   # no thousands after a lone 0
    ("0,855", "count", None, ["V-TEXT-NUMBER", "V-NOT-INTEGER"]),
    ("Đạt", "rating", "Đạt", []),
    ("Không đạt", "rating", "Không đạt", []),
    ("không  đạt", "rating", "Không đạt", ["V-RATING-CASE"]),
    ("Dat", "rating", None, ["V-RATING"]),
    (1, "rating", None, ["V-RATING"]),
    ("=SUM(A1)", "note", "=SUM(A1)", []),
])
def test_parse(catalogue, raw, kind, value, codes):
    got, problems = parse(raw, catalogue.kinds[kind])
    assert got == value and type(got) is type(value)
    assert [p.code for p in problems] == codes


def test_percent_fraction_with_percent_format(catalogue):
    value, problems = parse(0.85, catalogue.kinds["percent"], percent_format=True)
    assert value == 85.0 and [p.code for p in problems] == ["V-PERCENT-FRACTION"]
    assert problems[0].fields == {"raw": "0,85", "value": "85"}


def test_nfd_rating_is_read(catalogue):
    import unicodedata
    value, problems = parse(unicodedata.normalize("NFD", "Không đạt"), catalogue.kinds["rating"])
    assert value == "Không đạt" and problems == []


@pytest.mark.parametrize("value, text", [(12, "12"), (12.0, "12"), (12.5, "12,5"), ("x", "x")])
def test_show(value, text):
    assert show(value) == text
