"""Where everything of a form sits on its sheet: the one place cell positions are decided.

``form_layout(form)`` is pure and unit-independent. The generator writes the workbook
from it; the harvester reads returned workbooks through it. Rows and columns are 0-based
(as in XlsxWriter); ``a1`` gives the Excel address.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

from sheetio.cells import a1

from .model import Form, Rule, Table

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
UNIT_HEADER = "Đơn vị tính"
NOTE_HEADER = "Ghi chú"
CHECK_HEADER = "Kiểm tra"
SIGN_DATE = "……, ngày …… tháng …… năm {year}"   # the year: the plan's deadline's (writer)
SIGN_HEAD = "THỦ TRƯỞNG ĐƠN VỊ"
SIGN_HEAD_HINT = "(Ký tên, đóng dấu)"
SIGN_PREPARER = "NGƯỜI LẬP BIỂU"
# The preparer's inputs under the signature block, in order: a plan's preparer_fields are
# these (their labels and prompts are the plan's; the loader refuses other ids).
PREPARER_IDS = ("name", "phone", "email")
SIGN_PREPARER_HINT = "(Ký, ghi rõ họ tên)"

# Roles whose text belongs to the locked form itself (not to the unit): they make up the
# layout fingerprint that the identity's HMAC protects.
FINGERPRINT_ROLES = frozenset({"appendix_no", "title", "subtitle", "table_title", "header",
                               "numbering", "stt", "label", "section", "unit", "period_label",
                               "responsible", "footnote"})
# The columns a plain table may have (a form's ``columns``, in the order the user lists
# them), and those every such table needs: the writer places a row's number, its label,
# its inputs (one column per period) and its note in them; the others are optional.
FORM_COLUMNS = ("stt", "label", "unit", "periods", "responsible", "note")
NEEDED_COLUMNS = ("stt", "label", "periods", "note")
WIDTHS = {"stt": 5, "label": 58, "unit": 12, "period": 11, "responsible": 22, "note": 22,
          "check": 30, "place": 16, "period_label": 26, "indicator": 15, "assessment": 18}


class _At:
    """Mixin for positions with 0-based ``row`` and ``col``."""

    row: int
    col: int

    @cached_property
    def a1(self) -> str:
        """Excel address."""
        return a1(self.row, self.col)


@dataclass(frozen=True)
class Text(_At):
    """Fixed text. ``role`` decides its style; ``last_col`` > col means merged across."""

    row: int
    col: int
    text: str
    role: str
    last_col: int | None = None


@dataclass(frozen=True)
class InputCell(_At):
    """Where the value of (row_id, period_id) is typed."""

    row_id: str
    period_id: str
    kind: str
    row: int
    col: int


@dataclass(frozen=True)
class NoteCell(_At):
    """Free-text note of an indicator row, or (transposed tables) of a period row."""

    key: str
    row: int
    col: int
    rows: tuple[str, ...]  # the indicator rows this note belongs to (for locking)


@dataclass(frozen=True)
class StatusCell:
    """A live check: ``checks`` pairs each rule with the periods it is tested on here."""

    row: int
    col: int
    checks: tuple[tuple[Rule, tuple[str, ...]], ...]


@dataclass(frozen=True)
class PreparerCell(_At):
    """An input of the signature block; merged from col to last_col."""

    field_id: str
    row: int
    col: int
    last_col: int


@dataclass(frozen=True, eq=False)
class SheetLayout:
    """Every position of one form's sheet."""

    sheet_name: str
    widths: tuple[int, ...]
    texts: tuple[Text, ...]
    inputs: tuple[InputCell, ...]
    notes: tuple[NoteCell, ...]
    statuses: tuple[StatusCell, ...]
    preparer: tuple[PreparerCell, ...]
    unit_name: Text
    place_cells: tuple[tuple[int, int], ...]
    header_rows: tuple[int, int]
    data_rows: tuple[tuple[int, int], ...]  # (first, last) sheet rows of each table's body
    freeze: tuple[int, int]
    last_row: int
    printed_cols: int = 0   # columns on paper: all but the live check (a working aid, not the form)

    @property
    def ncols(self) -> int:
        """Number of columns the form spans."""
        return len(self.widths)

    def __post_init__(self) -> None:
        index = {(c.row_id, c.period_id): c for c in self.inputs}
        object.__setattr__(self, "_by_key", index)
        if not self.printed_cols:
            object.__setattr__(self, "printed_cols", self.ncols)

    def input_at(self, row_id: str, period_id: str) -> InputCell:
        """The input cell of (row_id, period_id) (KeyError if none)."""
        return self._by_key[(row_id, period_id)]

    def empty_body_cells(self) -> list[tuple[int, int]]:
        """Cells inside table bodies that hold nothing (e.g. periods of section rows)."""
        used = {(c.row, c.col) for c in (*self.inputs, *self.notes, *self.statuses)}
        used |= {(t.row, t.col) for t in self.texts} | set(self.place_cells)
        return [(r, c) for first, last in self.data_rows for r in range(first, last + 1)
                for c in range(self.ncols) if (r, c) not in used]

    def fingerprint_texts(self) -> list[tuple[str, str]]:
        """(A1 address, text) of every locked form text, in sheet order."""
        return [(t.a1, t.text) for t in self.texts if t.role in FINGERPRINT_ROLES]


