"""The form catalogue as typed, immutable objects.

Built by spec_loader from the YAML specs; read by the layout, the generator and the
harvester. Nothing here knows about cells: positions live in layout.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

# How a row's values combine into the city-level value (see harvest.consolidate).
AGGREGATES = ("sum", "count_true", "mean", "weighted_mean", "responsible")
DEFAULT_AGGREGATE = {"count": "sum", "flag": "count_true", "percent": "mean", "rating": "responsible"}
INPUT_KINDS = tuple(DEFAULT_AGGREGATE)
SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Kind:
    """What one kind of input cell accepts, and the Vietnamese texts that explain it."""

    id: str
    description: str
    input_title: str
    input_message: str
    error_title: str
    error_message: str
    number_format: str
    choices: tuple[str, ...] = ()
    max_length: int | None = None   # text kinds: the longest text accepted (notes)
    max: float | None = None        # number kinds: the largest plausible value
    # The data validation, as (key, value) pairs in XlsxWriter's terms (immutable, so a
    # Kind stays hashable): ("validate", "decimal"), ("criteria", "between") …
    validation: tuple[tuple[str, object], ...] = ()
    instruction: str = ""           # a step of "Cách điền" on forms with this kind


@dataclass(frozen=True)
class Period:
    """One period column (or, in a transposed table, one period row)."""

    id: str
    label: str


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

    Types: ``sum`` (total = sum of parts), ``le`` (left ≤ right), ``requires``
    (row > 0 needs needs > 0). ``short`` is the live-check text in the workbook;
    ``message`` the full statement used in the harvest report.
    """

    code: str
    type: str
    severity: str
    short: str
    message: str
    total: str | None = None
    parts: tuple[str, ...] = ()
    left: str | None = None
    right: str | None = None
    row: str | None = None
    needs: str | None = None

    @property
    def row_ids(self) -> tuple[str, ...]:
        """Every row the rule reads, anchor first."""
        if self.type == "sum":
            return (self.total, *self.parts)
        if self.type == "le":
            return (self.left, self.right)
        return (self.row, self.needs)

    @property
    def anchor(self) -> str:
        """The row next to which the live check is shown."""
        return self.row_ids[0]


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

    def editable_rows(self, unit_code: str) -> tuple[Row, ...]:
        """Input rows the given unit fills in: all of them, except on forms whose rows
        name a responsible unit (PL8), where only that unit's rows."""
        return tuple(r for r in self.input_rows if r.responsible in (None, unit_code))

    def aggregate_of(self, row: Row) -> str:
        """How the row aggregates to city level (declared, or the kind's default)."""
        return row.aggregate or DEFAULT_AGGREGATE[row.kind]

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


@dataclass(frozen=True)
class PreparerField:
    """An input of the signature block (name, phone, e-mail of the preparer)."""

    id: str
    label: str
    input_title: str
    input_message: str
    max_length: int


@dataclass(frozen=True)
class Catalogue:
    """Every form, kind and shared definition: the single source of truth."""

    plan: Plan
    kinds: dict[str, Kind]
    forms: dict[str, Form]
    preparer_fields: tuple[PreparerField, ...]

    def form(self, form_id: str) -> Form:
        """The form with this id (KeyError if none)."""
        return self.forms[form_id]
