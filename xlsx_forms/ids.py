"""The one shape of an id a plan declares (form, row, rule, kind, period, unit kind…).

Ids travel: into issue codes (a rule's id is the code of its issues), into CSV cells
(city.csv lists ``unit:CODE;unit:CODE``), into file names and formulas. So an id is
plain: ASCII letters, digits and ``. _ -``, starting with a letter or a digit, short.
A rule's id is also kept apart from the harvester's own issue codes, which are all a
letter and a hyphen (``F-HMAC``, ``V-NEGATIVE``, …): a rule id may not start that way.
Unit codes are stricter (lower case, no dot: they name the units' files).
"""
from __future__ import annotations

import re

ID_MAX, RULE_MAX = 40, 20
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
RULE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
UNIT_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# The harvester's issue codes are a letter, a hyphen, then words (harvest.issues.Code).
RESERVED_RE = re.compile(r"^[A-Za-z]-")

_PLAIN = "chữ cái không dấu, chữ số"


def id_problem(value, what: str) -> str | None:
    """Why ``value`` cannot be the id of a ``what`` (e.g. "mã dòng"); None when it can."""
    text = str(value)
    if len(text) > ID_MAX or not ID_RE.match(text):
        return (f"{what} «{text}» không hợp lệ: mã chỉ gồm {_PLAIN}, dấu chấm, gạch ngang, gạch dưới "
                f"(không dấu cách, dấu phẩy, dấu hai chấm…), bắt đầu bằng chữ hoặc số, tối đa {ID_MAX} ký tự")
    return None


def rule_id_problem(value, what: str = "mã quy tắc") -> str | None:
    """Why ``value`` cannot be a rule's id (it becomes the code of its issues)."""
    text = str(value)
    if len(text) > RULE_MAX or not RULE_RE.match(text):
        return (f"{what} «{text}» không hợp lệ: mã chỉ gồm {_PLAIN}, gạch ngang, gạch dưới (không dấu cách, "
                f"dấu chấm, dấu chấm phẩy, dấu hai chấm, dấu nháy…), tối đa {RULE_MAX} ký tự, ví dụ PL2-R01")
    if RESERVED_RE.match(text):
        return (f"{what} «{text}» không hợp lệ: mã bắt đầu bằng một chữ cái và dấu gạch ngang (như F-…, V-…) "
                "dành cho mã lỗi của cchc; đặt mã khác, ví dụ PL2-R01")
    return None
