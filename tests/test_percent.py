"""The percent rule (harvest/cellvalues.py: percent_meant), over every way an office can
store a percentage: whatever was typed, the harvest gets the percentage meant, or a flag
saying what it read and what it assumed; a value in (0, 1] is never taken silently."""
from __future__ import annotations

import random

import pytest

from harvest.cellvalues import parse, show
from harvest.issues import ERROR, WARNING, Code, issue

TEXT, FRACTION, ASSUMED, ONE, FORMAT = ("V-TEXT-NUMBER", "V-PERCENT-FRACTION", "V-PERCENT-ASSUMED",
                                        "V-PERCENT-ONE", "V-PERCENT-FORMAT")
PERCENT_CODES = {FRACTION, ASSUMED, ONE, FORMAT}


def _english(number: float) -> str:
    return show(number).replace(",", ".")


def spellings(meant: float):
    """(what the cell holds, percent format?, how it came about) for a percentage
    ``meant`` in (1, 100) with at most two decimals, as the clients store it."""
    vn, en = show(meant), _english(meant)
    fraction = round(meant / 100, 6)
    yield meant, False, "typed 85 into the template (any client)"
    yield fraction, True, "typed 85% where the client applied a percent format"
    yield fraction, False, "typed 85% where the client kept the template's format, or typed 0.85"
    yield vn, False, "85,5 as text (en-US client)"
    yield en, False, "85.5 as text"
    for sign in ("%", " %", "\u00a0%", "\uff05"):
        yield vn + sign, False, f"text with a percent sign {sign!r}"
        yield vn + sign, True, "text in a cell with a percent format: the text decides"
    yield show(fraction), False, "0,85 as text (en-US client)"
    yield _english(fraction), False, "0.85 as text"


def expected(meant: float, raw, formatted: bool) -> tuple[float, list[str]]:
    """What each spelling must give: the percentage meant, with the codes that flag how."""
    if isinstance(raw, str):
        signed = raw.endswith(("%", "\uff05"))
        fraction = not signed and float(raw.replace(",", ".")) < 1
        return meant, [TEXT, ASSUMED] if fraction else [TEXT]
    if raw == meant:
        return meant, []
    return meant, [FRACTION if formatted else ASSUMED]


MEANT = [85, 85.5, 92.25, 7.5, 50, 99.99, 1.5]
CASES = [(m, raw, fmt, how) for m in MEANT for raw, fmt, how in spellings(m)]


@pytest.mark.parametrize("meant, raw, formatted, how", CASES,
                         ids=[f"{m}-{r!r}-{'fmt' if f else 'plain'}" for m, r, f, _ in CASES])
def test_every_spelling_gives_the_percentage_meant(catalogue, meant, raw, formatted, how):
    value, problems = parse(raw, catalogue.kinds["percent"], percent_format=formatted)
    want, codes = expected(meant, raw, formatted)
    assert value == pytest.approx(want) and type(value) is float, how
    assert [p.code for p in problems] == codes, how


@pytest.mark.parametrize("raw, formatted, value, codes", [
    # The edges of (0, 1]: exactly 1 is 1 % or 100 %; "1%" or a percent format says which.
    (1, False, None, [ONE]),
    (1.0, False, None, [ONE]),
    ("1", False, None, [TEXT, ONE]),
    ("1,0", False, None, [TEXT, ONE]),
    ("1%", False, 1.0, [TEXT]),
    (1, True, 100.0, [FRACTION]),
    (0.01, False, 1.0, [ASSUMED]),       # "1%" typed in a client that kept the template's format
    (0.01, True, 1.0, [FRACTION]),
    (100, False, 100.0, []),
    ("100%", False, 100.0, [TEXT]),
    # A fraction of a percent can only be written with its sign.
    ("0,5%", False, 0.5, [TEXT]),
    (0.005, True, 0.5, [FRACTION]),
    (0.5, False, 50.0, [ASSUMED]),
    # Zero is zero in every spelling.
    (0, False, 0.0, []),
    (0, True, 0.0, []),
    ("0", False, 0.0, [TEXT]),
    ("0%", False, 0.0, [TEXT]),
    # A percent format on a number above 1 shows more than 100 %: the office sees 8500%.
    (85, True, None, [FORMAT]),
    (1.5, True, None, [FORMAT]),
    # Out of range, negative, nonsense: the kind's own errors.
    (101, False, None, ["V-PERCENT-RANGE"]),
    ("101%", False, None, [TEXT, "V-PERCENT-RANGE"]),
    (-0.85, False, None, ["V-NEGATIVE"]),
    (-0.85, True, None, ["V-NEGATIVE"]),
    ("-85%", False, None, [TEXT, "V-NEGATIVE"]),
    ("85%%", False, None, ["V-NOT-NUMBER"]),
    ("%", False, None, ["V-NOT-NUMBER"]),
    ("0,855", False, 85.5, [TEXT, ASSUMED]),
    ("0.855", False, 85.5, [TEXT, ASSUMED]),
])
def test_edges(catalogue, raw, formatted, value, codes):
    got, problems = parse(raw, catalogue.kinds["percent"], percent_format=formatted)
    assert got == (pytest.approx(value) if value is not None else None)
    assert [p.code for p in problems] == codes


def test_no_value_in_zero_one_is_taken_silently(catalogue):
    """Random values in (0, 1], as numbers (with and without a percent format) and as
    text in both notations: each is either ×100 with a warning or unusable with an error."""
    rnd = random.Random(10)
    kind = catalogue.kinds["percent"]
    samples = [1.0, 0.999999, 1e-9] + [round(rnd.uniform(0, 1), rnd.randint(1, 6)) or 0.5 for _ in range(400)]
    for x in samples:
        for raw, formatted in [(x, False), (x, True), (show(x), False), (_english(x), False)]:
            value, problems = parse(raw, kind, percent_format=formatted)
            severities = {p.code: Code(p.code).severity for p in problems}
            if value is None:
                assert ERROR in severities.values(), (raw, formatted)   # e.g. 1 or "1e-09"
            else:
                flags = [c for c in severities if c in PERCENT_CODES]
                assert flags and severities[flags[0]] == WARNING, (raw, formatted, problems)
                assert value == pytest.approx(x * 100), (raw, formatted)


@pytest.mark.parametrize("raw, formatted, said", [
    (0.85, False, ["0,85", "85%"]),
    ("0,85", False, ["0,85", "85%"]),
    (0.85, True, ["0,85", "85%"]),
    (1, False, ["1", "100%"]),
    (85, True, ["85", "8500%"]),
])
def test_messages_say_what_was_read_and_assumed(catalogue, raw, formatted, said):
    _, problems = parse(raw, catalogue.kinds["percent"], percent_format=formatted)
    flag = next(p for p in problems if p.code in PERCENT_CODES)
    message = issue(flag.code, unit="u", form="PL1", file="f.xlsx", sheet="Phụ lục 1", cell="D23",
                    **flag.fields).message
    for text in said:
        assert text in message, message