def sheet_name(form: Form) -> str:
    """The form's sheet name, e.g. 'Phụ lục 1'."""
    return f"Phụ lục {form.number}"


def _normal_columns(form: Form, with_check: bool) -> list[tuple[str, str | None]]:
    """(column key, period id) for a plain table."""
    cols: list[tuple[str, str | None]] = []
    for key in form.columns:
        if key == "periods":
            cols += [("period", p.id) for p in form.periods]
        else:
            cols.append((key, None))
    return cols + ([("check", None)] if with_check else [])


def _transposed_columns(table: Table, with_check: bool) -> list[tuple[str, str | None]]:
    cols = [("place", None), ("period_label", None)] + [("indicator", r.id) for r in table.rows]
    return cols + [("note", None)] + ([("check", None)] if with_check else [])


def _widths(form: Form, cols: list[tuple[str, str | None]]) -> tuple[int, ...]:
    wide = {"label": 75, "period": WIDTHS["assessment"]} if form.responsible_units else {}
    return tuple(wide.get(k, WIDTHS[k]) for k, _ in cols)


def _statuses(form: Form, table: Table, anchors_row: dict[str, int], check_col: int,
              transposed_rows: dict[str, int] | None) -> list[StatusCell]:
    ids = {r.id for r in table.rows}
    rules = [r for r in form.rules if r.anchor in ids]
    if transposed_rows is not None:
        return [StatusCell(row, check_col, tuple((r, (pid,)) for r in rules))
                for pid, row in transposed_rows.items() if rules]
    all_periods = tuple(p.id for p in form.periods)
    by_anchor: dict[str, list[Rule]] = {}
    for r in rules:
        by_anchor.setdefault(r.anchor, []).append(r)
    return [StatusCell(anchors_row[a], check_col, tuple((r, all_periods) for r in rs))
            for a, rs in by_anchor.items()]


