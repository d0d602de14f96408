"""One cell of the authoring workbook ↔ one value of the plan's dicts, by column type.

``to_cell`` writes what ``from_cell`` reads back to the same value (the round trip of
``cchc plan export``). ``from_cell`` takes what a person or another spreadsheet program
may have typed instead (a number where a text was meant, a real date, "có", "92,5",
"100.000" read as the harvest reads a Vietnamese number) and
raises ``BadCell`` with a Vietnamese reason for what it cannot take.
"""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime

from sheetio.cells import SERIAL_DAYS, DamagedCell, ErrorValue, serial_datetime
from sheetio.textnumber import text_number

from ..inert import unwritable
from ..model import date_from_text, date_problem, dmy
from .sheets import ENUMS, Column

LIST_SEPARATORS = (";", ",")
ARROW = " → "
_ARROWS = re.compile(r"\s*(?:→|->)\s*")


class BadCell(ValueError):
    """A cell whose content the column cannot take; the message says why (Vietnamese)."""


def _text(value) -> str:
    return unicodedata.normalize("NFC", value).strip()


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _list_text(items) -> str:
    items = [str(i) for i in items]
    return ("; " if any("," in i for i in items) else ", ").join(items)


def to_cell(column: Column, value):
    """The cell content (str, int or float) that shows ``value`` in ``column``."""
    kind = column.type
    if kind == "enum":
        labels = {code: label for label, code in ENUMS[column.choices].items()}
        return labels.get(value, str(value))
    if kind == "yesno":
        return {True: "Có", False: "Không"}.get(value, str(value))
    if kind == "list":
        return _list_text(value or ())
    if kind == "fixes":
        return "; ".join(f"{f['from']}{ARROW}{f['to']}" for f in value or ())
    if kind == "map":
        return "; ".join(f"{k}: {_number_text(v) if isinstance(v, (int, float)) else v}"
                         for k, v in value.items() if not str(k).startswith("__"))
    if kind == "date":
        return dmy(value) if isinstance(value, date) else str(value)
    if kind in ("integer", "number"):
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
    # Stripped as ``from_cell`` reads it back (a YAML block text ends with a line end).
    return value.strip() if isinstance(value, str) else _number_text(value) if isinstance(value, (int, float)) \
        else str(value)


def _as_number(raw, what: str) -> int | float:
    if isinstance(raw, bool):
        raise BadCell(f"«{raw}» không phải {what}")
    if isinstance(raw, (int, float)):
        value = raw
    else:
        # A number typed as text is read as the harvest reads one (sheetio.textnumber):
        # Vietnamese, "100.000" is a hundred thousand, "92,5" is 92.5; "100,000" could be
        # either and is refused rather than guessed.
        text = _text(str(raw)).replace("\u00a0", " ")
        sign = -1 if text.startswith(("-", "\u2212")) else 1
        body = text[1:].strip() if sign < 0 else text
        number, ambiguous = text_number(body)
        if ambiguous:
            raise BadCell(f"«{raw}» không rõ là số nào (dấu phẩy ngăn cách hàng nghìn hay dấu thập phân?); "
                          "nhập số không có dấu ngăn cách hàng nghìn, ví dụ 100000, số lẻ viết 92,5")
        if number is None:
            raise BadCell(f"«{raw}» không phải {what}")
        value = sign * number
    if not math.isfinite(value):
        raise BadCell(f"«{raw}» không phải {what}")
    return int(value) if float(value).is_integer() else float(value)


def _as_date(raw) -> date:
    found = _read_date(raw)
    problem = date_problem(found)
    if problem:
        raise BadCell(problem)
    return found


def _read_date(raw) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and SERIAL_DAYS[0] <= raw < SERIAL_DAYS[1]:
        # A date the program stored as its serial number (the 1900 system).
        if int(raw) == 60:
            raise BadCell("ngày 29/2/1900 không có thật (số ngày 60 của sổ tính)")
        return serial_datetime(raw).date()
    number = isinstance(raw, (int, float)) and not isinstance(raw, bool)
    found = None if number else date_from_text(_text(str(raw)))
    if found is None:
        shown = _number_text(raw) if number and math.isfinite(raw) else str(raw)   # -5, not «-5.0»
        raise BadCell(f"ngày «{shown}» không hợp lệ (viết ngày/tháng/năm, ví dụ 23/3/2020)")
    return found


def _split(text: str) -> list[str]:
    sep = next((s for s in LIST_SEPARATORS if s in text), LIST_SEPARATORS[-1])
    return [p.strip() for p in text.split(sep) if p.strip()]


def from_cell(column: Column, raw):
    """The value a non-empty cell of ``column`` holds. Raises BadCell."""
    kind = column.type
    if isinstance(raw, ErrorValue):
        raise BadCell(f"ô chứa giá trị lỗi {raw}")
    if isinstance(raw, DamagedCell):
        raise BadCell(f"ô không đọc được ({raw.reason})")
    if kind in ("integer", "number"):
        value = _as_number(raw, "số nguyên" if kind == "integer" else "số")
        if kind == "integer" and not isinstance(value, int):
            raise BadCell(f"«{raw}» không phải số nguyên")
        return value
    if kind == "date":
        return _as_date(raw)
    text = _text(str(raw)) if isinstance(raw, str) else _number_text(raw) if isinstance(raw, (int, float)) \
        and not isinstance(raw, bool) else str(raw)
    bad = unwritable(text)
    if bad:
        raise BadCell(f"ô {bad[1]}")
    if kind in ("enum", "yesno"):
        table = ENUMS["yesno" if kind == "yesno" else column.choices]
        folded = {label.casefold(): code for label, code in table.items()}
        folded.update({str(code).casefold(): code for code in table.values() if isinstance(code, str)})
        if isinstance(raw, bool) and kind == "yesno":
            return raw
        if text.casefold() in folded:
            return folded[text.casefold()]
        raise BadCell(f"«{text}» không có trong danh sách; chọn một trong {', '.join(f'«{t}»' for t in table)}")
    if kind == "list":
        return _split(text)
    if kind == "fixes":
        fixes = []
        for part in [p.strip() for p in text.split(";") if p.strip()]:
            pieces = _ARROWS.split(part)
            if len(pieces) != 2 or not all(pieces):
                raise BadCell(f"«{part}» không có dạng «sai → đúng»")
            fixes.append({"from": pieces[0], "to": pieces[1]})
        return fixes
    if kind == "map":
        mapping = {}
        for part in [p.strip() for p in text.split(";") if p.strip()]:
            key, colon, value = part.partition(":")
            if not colon or not key.strip():
                raise BadCell(f"«{part}» không có dạng «mã: số»")
            mapping[key.strip()] = _as_number(value, "số")
        return mapping
    return text
