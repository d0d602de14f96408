"""The bases of a plan's kinds of input cell: one class per behaviour, in the table ``BASES``.

A kind is a row of ``catalogue.yaml: kinds`` (``model.Kind``): its ``base`` names one of the
classes below, its other fields are data (Vietnamese texts, bounds, choices). The base says
which fields a kind row may and must have, derives the cell's data validation and default
number format from them, lists the aggregations that make sense for it, tells the harvest
how to check a value (``check`` for numbers, ``read_text`` for text and choices) and draws
a sample value. Nothing outside this module branches on a kind's id or base name: callers
ask the base (``kind.behaviour``) or read the kind's data.

Problems are returned as ``(code, fields)`` pairs of the harvest's issue catalogue
(``harvest/issues.py``); ``harvest/cellvalues.py`` runs the steps every number shares
(text in Vietnamese style, dates, negatives, the percent rule ``percent_meant``).
"""
from __future__ import annotations

import random
from typing import TYPE_CHECKING, ClassVar

from .authoring.names import Names

if TYPE_CHECKING:   # model imports this module; the type only is needed here
    from .model import Kind

Found = tuple[str, dict]   # (issue code, message fields)
Problem = tuple[str | None, str]   # (the kind field at fault, Vietnamese message) of a kind row
# Texts every kind row has, whatever its base; a kind row may give its own number format
# (else the base's), the aggregation its rows use by default (else the base's) and a step
# of "Cách điền" shown on the forms that use it.
TEXT_FIELDS = ("label", "description", "input_title", "input_message", "error_title", "error_message")
COMMON_FIELDS = ("base", *TEXT_FIELDS, "number_format", "aggregate", "instruction")
# Excel's own limits on a data validation's texts (XlsxWriter refuses longer ones).
TEXT_LIMITS = {"input_title": 32, "error_title": 32, "input_message": 255, "error_message": 255}
LIST_LIMIT = 255   # characters of an inline drop-down list, separators included (Excel)


def text_problem(name: str, text, shown: str) -> str | None:
    """What is wrong with the text of field ``name`` (``shown``: as the user names it), of a
    kind or a preparer field: not a text, or longer than Excel takes (``TEXT_LIMITS``)."""
    if not isinstance(text, str) or not text.strip():
        return f"«{shown}» phải là chữ"
    if name in TEXT_LIMITS and len(text) > TEXT_LIMITS[name]:
        return f"«{shown}» dài {len(text)} ký tự, tối đa {TEXT_LIMITS[name]}: giới hạn của Excel"
    return None


def _number(value) -> str:
    """A number of a kind row as a message shows it: 5000000000, 2.5 (never 5000000000.0)."""
    return str(int(value)) if isinstance(value, (int, float)) and float(value).is_integer() else str(value)


def _thousands(number: float) -> str:
    """A bound as Vietnamese readers write it: 1.000.000.000."""
    return f"{number:,.0f}".replace(",", ".")


