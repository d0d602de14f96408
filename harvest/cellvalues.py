"""Turn one input cell's raw value into a checked value of its kind.

Numbers typed as text in Vietnamese style (read by ``sheetio.textnumber``) are accepted
with a warning ("1.234" → 1234, "12,5" → 12.5, "85%" → 85); text that could mean two
numbers is an error. What a percent cell means, whatever the client stored, is decided
here only (``percent_meant``); what each kind accepts beyond that is its base's
(``xlsx_forms.kinds``).
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

from sheetio.cells import SERIAL_DAYS, DamagedCell, DateNumber, ErrorValue, excel_serial, serial_datetime
from sheetio.textnumber import text_number
from xlsx_forms.inert import as_text
from xlsx_forms.model import Kind, dmy, hm_dmy

from .issues import Code

SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\t"), " ")
PERCENT_SIGNS = ("%", "\uff05")   # and the full-width sign of East Asian input methods


@dataclass(frozen=True)
class Problem:
    """A catalogue code with its message fields."""

    code: str
    fields: dict


def show_date(serial: float) -> str:
    """A date-formatted number as the date it shows, written as every text of cchc writes
    dates (``dmy``: 23/3/2020; with a time ``hm_dmy``: 08:05 23/3/2020), or the number."""
    if not SERIAL_DAYS[0] <= serial < SERIAL_DAYS[1]:
        return show(float(serial))
    day = serial_datetime(serial)
    return hm_dmy(day) if serial % 1 else dmy(day)


def show(value) -> str:
    """A number as Vietnamese readers write it (decimal comma, never an exponent from 10^-6
    to 10^16); only magnitudes no count or rate can have in scientific notation; anything
    else as text."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"      # as the spreadsheet shows it
    if not isinstance(value, (int, float)):
        return as_text(value)
    if isinstance(value, int):
        if value.bit_length() > 64:   # str() of a huge int is slow, and refused past 4300 digits
            return f"{'-' if value < 0 else ''}≈10^{int(abs(value).bit_length() * 0.30103)}"
        return str(value)
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("-" if value < 0 else "") + "Infinity"
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if abs(value) >= 1e16 or abs(value) < 1e-6:
        return f"{value:.6g}".replace(".", ",")
    # Positional, with the shortest digits that give the value back: repr writes 0.00005
    # as "5e-05", which no clerk reads as a number.
    return format(Decimal(repr(value)), "f").replace(".", ",")


def plausible(number, bound: float | None) -> bool:
    """True for a finite number whose magnitude is at most ``bound`` (a kind's ``max``;
    None: any finite number)."""
    try:
        return math.isfinite(number) and (bound is None or abs(number) <= bound)
    except (OverflowError, TypeError, ValueError):
        return False


def looks_like_number(text: str) -> float | None:
    """The number a CSV or spreadsheet reader would take ``text`` for ("1e308", "NaN",
    "inf", "12"), or None."""
    try:
        return float(text)
    except (ValueError, OverflowError):
        return None


def _number(raw) -> float | None:
    """A number cell's value as a float; None for a value that is no number at all
    (NaN, a bytes object, an error value, any object a reader may hand over). A number
    too large for a float becomes infinity, refused later as too large."""
    if isinstance(raw, float):
        return None if math.isnan(raw) else raw
    if isinstance(raw, int):
        try:
            return float(raw)
        except OverflowError:
            return math.inf if raw > 0 else -math.inf
    if isinstance(raw, (Decimal, Fraction)):
        try:
            number = float(raw)
        except (OverflowError, ValueError, ArithmeticError):
            return None
        return None if math.isnan(number) else number
    return None


def unreadable(raw) -> Problem | None:
    """The problem of a cell the reader could not read as a value (an error value such as
    #DIV/0!, or damaged content), whatever kind of cell it is; None for any other value."""
    if isinstance(raw, ErrorValue):
        return Problem(Code.V_ERROR_VALUE, {"raw": str(raw)})
    if isinstance(raw, DamagedCell):
        return Problem(Code.V_DAMAGED, {"detail": f"«{raw}» {raw.reason}"})
    return None


