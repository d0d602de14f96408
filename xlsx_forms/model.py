"""The form catalogue as typed, immutable objects.

Built by spec_loader from the YAML specs; read by the layout, the generator and the
harvester. Nothing here knows about cells: positions live in layout.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from .kinds import BASES, Base

if TYPE_CHECKING:   # outline imports this module; the type only is needed here
    from .outline import Outline

# How a row's values combine into the city-level value (harvest.consolidate), with what
# the summary says of it. Which ones a kind allows, and its default, are its base's.
AGGREGATES = {
    "sum": "Tổng các đơn vị",
    "count_true": "Số đơn vị có (=1)",
    "mean": "Trung bình",
    "weighted_mean": "Trung bình có trọng số (theo số mẫu)",
    "responsible": "Đơn vị chịu trách nhiệm",
    "tally": "Số đơn vị theo từng lựa chọn",
    "none": "Không tổng hợp (xem từng đơn vị)",
}
SEVERITIES = ("error", "warning")


def dmy(d: date) -> str:
    """A date as every text of cchc writes it: 23/3/2020."""
    return f"{d.day}/{d.month}/{d.year}"


# A date as people write it: day/month/year (spaces allowed around the slashes).
_DMY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})\s*$")


def date_from_text(text: str) -> date | None:
    """The date ``text`` writes, ``23/3/2020`` or ISO ``2020-03-23`` (spaces around it
    ignored); None when it writes none (31/2/2020, "soon")."""
    found = _DMY.match(text)
    try:
        if found:
            day, month, year = map(int, found.groups())
            return date(year, month, day)
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


# The dates a workbook holds (the 1900 date system, after its phantom 29/2/1900): every date
# of a plan is written into workbooks (the templates, the planning workbook) and read back.
WORKBOOK_DATES = (date(1900, 3, 1), date(9999, 12, 31))


def date_problem(d: date) -> str | None:
    """Why ``d`` cannot be a plan's date (outside ``WORKBOOK_DATES``), else None."""
    low, high = WORKBOOK_DATES
    return None if low <= d <= high else f"ngày {dmy(d)} nằm ngoài khoảng sổ tính ghi được ({dmy(low)}–{dmy(high)})"


def hm_dmy(t: datetime) -> str:
    """A time as every text of cchc writes it, in ``t``'s own zone: 08:05 23/3/2020."""
    # From the fields, not strftime: a zone that cannot answer dst() must not break a message.
    return f"{t.hour:02d}:{t.minute:02d} {dmy(t)}"

@dataclass(frozen=True)
class Kind:
    """A kind of input cell of the plan (a row of ``catalogue.yaml: kinds``): its base
    (the behaviour, ``xlsx_forms.kinds``) and its data, Vietnamese texts included."""

    id: str
    base: str
    label: str            # the kind's name in the instructions and the authoring workbook
    description: str
    input_title: str
    input_message: str
    error_title: str
    error_message: str
    number_format: str = ""         # "" until loaded: then the row's, else the base's
    min: float = 0                  # number kinds: the smallest value accepted
    max: float | None = None        # number kinds: the largest value accepted at all
    plausible_max: float | None = None   # above this, accepted but the unit is asked to confirm
    decimals: int = 0               # decimal kinds: places shown
    choices: tuple[str, ...] = ()   # choice kinds: the drop-down list
    max_length: int | None = None   # text kinds: the longest text accepted (notes)
    aggregate: str | None = None    # rows' default aggregation (else the base's)
    instruction: str = ""           # a step of "Cách điền" on forms with this kind
    # The data validation, as (key, value) pairs in XlsxWriter's terms (immutable, so a
    # Kind stays hashable), derived by the base when loaded.
    validation: tuple[tuple[str, object], ...] = ()

    @property
    def behaviour(self) -> Base:
        """The base's behaviour (``xlsx_forms.kinds.BASES``)."""
        return BASES[self.base]

    @property
    def default_aggregate(self) -> str:
        """How rows of this kind aggregate unless a row says otherwise."""
        return self.aggregate or self.behaviour.default_aggregate


@dataclass(frozen=True)
class Period:
    """One period column (or, in a transposed table, one period row)."""

    id: str
    label: str
    partial: bool = False   # a part of a year only (2020 to 23/3): its counts are not a year's


@dataclass(frozen=True)
class Fix:
    """A typo corrected from the seed: ``wrong`` as printed, ``right`` as shown."""

    wrong: str
    right: str


