"""A number typed as text, read as a Vietnamese reader writes it.

"1.234" is a thousand two hundred and thirty-four (a dot groups thousands), "12,5" is 12.5
(a comma is the decimal sign), "1 234" and "1.234,5" are read too; "92.5" and "0.855" are
plainly decimals, since no thousands group has fewer than three digits or follows a lone
0. "1,234" could be a thousand or a decimal and is called ambiguous rather than guessed.
The harvest reads a returned cell's text this way, and the plan's authoring workbook its
own numbers, so one text means one number everywhere.
"""
from __future__ import annotations

import re

_INT = re.compile(r"^\d+$")
# A thousands group never follows a lone 0: "0.855" and "0,855" are decimals.
_VN_THOUSANDS = re.compile(r"^[1-9]\d{0,2}(?:\.\d{3})+$")     # 1.234 / 1.234.567
_SPACE_THOUSANDS = re.compile(r"^[1-9]\d{0,2}(?: \d{3})+$")   # 1 234
_VN_DECIMAL = re.compile(r"^\d+,\d+$")                         # 12,5
_VN_FULL = re.compile(r"^[1-9]\d{0,2}(?:\.\d{3})+,\d+$")      # 1.234,5
_POINT_DECIMAL = re.compile(r"^(?:\d+\.(?:\d{1,2}|\d{4,})|0\.\d+)$")  # 92.5, 0.855 (not 12.345: thousands)
_AMBIGUOUS = re.compile(r"^[1-9]\d{0,2}(?:,\d{3})+$")          # 1,234: thousands or decimal?


def text_number(text: str) -> tuple[float | None, bool]:
    """(number, ambiguous) for a text that should be a number, without sign or percent
    sign (the caller strips those): (None, True) when it could mean two numbers, (None,
    False) when it is no number."""
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
