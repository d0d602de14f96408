"""A small evaluator of the Excel subset the live checks use (xlsx_forms/rules.py), so the
tests can check what a condition *means* without LibreOffice: cell references, numbers,
strings, TRUE/FALSE, comparisons, ``&``, ``+ - * /``, and the functions OR, AND, COUNT,
SUM, N, IF, TRIM. Anything else raises ``Unsupported``: a rule type that starts using
more of Excel must extend this file, not silently pass.

Semantics follow Excel and LibreOffice where they agree:
- a blank cell is 0 next to a number, "" next to a text, in comparisons; ``N`` makes it 0;
- COUNT counts numbers only; SUM adds the numbers of its references, skipping blanks
  and texts; OR and AND skip blank references;
- a text is greater than any number; two texts compare without case;
- two numbers are equal when they are equal to about 15 significant digits (LibreOffice's
  ``rtl::math::approxEqual``, which its recalculation, our reference, uses).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Value = float | str | bool | None   # None: a blank cell


class Unsupported(ValueError):
    """A part of Excel this evaluator does not know."""


@dataclass(frozen=True)
class Ref:
    """A cell reference, kept as such until a function or operator reads it."""

    address: str


_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"]|"")*")|(?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'
                    r'|(?P<ref>\$?[A-Z]{1,3}\$?\d+\b)|(?P<name>[A-Z][A-Z0-9.]*)'
                    r'|(?P<op><=|>=|<>|[=<>&+\-*/(),]))')
_COMPARE = {"=", "<>", "<", "<=", ">", ">="}


def _tokens(formula: str) -> list[tuple[str, str]]:
    text, pos, out = formula.lstrip("="), 0, []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise Unsupported(f"cannot read {text[pos:]!r}")
        out.append((m.lastgroup, m.group(m.lastgroup)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def evaluate(formula: str, cells: Mapping[str, Value]) -> Value:
    """The value of ``formula`` ("=…" or a bare expression) given ``cells`` (address →
    value; a missing address is a blank cell)."""
    return _Parser(_tokens(formula), lambda a: cells.get(a.replace("$", ""))).run()


class _Parser:
    """Recursive descent in Excel's precedence: comparison < & < + - < * / < unary -."""

    def __init__(self, tokens: list[tuple[str, str]], cell: Callable[[str], Value]):
        self.tokens, self.pos, self.cell = tokens, 0, cell

    def run(self) -> Value:
        value = self._deref(self.compare())
        if self.pos != len(self.tokens):
            raise Unsupported(f"trailing {self.tokens[self.pos:]}")
        return value

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        tok = self.tokens[self.pos]
        if expected is not None and tok[1] != expected:
            raise Unsupported(f"expected {expected!r}, got {tok[1]!r}")
        self.pos += 1
        return tok

    def _deref(self, v):
        return self.cell(v.address) if isinstance(v, Ref) else v

    def compare(self):
        left = self.concat()
        while self.peek() in _COMPARE:
            op = self.take()[1]
            left = _compare(op, self._deref(left), self._deref(self.concat()))
        return left

    def concat(self):
        left = self.additive()
        while self.peek() == "&":
            self.take()
            left = _text(self._deref(left)) + _text(self._deref(self.additive()))
        return left

    def additive(self):
        left = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            a, b = _number(self._deref(left)), _number(self._deref(self.term()))
            left = a + b if op == "+" else a - b
        return left

    def term(self):
        left = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            a, b = _number(self._deref(left)), _number(self._deref(self.unary()))
            left = a * b if op == "*" else a / b
        return left

    def unary(self):
        if self.peek() == "-":
            self.take()
            return -_number(self._deref(self.unary()))
        return self.primary()

    def primary(self):
        kind, text = self.take()
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1].replace('""', '"')
        if kind == "ref":
            return Ref(text)
        if text == "(":
            value = self.compare()
            self.take(")")
            return value
        if kind == "name" and text in ("TRUE", "FALSE") and self.peek() != "(":
            return text == "TRUE"
        if kind == "name" and self.peek() == "(":
            return self.call(text)
        raise Unsupported(f"unexpected {text!r}")

    def call(self, name: str):
        self.take("(")
        args = []
        if self.peek() != ")":
            args.append(self.compare())
            while self.peek() == ",":
                self.take()
                args.append(self.compare())
        self.take(")")
        return self.function(name, args)

    def function(self, name: str, args: list):
        if name == "IF":   # both branches are parsed (and so evaluated); they have no effects
            cond, yes, no = args
            return yes if _truth(self._deref(cond)) else no
        if name in ("OR", "AND"):
            truths = [_truth(self._deref(a)) for a in args if not (isinstance(a, Ref) and self._blank_or_text(a))]
            if not truths:
                raise Unsupported(f"{name} without a value (#VALUE!)")
            return any(truths) if name == "OR" else all(truths)
        if name == "COUNT":
            return float(sum(1 for a in args if _is_number(self._deref(a))))
        if name == "SUM":
            total = 0.0
            for a in args:
                v = self._deref(a)
                if isinstance(a, Ref):
                    total += v if _is_number(v) else 0.0
                else:
                    total += _number(v)
            return total
        if name == "N":
            (a,) = args
            v = self._deref(a)
            return v if _is_number(v) else float(v) if isinstance(v, bool) else 0.0
        if name == "TRIM":
            (a,) = args
            return _trim(_text(self._deref(a)))
        raise Unsupported(f"function {name}")

    def _blank_or_text(self, ref: Ref) -> bool:
        v = self.cell(ref.address)
        return v is None or isinstance(v, str)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _number(v) -> float:
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    raise Unsupported(f"text {v!r} in arithmetic (#VALUE!)")


def _truth(v) -> bool:
    if isinstance(v, str):
        raise Unsupported(f"text {v!r} as a condition (#VALUE!)")
    return bool(_number(v))


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    return v


def _trim(s: str) -> str:
    """Excel's TRIM: no leading or trailing spaces, single spaces between words."""
    return " ".join(w for w in s.split(" ") if w)


def approx_equal(a: float, b: float) -> bool:
    """LibreOffice's rtl::math::approxEqual: equal to about 15 significant digits."""
    if a == b:
        return True
    if a == 0 or b == 0 or (a < 0) != (b < 0):
        return False
    return abs(a - b) < max(abs(a), abs(b)) * (2.0 ** -48)


def _compare(op: str, a: Value, b: Value) -> bool:
    # A blank takes the type of the other side (Excel's rule); text > number.
    if a is None:
        a = "" if isinstance(b, str) else False if isinstance(b, bool) else 0.0
    if b is None:
        b = "" if isinstance(a, str) else False if isinstance(a, bool) else 0.0
    rank = {bool: 2, str: 1}
    ra, rb = rank.get(type(a), 0), rank.get(type(b), 0)
    if ra != rb:
        order = (ra > rb) - (ra < rb)
    elif ra == 1:
        x, y = a.lower(), b.lower()
        order = (x > y) - (x < y)
    elif approx_equal(float(a), float(b)):
        order = 0
    else:
        order = (a > b) - (a < b)
    return {"=": order == 0, "<>": order != 0, "<": order < 0, "<=": order <= 0,
            ">": order > 0, ">=": order >= 0}[op]