@dataclass(frozen=True)
class Row:
    """One indicator of an appendix. A row without a kind is a section header."""

    id: str
    stt: str
    label: str
    kind: str | None = None
    unit: str = ""
    required: bool = True
    aggregate: str | None = None
    weight: str | None = None
    responsible: str | None = None
    fixes: tuple[Fix, ...] = ()
    plausible_max: float | None = None   # this row's own plausibility bound (else its kind's)

    @property
    def is_input(self) -> bool:
        """True for rows that take values; False for section headers."""
        return self.kind is not None


@dataclass(frozen=True)
class Table:
    """A block of rows. ``layout`` is 'rows' (indicators down, periods across) or
    'transposed' (periods down, indicators across, as in PL4)."""

    id: str
    rows: tuple[Row, ...]
    title: str = ""
    layout: str = "rows"
    place_header: str = ""
    period_header: str = ""


@dataclass(frozen=True)
class Rule:
    """A consistency rule between rows, checked per period.

    ``type`` names its meaning (``xlsx_forms.rules.RULE_TYPES``: sum, le, ge, requires);
    ``operands`` are the rows it names, as (field, row ids) in the order of the type's
    fields. ``short`` is the live-check text in the workbook; ``message`` the full
    statement used in the harvest report.
    """

    code: str
    type: str
    severity: str
    short: str
    message: str
    operands: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def rows_of(self, name: str) -> tuple[str, ...]:
        """The row ids of operand ``name`` (KeyError if the rule has none such)."""
        for field_name, ids in self.operands:
            if field_name == name:
                return ids
        raise KeyError(name)

    def operand(self, name: str) -> str:
        """The one row id of a one-row operand (``total``, ``left``…)."""
        (row_id,) = self.rows_of(name)
        return row_id

    @cached_property
    def row_ids(self) -> tuple[str, ...]:
        """Every row the rule reads, anchor first (operands in their type's order)."""
        return tuple(r for _, ids in self.operands for r in ids)

    @property
    def anchor(self) -> str:
        """The row next to which the live check is shown."""
        return self.row_ids[0]


COMPARISONS = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤"}
EVIDENCE_DECIDES = ("against", "both")


@dataclass(frozen=True)
class Evidence:
    """A PL8 target checked against a consolidated figure of another appendix.

    The target is met, as far as the figure tells, when ``form``'s ``row`` in the latest of
    ``periods`` the city has a value for compares (``compare``) with ``threshold``.
    ``decides``: 'against' when the figure measures only part of the target (a failed
    figure contradicts Đạt; a met one proves nothing), 'both' when it measures all of it
    (a met figure also contradicts Không đạt).
    """

    target: str
    form: str
    row: str
    periods: tuple[str, ...]
    compare: str
    threshold: float
    decides: str
    requirement: str   # the target's words the figure measures, as the message quotes them

    def met(self, value: float) -> bool:
        """Whether ``value`` meets the target's figure."""
        t = self.threshold
        return {"gt": value > t, "ge": value >= t, "lt": value < t, "le": value <= t}[self.compare]


def numbered(stt: str) -> str:
    """A row's number without its dot ("6." → "6"); "" for "-", "+" and none (a sub-row's
    mark is not a number)."""
    stt = stt.strip().rstrip(".")
    return stt if stt and stt not in ("-", "+") else ""


