"""Turn one input cell's raw value into a checked value of its kind.

Numbers typed as text in Vietnamese style are accepted with a warning ("1.234" → 1234,
"12,5" → 12.5, "85%" → 85); text that could mean two numbers is an error.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from xlsx_forms.model import Kind

from .cells import DamagedCell, DateNumber, ErrorValue

SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\t"), " ")
_INT = re.compile(r"^\d+$")
_VN_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")          # 1.234 / 1.234.567
_SPACE_THOUSANDS = re.compile(r"^\d{1,3}(?: \d{3})+$")        # 1 234
_VN_DECIMAL = re.compile(r"^\d+,\d+$")                         # 12,5
_VN_FULL = re.compile(r"^\d{1,3}(?:\.\d{3})+,\d+$")           # 1.234,5
_POINT_DECIMAL = re.compile(r"^\d+\.(?:\d{1,2}|\d{4,})$")      # 92.5 (not 3 digits: those are thousands)
_AMBIGUOUS = re.compile(r"^\d{1,3}(?:,\d{3})+$")               # 1,234: thousands or decimal?


@dataclass(frozen=True)
class Problem:
    """A catalogue code with its message fields."""

    code: str
    fields: dict


_EPOCH = datetime(1899, 12, 30)


def excel_serial(value: datetime | date | time) -> float:
    """The spreadsheet number behind a date or time value (1900 date system, with Excel's
    fictitious 29 February 1900, as the readers apply it)."""
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    days = (value - _EPOCH).total_seconds() / 86400
    return round(days - 1 if value < datetime(1900, 3, 1) else days, 9)


def show_date(serial: float) -> str:
    """A date-formatted number as the date it shows (dd/mm/yyyy), or the number."""
    if not 1 <= serial < 2958466:
        return show(float(serial))
    day = _EPOCH + timedelta(days=serial + (1 if serial < 61 else 0))
    return day.strftime("%d/%m/%Y") + (day.strftime(" %H:%M") if serial % 1 else "")


def show(value) -> str:
    """A number as Vietnamese readers write it (decimal comma)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",") if isinstance(value, float) else str(value)


def _text_number(text: str) -> tuple[float | None, bool]:
    """(number, ambiguous) for a text that should be a number."""
    t = text
    if _INT.match(t):
        return float(t), False
    if _VN_THOUSANDS.match(t) or _SPACE_THOUSANDS.match(t):
        return float(t.replace(".", "").replace(" ", "")), False
    if _VN_FULL.match(t):
        return float(t.replace(".", "").replace(",", ".")), False
    if _AMBIGUOUS.match(t):
        return None, True
    if _VN_DECIMAL.match(t):
        return float(t.replace(",", ".")), False
    if _POINT_DECIMAL.match(t):
        return float(t), False
    return None, False


def parse(raw, kind: Kind, *, percent_format: bool = False) -> tuple[object, list[Problem]]:
    """(value or None, problems). None means blank, or a value that cannot be used."""
    accepts = kind.description
    if isinstance(raw, ErrorValue):
        return None, [Problem("V-ERROR-VALUE", {"raw": str(raw)})]
    if isinstance(raw, DamagedCell):
        return None, [Problem("V-DAMAGED", {"detail": str(raw)})]
    if raw is None or (isinstance(raw, str) and not raw.translate(SPACES).strip()):
        return None, []
    if kind.id == "note":
        return str(raw), []
    if kind.id == "rating":
        text = unicodedata.normalize("NFC", str(raw).translate(SPACES).strip())
        for choice in kind.choices:
            if text == choice:
                return choice, []
            if " ".join(text.split()).casefold() == choice.casefold():
                return choice, [Problem("V-RATING-CASE", {"raw": raw, "value": choice})]
        return None, [Problem("V-RATING", {"raw": raw})]
    problems: list[Problem] = []
    if isinstance(raw, bool):
        return None, [Problem("V-NOT-NUMBER", {"raw": raw, "accepts": accepts})]
    if isinstance(raw, DateNumber):
        problems.append(Problem("V-DATE-NUMBER", {"raw": show_date(raw), "value": show(float(raw))}))
        raw = float(raw)
    elif isinstance(raw, (datetime, date, time)):
        # A number shown with a date format (by the office, or by a reader that took a
        # custom number format for a date): the cell still holds that number.
        number = excel_serial(raw)
        problems.append(Problem("V-DATE-NUMBER", {"raw": raw, "value": show(number)}))
        raw = number
    if isinstance(raw, str):
        text = unicodedata.normalize("NFC", raw).translate(SPACES).strip()
        negative = text.startswith("-")
        body = text[1:].strip() if negative else text
        percent_sign = kind.id == "percent" and body.endswith("%")
        if percent_sign:
            body = body[:-1].strip()
        number, ambiguous = _text_number(body)
        if ambiguous:
            return None, [Problem("V-AMBIGUOUS", {"raw": raw})]
        if number is None:
            return None, [Problem("V-NOT-NUMBER", {"raw": raw, "accepts": accepts})]
        value = -number if negative else number
        problems.append(Problem("V-TEXT-NUMBER", {"raw": raw, "value": show(value)}))
    else:
        value = float(raw)
        if kind.id == "percent" and percent_format and 0 < value <= 1:
            value = round(value * 100, 10)
            problems.append(Problem("V-PERCENT-FRACTION", {"raw": show(float(raw)), "value": show(value)}))
    if value < 0:
        return None, problems + [Problem("V-NEGATIVE", {"value": show(value), "accepts": accepts})]
    if kind.id in ("count", "flag") and not float(value).is_integer():
        code = "V-FLAG" if kind.id == "flag" else "V-NOT-INTEGER"
        return None, problems + [Problem(code, {"value": show(value), "accepts": accepts})]
    if kind.id == "flag" and value not in (0, 1):
        return None, problems + [Problem("V-FLAG", {"value": show(value)})]
    if kind.id == "percent" and value > 100:
        return None, problems + [Problem("V-PERCENT-RANGE", {"value": show(value)})]
    return (int(value) if kind.id in ("count", "flag") else float(value)), problems