class Base:
    """Behaviour shared by every kind of one base. Subclasses set the class attributes and
    override what differs."""

    name = ""
    title = ""   # the base as the authoring workbook's drop-down names it (Vietnamese)
    about = ""   # what the base holds and how it is consolidated, as the authoring guide explains it (Vietnamese)
    fields: tuple[str, ...] = ()       # kind fields of this base besides COMMON_FIELDS
    required: tuple[str, ...] = ()     # … of which a kind row must give these
    aggregates: tuple[str, ...] = ()   # allowed aggregations, the default first
    numeric = False      # values are numbers (read through the number steps of the harvest)
    measure = False      # numbers that compare across years and units (plausibility, evidence)
    whole = False        # numbers are integers
    defaults: ClassVar[dict] = {}  # values of fields a kind row may leave out
    percent_sign = False  # a typed "85%" is read as 85
    align = "right"      # of the input cells

    @property
    def default_aggregate(self) -> str:
        """How rows of this base aggregate unless the kind or the row says otherwise."""
        return self.aggregates[0]

    def problems(self, kind: Kind, n: Names) -> list[Problem]:
        """What is wrong with a kind row of this base: (field, Vietnamese message) pairs,
        the field the message is about (its cell in the authoring workbook), each field
        named by ``n`` as the user wrote the plan; empty: nothing."""
        return []

    def number_format(self, kind: Kind) -> str:
        """The input cells' number format when the kind gives none."""
        return "@"

    def validation(self, kind: Kind) -> dict:
        """The cells' data validation in XlsxWriter's terms (without the texts)."""
        raise NotImplementedError

    def summary_format(self, kind: Kind) -> str:
        """How the summary workbook shows the kind's numbers (city and per-unit values)."""
        return "#,##0"

    def check(self, kind: Kind, value: float, shown: str, quoted: str) -> Found | None:
        """A number's problem against the kind (None: usable). ``shown``: the number as a
        message writes it; ``quoted``: what the cell held, for a number too large to show."""
        return None

    def convert(self, value: float):
        """A checked number as the value kept (int for whole bases)."""
        return int(value) if self.whole else float(value)

    def read_text(self, kind: Kind, raw, text: str | None, shown: str) -> tuple[object, list[Found]]:
        """(value or None, problems) of a non-numeric base's cell: ``text`` is the cell's
        text trimmed and in NFC (None when the cell holds no text), ``shown`` the value as
        a message quotes it."""
        raise NotImplementedError

    def sample(self, kind: Kind, rnd: random.Random, span: tuple[float, float] | None, short: bool):
        """A plausible value, as an office would type it (``span``: the row's usual range,
        if known; ``short``: a period of a few months only)."""
        raise NotImplementedError


class _Number(Base):
    """Numbers from ``min`` up to the hard bound ``max`` (larger ones are refused: no total
    can overflow); above ``plausible_max`` a value is accepted but questioned."""

    fields = ("min", "max", "plausible_max")
    required = ("max",)
    numeric = measure = True

    def problems(self, kind: Kind, n: Names) -> list[Problem]:
        found = []
        if kind.min < 0:
            found.append(("min", f"«{n.field('min')}» là {_number(kind.min)}, phải từ 0 trở lên: "
                                 "số âm không được nhận"))
        if kind.max is not None and kind.max <= kind.min:
            found.append(("max", f"«{n.field('max')}» là {_number(kind.max)}, phải lớn hơn «{n.field('min')}» "
                                 f"là {_number(kind.min)}"))
        if kind.plausible_max is not None and (kind.max is None or kind.plausible_max > kind.max):
            found.append(("plausible_max", f"«{n.field('plausible_max')}» là {_number(kind.plausible_max)}, "
                                           f"không được lớn hơn «{n.field('max')}»"))
        return found

    def validation(self, kind: Kind) -> dict:
        # ``max`` is a guard against absurd numbers (an extra digit, 1e308), not a rule an
        # office must know: the cell refuses what is below ``min``, the harvest the rest.
        return {"validate": self.validate, "criteria": ">=", "value": kind.min}

    def check(self, kind: Kind, value: float, shown: str, quoted: str) -> Found | None:
        if kind.max is not None and not value <= kind.max:
            return "V-MAGNITUDE", {"raw": quoted, "max": _thousands(kind.max), "accepts": kind.description}
        if value < kind.min:
            return "V-BELOW-MIN", {"value": shown, "min": _thousands(kind.min), "accepts": kind.description}
        return None