@dataclass(frozen=True, eq=False)
class Form:
    """One appendix (Phụ lục) of the plan. Compared by identity: forms are the
    catalogue's singletons, and layouts are cached per form."""

    id: str
    number: int
    version: int
    title: str
    periods: tuple[Period, ...]
    tables: tuple[Table, ...]
    rules: tuple[Rule, ...] = ()
    subtitle: str = ""
    footnote: str = ""
    label_header: str = "Chỉ tiêu"
    stt_header: str = "STT"
    columns: tuple[str, ...] = ("stt", "label", "unit", "periods", "note")
    responsible_header: str = ""
    responsible_units: dict[str, str] = field(default_factory=dict)
    fixes: tuple[tuple[str, Fix], ...] = ()  # (where, fix) for title, footnote, headers
    evidence: tuple[Evidence, ...] = ()   # PL8: targets with figures in other appendices
    kinds: dict[str, Kind] = field(default_factory=dict)   # the plan's kinds, by id

    @cached_property
    def rows(self) -> tuple[Row, ...]:
        """All rows of all tables, in printed order."""
        return tuple(r for t in self.tables for r in t.rows)

    @cached_property
    def input_rows(self) -> tuple[Row, ...]:
        """Rows that take values."""
        return tuple(r for r in self.rows if r.is_input)

    @cached_property
    def _by_id(self) -> dict[str, Row]:
        return {r.id: r for r in self.rows}

    def row(self, row_id: str) -> Row:
        """The row with this id (KeyError if none)."""
        return self._by_id[row_id]

    def parent(self, row: Row) -> Row | None:
        """The row ``row`` is printed under: for a row without a number of its own ("-",
        "+" or none), the nearest numbered row above it in its table ("2. Số đơn vị …"
        above "- Số lượng …"); None for a numbered row, a row above every numbered one,
        or a row of a transposed table (its table's title heads it)."""
        if numbered(row.stt):
            return None
        for table in self.tables:
            if row in table.rows:
                if table.layout == "transposed":
                    return None
                above = table.rows[:table.rows.index(row)]
                return next((r for r in reversed(above) if numbered(r.stt)), None)
        return None

    def editable_rows(self, unit_code: str) -> tuple[Row, ...]:
        """Input rows the given unit fills in: all of them, except on forms whose rows
        name a responsible unit (PL8), where only that unit's rows."""
        return tuple(r for r in self.input_rows if r.responsible in (None, unit_code))

    def kind_of(self, row: Row) -> Kind:
        """The kind of an input row."""
        return self.kinds[row.kind]

    def aggregate_of(self, row: Row) -> str:
        """How the row aggregates to city level (declared, or its kind's default)."""
        return row.aggregate or self.kinds[row.kind].default_aggregate

    def all_fixes(self) -> list[tuple[str, Fix]]:
        """Every typo fix of this form: (where, fix), where is a row id or a part name."""
        return list(self.fixes) + [(r.id, f) for r in self.rows for f in r.fixes]


@dataclass(frozen=True)
class Plan:
    """Facts of the plan shared by every appendix."""

    reference: str
    attachment_line: str
    default_deadline: date
    data_range: str
    code: str = ""   # the plan's number and symbol, as help texts name it: 372/KH-UBND
    short: str = ""  # the report's short name: e-mail subjects «[CCHC 2011-2020] …», the summary's title
    summary_title: str = ""   # the first line of the summary workbook (else from ``short``)

    @property
    def summary_heading(self) -> str:
        """The summary workbook's title line."""
        return self.summary_title or f"TỔNG HỢP BÁO CÁO {self.short or self.code}".strip().upper()


@dataclass(frozen=True)
class PreparerField:
    """An input of the signature block (name, phone, e-mail of the preparer)."""

    id: str
    label: str
    input_title: str
    input_message: str
    max_length: int


@dataclass(frozen=True)
class UnitGroup:
    """Unit kinds (``catalogue.yaml: unit_kinds``) compared with one another (wards with communes)."""

    id: str
    name: str          # Vietnamese, plural, as messages name the group
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Plausibility:
    """Thresholds of the harvest's plausibility warnings (catalogue.yaml ``plausibility``).

    A kind missing from a ``*_floor`` map is not checked by that check (flags, ratings).
    """

    year_rise: float              # P-YEAR-JUMP: a year this many times above …
    year_drop: float              # … or below the median of the unit's other years …
    year_floor: dict[str, float]  # … and this far from it …
    year_score: float             # … and this many robust deviations of those years from it
    year_min_years: int           # other whole years needed for a median
    rates: tuple[str, ...]        # kinds that are rates: a partial year is compared both ways
    unit_score: float             # P-UNIT-OUTLIER: robust deviations from the group's median …
    unit_floor: dict[str, float]  # … and this far from it …
    unit_factor: dict[str, float]  # … and (kinds listed) this many times above or below it
    unit_min: int                 # units of the group that reported the cell, at least
    groups: tuple[UnitGroup, ...]


@dataclass(frozen=True)
class Catalogue:
    """Every form, kind and shared definition: the single source of truth."""

    plan: Plan
    kinds: dict[str, Kind]
    forms: dict[str, Form]
    preparer_fields: tuple[PreparerField, ...]
    plausibility: Plausibility | None = None
    unit_kinds: dict[str, str] = field(default_factory=dict)   # registry kind → Vietnamese name
    # The Đề cương of the units' narrative report (xlsx_forms.outline); None: none asked for.
    outline: Outline | None = None

    def form(self, form_id: str) -> Form:
        """The form with this id (KeyError if none)."""
        return self.forms[form_id]