def percent_meant(number: float, *, formatted: bool, signed: bool) -> tuple[float | None, Problem | None]:
    """The percentage a positive ``number`` read from a percent cell stands for, and the
    problem that says what was assumed (None: taken as it is). The template's rule is
    "85 means 85 %" (the cell shows a "%" after the number, and is no percent format), but
    a client may store 0.85: Excel and LibreOffice store a typed "85%" as 0.85, some
    clerks type fractions, a percent format may have been put on the cell.

    - ``formatted`` (a number shown with a percent format): the cell shows the stored
      fraction ×100, and that is what it means: 0.85 → 85 (``V-PERCENT-FRACTION``);
      above 1 it shows more than 100 % (``V-PERCENT-FORMAT``, unusable).
    - ``signed`` (text with a % sign): the text says it: "85%" → 85, "0,5%" → 0.5.
    - otherwise a number from 0 to 100 is a percentage, except in (0, 1]: a non-integer
      there is read as a fraction ×100 (0.85 → 85, ``V-PERCENT-ASSUMED``, a warning that
      quotes both), and exactly 1 is 1 % or 100 % (``V-PERCENT-ONE``, unusable until the
      office says which). So a value in (0, 1] is never taken silently.
    """
    if formatted:
        percent = round(number * 100, 10)
        fields = {"raw": show(number), "value": show(percent)}
        if percent > 100:
            return None, Problem(Code.V_PERCENT_FORMAT, fields)
        return percent, Problem(Code.V_PERCENT_FRACTION, fields)
    if signed or number > 1:
        return number, None
    if number == 1:
        return None, Problem(Code.V_PERCENT_ONE, {"raw": show(number)})
    percent = round(number * 100, 10)
    return percent, Problem(Code.V_PERCENT_ASSUMED, {"raw": show(number), "value": show(percent)})


def parse(raw, kind: Kind, *, percent_format: bool = False) -> tuple[object, list[Problem]]:
    """(value or None, problems). None means blank, or a value that cannot be used.

    The steps every number shares are here (text in Vietnamese style, dates, negatives,
    the percent rule); what a kind accepts is its base's (``xlsx_forms.kinds``). Never
    raises, whatever ``raw`` is: every number returned is finite and within the kind's
    bounds (``Kind.max``); anything else is a problem quoting the value."""
    accepts = kind.description
    base = kind.behaviour
    problem = unreadable(raw)
    if problem:
        return None, [problem]
    if raw is None or (isinstance(raw, str) and not raw.translate(SPACES).strip()):
        return None, []
    if not base.numeric:
        text = unicodedata.normalize("NFC", raw.translate(SPACES).strip()) if isinstance(raw, str) else None
        value, found = base.read_text(kind, raw, text, show(raw))
        return value, [Problem(code, fields) for code, fields in found]
    problems: list[Problem] = []
    if isinstance(raw, DateNumber):
        problems.append(Problem(Code.V_DATE_NUMBER, {"raw": show_date(raw), "value": show(float(raw))}))
        raw = float(raw)
    elif isinstance(raw, (datetime, date, time, timedelta)):
        # A number shown with a date or duration format (by the office, or by a reader that
        # took a custom number format for a date): the cell still holds that number.
        number = excel_serial(raw)
        problems.append(Problem(Code.V_DATE_NUMBER, {"raw": raw, "value": show(number)}))
        raw = number
    percent_sign = False
    if isinstance(raw, str):
        text = unicodedata.normalize("NFC", raw).translate(SPACES).strip()
        negative = text.startswith("-")
        body = text[1:].strip() if negative else text
        percent_sign = base.percent_sign and body.endswith(PERCENT_SIGNS)
        if percent_sign:
            body = body[:-1].strip()
        number, ambiguous = text_number(body)
        if ambiguous:
            return None, [Problem(Code.V_AMBIGUOUS, {"raw": raw})]
        if number is None:
            return None, [Problem(Code.V_NOT_NUMBER, {"raw": raw, "accepts": accepts})]
        value = -number if negative else number
        quoted = raw
        if math.isfinite(value):
            problems.append(Problem(Code.V_TEXT_NUMBER, {"raw": raw, "value": show(value)}))
    else:
        value = None if isinstance(raw, bool) else _number(raw)
        if value is None:
            return None, problems + [Problem(Code.V_NOT_NUMBER, {"raw": show(raw), "accepts": accepts})]
        quoted = show(raw)
    if base.percent_sign and 0 < value < math.inf:
        value, problem = percent_meant(value, formatted=percent_format and not isinstance(raw, str),
                                       signed=percent_sign)
        if problem is not None:
            problems.append(problem)
            if value is None:
                return None, problems
    shown = show(value) if math.isfinite(value) else quoted
    if value < 0:
        return None, problems + [Problem(Code.V_NEGATIVE, {"value": shown, "accepts": accepts})]
    found = base.check(kind, value, shown, quoted)
    if found is not None:
        return None, problems + [Problem(*found)]
    return base.convert(value), problems