class Integer(_Number):
    """Counts: whole numbers, summed by default."""

    name, validate = "integer", "integer"
    title = "Số nguyên"
    about = "số đếm, chỉ nhận số nguyên; mặc định số liệu thành phố là tổng các đơn vị"
    whole = True
    aggregates = ("sum", "mean", "responsible")

    def number_format(self, kind: Kind) -> str:
        return "#,##0"

    def check(self, kind: Kind, value: float, shown: str, quoted: str) -> Found | None:
        found = super().check(kind, value, shown, quoted)
        if found is None and not float(value).is_integer():
            return "V-NOT-INTEGER", {"value": shown, "accepts": kind.description}
        return found

    def sample(self, kind: Kind, rnd: random.Random, span, short: bool):
        lo, hi = span or (0, 12)
        v = rnd.randint(int(lo), int(hi))
        return max(lo if lo == hi else 0, v // 4) if short else v


class Decimal(_Number):
    """Amounts with a unit (triệu đồng, ha…): shown with ``decimals`` places, summed. The
    number of places is how the cell shows the amount, not a limit on what is typed."""

    name, validate = "decimal", "decimal"
    title = "Số thập phân (số tiền, diện tích…)"
    about = ("số tiền, diện tích… theo đơn vị tính, hiện với số chữ số thập phân đã khai báo (mặc định 2); "
             "mặc định cộng các đơn vị")
    fields = (*_Number.fields, "decimals")
    defaults: ClassVar[dict] = {"decimals": 2}
    aggregates = ("sum", "mean", "weighted_mean", "responsible")

    def problems(self, kind: Kind, n: Names) -> list[Problem]:
        found = super().problems(kind, n)
        if isinstance(kind.decimals, bool) or not isinstance(kind.decimals, int) or not 0 <= kind.decimals <= 6:
            found.append(("decimals", f"«{n.field('decimals')}» là «{kind.decimals}», phải là số nguyên từ 0 đến 6"))
        return found

    def number_format(self, kind: Kind) -> str:
        return "#,##0" + ("." + "0" * kind.decimals if kind.decimals else "")

    def summary_format(self, kind: Kind) -> str:
        return self.number_format(kind)

    def sample(self, kind: Kind, rnd: random.Random, span, short: bool):
        lo, hi = span or (0, min(kind.plausible_max or kind.max, 1000))
        return round(rnd.uniform(lo, hi) / (4 if short else 1), kind.decimals)


class Percent(_Number):
    """Percentages stored as 0–100 (85 means 85 %, never 0.85). The default format shows a
    quoted "%": 85 shows as "85.00%" and is stored as 85; a percent format would show 85
    as 8500 % and make a typed 85 % a stored 0.85. What may still arrive (0.85, "85%", a
    percent format a client added) is decided by ``harvest.cellvalues.percent_meant``."""

    name = "percent"
    title = "Tỷ lệ % (0–100)"
    about = "tỷ lệ từ 0 đến 100 (ghi 85 nghĩa là 85%); mặc định lấy trung bình các đơn vị"
    required = ()
    defaults: ClassVar[dict] = {"max": 100}
    percent_sign = True
    aggregates = ("mean", "weighted_mean", "responsible")

    def problems(self, kind: Kind, n: Names) -> list[Problem]:
        found = super().problems(kind, n)
        if kind.max is not None and kind.max > 100:
            found.append(("max", f"«{n.field('max')}» của một tỷ lệ là {_number(kind.max)}, phải từ 100 trở xuống"))
        return found

    def number_format(self, kind: Kind) -> str:
        return '0.00"%"'

    def summary_format(self, kind: Kind) -> str:
        return "0.0"   # a mean of rates: one decimal, as the consolidator reads it

    def validation(self, kind: Kind) -> dict:
        return {"validate": "decimal", "criteria": "between", "minimum": kind.min, "maximum": kind.max}

    def check(self, kind: Kind, value: float, shown: str, quoted: str) -> Found | None:
        if not value <= kind.max:
            return "V-PERCENT-RANGE", {"value": shown}
        return super().check(kind, value, shown, quoted)

    def convert(self, value: float):
        return float(value)

    def sample(self, kind: Kind, rnd: random.Random, span, short: bool):
        lo, hi = span or (60, 100)
        return round(rnd.uniform(lo, hi), 1)


class Flag(Base):
    """Yes/no as 1/0; the city value counts the units with 1."""

    name = "flag"
    title = "Có/Không (1/0)"
    about = "ghi 1 là có, 0 là không; số liệu thành phố là số đơn vị ghi 1"
    fields = ("max",)
    defaults: ClassVar[dict] = {"max": 1}
    numeric = whole = True
    aggregates = ("count_true", "sum", "responsible")

    def problems(self, kind: Kind, n: Names) -> list[Problem]:
        if kind.min == 0 and kind.max == 1:
            return []
        return [("max" if kind.max != 1 else "min", f"kiểu «{n.value('base', self.name)}» chỉ nhận 0 và 1: "
                 f"«{n.field('min')}» phải là 0, «{n.field('max')}» phải là 1")]

    def number_format(self, kind: Kind) -> str:
        return "0"

    def validation(self, kind: Kind) -> dict:
        return {"validate": "integer", "criteria": "between", "minimum": 0, "maximum": 1}

    def check(self, kind: Kind, value: float, shown: str, quoted: str) -> Found | None:
        return None if value in (0, 1) else ("V-FLAG", {"value": shown})

    def sample(self, kind: Kind, rnd: random.Random, span, short: bool):
        return int(rnd.random() < 0.7)


class Choice(Base):
    """One of the kind's ``choices``, picked from a drop-down list. Harvested in the case
    and spacing of the list (another case is read, with a warning)."""

    name = "choice"
    title = "Chọn trong danh sách"
    about = ("một trong các lựa chọn kế hoạch ghi (chọn ở danh sách thả xuống); thành phố đếm số đơn vị "
             "theo từng lựa chọn")
    fields = ("choices",)
    required = ("choices",)
    aggregates = ("tally", "responsible")
    align = "center"

    def problems(self, kind: Kind, n: Names) -> list[Problem]:
        choices, name = kind.choices, n.field("choices")
        if len(choices) < 2 or not all(isinstance(c, str) and c.strip() for c in choices):
            return [("choices", f"«{name}» phải có ít nhất hai lựa chọn, mỗi lựa chọn là chữ")]
        found = []
        if len({c.casefold() for c in choices}) != len(choices):
            found.append(("choices", f"«{name}» có lựa chọn bị trùng"))
        if any("," in c or '"' in c for c in choices):
            found.append(("choices", f"mỗi lựa chọn của «{name}» không được chứa dấu phẩy hay dấu ngoặc kép"))
        if len(",".join(choices)) > LIST_LIMIT:
            found.append(("choices", f"«{name}» dài quá {LIST_LIMIT} ký tự, giới hạn danh sách thả xuống của Excel"))
        return found

    def validation(self, kind: Kind) -> dict:
        # An inline list: Excel limits it to 255 characters (checked when loaded), counted
        # in characters, so Vietnamese letters are safe (XlsxWriter #562).
        return {"validate": "list", "source": kind.choices}

    def accepts(self, kind: Kind) -> str:
        """The choices as a message lists them: «Tốt», «Khá» hoặc «Yếu»."""
        quoted = [f"«{c}»" for c in kind.choices]
        return ", ".join(quoted[:-1]) + " hoặc " + quoted[-1]

    def read_text(self, kind: Kind, raw, text: str | None, shown: str) -> tuple[object, list[Found]]:
        for choice in kind.choices if text is not None else ():
            if text == choice:
                return choice, []
            if " ".join(text.split()).casefold() == choice.casefold():
                return choice, [("V-RATING-CASE", {"raw": raw, "value": choice})]
        return None, [("V-RATING", {"raw": shown, "accepts": self.accepts(kind)})]

    def sample(self, kind: Kind, rnd: random.Random, span, short: bool):
        # Mostly the first choice; one draw whatever the number of choices.
        r = rnd.random()
        if r < 0.8:
            return kind.choices[0]
        return kind.choices[1 + int((r - 0.8) / 0.2 * (len(kind.choices) - 1))]


class Text(Base):
    """Free text up to ``max_length`` characters: kept per unit, never added up."""

    name = "text"
    title = "Chữ (ghi chú, văn bản ngắn)"
    about = "chữ, không dài quá số ký tự đã khai báo; giữ theo từng đơn vị, không cộng"
    fields = ("max_length",)
    required = ("max_length",)
    aggregates = ("none", "responsible")
    align = "left"
    SAMPLES = ("Đã thực hiện theo kế hoạch", "Đang triển khai", "Hoàn thành trước thời hạn",
               "Chưa phát sinh")

    def problems(self, kind: Kind, n: Names) -> list[Problem]:
        if not isinstance(kind.max_length, int) or isinstance(kind.max_length, bool) \
                or not 1 <= kind.max_length <= 32767:
            return [("max_length", f"«{n.field('max_length')}» là «{kind.max_length}», phải là số nguyên từ 1 "
                                   "đến 32767, giới hạn một ô Excel")]
        return []

    def validation(self, kind: Kind) -> dict:
        return {"validate": "length", "criteria": "<=", "value": kind.max_length}

    def read_text(self, kind: Kind, raw, text: str | None, shown: str) -> tuple[object, list[Found]]:
        value = raw if isinstance(raw, str) else shown
        if len(value) > kind.max_length:
            # As a note too long: the start is kept, the unit is asked to shorten it.
            return value[:kind.max_length], [("V-TEXT-LONG", {"what": "Ô nhập liệu", "length": len(value),
                                                              "limit": kind.max_length})]
        return value, []

    def sample(self, kind: Kind, rnd: random.Random, span, short: bool):
        return rnd.choice(self.SAMPLES)[:kind.max_length]


BASES: dict[str, Base] = {b.name: b for b in (Integer(), Decimal(), Percent(), Flag(), Choice(), Text())}


def kind_problems(kind: Kind, given: set[str], n: Names | None = None) -> list[Problem]:
    """Everything wrong with a kind row, ``given`` the keys the row has: (field or None,
    Vietnamese message) pairs, one per field at fault, so a loader can name the cell of
    each; ``n`` names the fields and codes as the user wrote the plan (default: YAML keys)."""
    n = n or Names()
    base = BASES.get(kind.base)
    if base is None:
        what = f"«{n.field('base')}» «{n.value('base', kind.base)}» không có" if kind.base else \
            f"thiếu «{n.field('base')}»"
        return [("base", f"{what}; chọn một trong {n.values('base')}")]
    shown = n.value("base", base.name)
    allowed = set(COMMON_FIELDS) | set(base.fields)
    found: list[Problem] = [(k, f"«{n.field(k)}» không dùng cho kiểu «{shown}»; để trống")
                            for k in sorted(given - allowed, key=str)]
    missing = [f for f in (*TEXT_FIELDS, *base.required) if f not in given]
    found += [(f, f"thiếu «{n.field(f)}»" + (f", bắt buộc với kiểu «{shown}»" if f in base.required else ""))
              for f in missing]
    if missing:
        return found
    for name in TEXT_FIELDS:
        problem = text_problem(name, getattr(kind, name), n.field(name))
        if problem:
            found.append((name, problem))
    for name in ("min", "max", "plausible_max"):
        value = getattr(kind, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            found.append((name, f"«{n.field(name)}» là «{value}», phải là số"))
        elif name != "min" and value is not None and value <= 0:
            found.append((name, f"«{n.field(name)}» là {_number(value)}, phải là số dương"))
    if found:
        return found
    if kind.aggregate is not None and kind.aggregate not in base.aggregates:
        found.append(("aggregate", f"«{n.field('aggregate')}» «{n.value('aggregate', kind.aggregate)}» không dùng "
                                   f"được cho kiểu «{shown}»; dùng một trong {n.values('aggregate', base.aggregates)}"))
    return found + base.problems(kind, n)