@lru_cache(maxsize=32)
def form_layout(form: Form) -> SheetLayout:
    """Compute the layout of ``form``'s sheet (cached; forms are immutable)."""
    with_check = bool(form.rules)
    transposed = form.tables[0].layout == "transposed"
    cols = (_transposed_columns(form.tables[0], with_check) if transposed
            else _normal_columns(form, with_check))
    widths = _widths(form, cols)
    ncols = len(cols)
    # Texts above and below the table span the printed columns only: the live check is
    # outside the print area, so nothing of the form may rely on its width.
    printed = ncols - 1 if with_check else ncols
    last = printed - 1
    right = max(2, printed - 5)
    texts: list[Text] = [
        Text(0, 0, "", "issuer", 1), Text(0, right, NATION, "nation", last),
        Text(1, right, MOTTO, "motto", last),
        Text(3, 0, f"PHỤ LỤC {form.number}", "appendix_no", last),
        Text(4, 0, form.title, "title", last)]
    unit_name = Text(1, 0, "", "unit_name", 1)
    r = 5
    if form.subtitle:
        texts.append(Text(r, 0, form.subtitle, "subtitle", last))
        r += 1
    texts.append(Text(r, 0, "", "attachment", last))
    r += 2
    inputs, notes, statuses, places, bodies = [], [], [], [], []
    header_rows = None
    for table in form.tables:
        if table.title:
            texts.append(Text(r, 0, table.title, "table_title", last))
            r += 1
        tcols = _transposed_columns(table, with_check) if transposed else cols
        header_first = r
        for c, (key, ref) in enumerate(tcols):
            texts.append(Text(r, c, _header(form, table, key, ref), "header"))
            texts.append(Text(r + 1, c, f"({c + 1})", "numbering"))
        r += 2
        if transposed:
            for c, (key, ref) in enumerate(tcols):
                text = {"indicator": form.row(ref).unit if ref else "", "period_label": UNIT_HEADER}
                texts.append(Text(r, c, text.get(key, ""), "unit"))
            r += 1
        header_rows = header_rows or (header_first, r - 1)
        first_body = r
        col_of = {(k, ref): c for c, (k, ref) in enumerate(tcols)}
        if transposed:
            period_rows = {}
            for p in form.periods:
                places.append((r, 0))
                texts.append(Text(r, 1, p.label, "period_label"))
                for row in table.rows:
                    inputs.append(InputCell(row.id, p.id, row.kind, r, col_of[("indicator", row.id)]))
                notes.append(NoteCell(f"{form.id}.{table.id}@{p.id}", r, col_of[("note", None)],
                                      tuple(x.id for x in table.rows)))
                period_rows[p.id] = r
                r += 1
            if with_check:
                statuses += _statuses(form, table, {}, col_of[("check", None)], period_rows)
        else:
            anchor_rows = {}
            for row in table.rows:
                texts.append(Text(r, col_of[("stt", None)], row.stt, "stt"))
                texts.append(Text(r, col_of[("label", None)], row.label,
                                  "label" if row.is_input else "section"))
                if ("unit", None) in col_of:
                    texts.append(Text(r, col_of[("unit", None)], row.unit, "unit"))
                if ("responsible", None) in col_of:
                    texts.append(Text(r, col_of[("responsible", None)],
                                      form.responsible_units.get(row.responsible, ""), "responsible"))
                if row.is_input:
                    for p in form.periods:
                        inputs.append(InputCell(row.id, p.id, row.kind, r, col_of[("period", p.id)]))
                    notes.append(NoteCell(row.id, r, col_of[("note", None)], (row.id,)))
                anchor_rows[row.id] = r
                r += 1
            if with_check:
                statuses += _statuses(form, table, anchor_rows, col_of[("check", None)], None)
        bodies.append((first_body, r - 1))
        r += 1
    if form.footnote:
        texts.append(Text(r, 0, form.footnote, "footnote", last))
        r += 1
    r += 1
    sign, span = _signature_columns(widths[:printed])
    texts += [Text(r, 1, SIGN_PREPARER, "sig_title"), Text(r + 1, 1, SIGN_PREPARER_HINT, "sig_hint"),
              Text(r, sign, SIGN_DATE, "sig_date", last), Text(r + 1, sign, SIGN_HEAD, "sig_title", last),
              Text(r + 2, sign, SIGN_HEAD_HINT, "sig_hint", last)]
    preparer = []
    for i, fid in enumerate(PREPARER_IDS):
        texts.append(Text(r + 2 + i, 1, "", f"prep_label:{fid}"))
        preparer.append(PreparerCell(fid, r + 2 + i, 2, 2 + span - 1))
    return SheetLayout(
        sheet_name=sheet_name(form), widths=widths, texts=tuple(texts), inputs=tuple(inputs),
        notes=tuple(notes), statuses=tuple(statuses), preparer=tuple(preparer),
        unit_name=unit_name, place_cells=tuple(places), header_rows=header_rows,
        data_rows=tuple(bodies), freeze=(header_rows[1] + 1, 2), last_row=r + 4, printed_cols=printed)


SIGN_WIDTH = 40   # width units the head's signature block needs: its date line on one line


def _signature_columns(widths: tuple[int, ...]) -> tuple[int, int]:
    """(first column of the head's signature block, columns of the preparer's inputs).

    The head's block takes the last five printed columns, or more until they are at least
    SIGN_WIDTH wide together (so "……, ngày …… tháng …… năm 2020" is never cut); the
    preparer's inputs fill two or three columns after its labels (column 1), never into
    the head's block."""
    last = len(widths) - 1
    span = 3 if len(widths) >= 9 else 2
    sign = min(max(2 + span, last - 4), last)
    while sign > 3 and sum(widths[sign:]) < SIGN_WIDTH:
        sign -= 1
    return sign, max(1, min(span, sign - 2))


def _header(form: Form, table: Table, key: str, ref: str | None) -> str:
    if key == "period":
        return next(p.label for p in form.periods if p.id == ref)
    if key == "indicator":
        return form.row(ref).label
    return {"stt": form.stt_header, "label": form.label_header, "unit": UNIT_HEADER,
            "note": NOTE_HEADER, "check": CHECK_HEADER, "responsible": form.responsible_header,
            "place": table.place_header, "period_label": table.period_header}[key]
