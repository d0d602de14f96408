"""XlsxWriter workbooks in which a text is always a text, and long sheets written fast.

XlsxWriter writes a string that starts with ``<r>`` and ends with ``</r>`` as raw
rich-text markup, unescaped: that is how its own rich strings travel (worksheet
``_write_cell``, sharedstrings ``_write_si``). A text cchc writes may come from a returned
file (a value typed as text, a preparer's name, an email), from the unit list or from a
plan. Written as markup, such a text ends its cell and can start others: a formula of the
sender's inside the Board's summary workbook, or a file that Excel must repair.
``TextWorksheet`` writes it as a rich text of two runs (``<`` and the rest), the second in
the cell's own font: Excel, LibreOffice and cchc's readers show and read the same text.
Every workbook cchc writes is a ``TextWorkbook`` (tests/test_layers.py fails on a module
that makes an XlsxWriter ``Workbook`` otherwise).

``StreamedWorksheet``: for constant-memory sheets of one row per record (the summary's
per-unit, status and issue sheets). It forgets a row's properties once the row is written,
and ``write_cells`` writes a whole row of texts, numbers, dates and blanks as one string,
byte for byte what XlsxWriter's cell writers give (tests/test_safebook.py compares both on
generated rows), instead of a dozen calls a cell (about 10 µs: 120,000 cells at 1,000
units).
"""
from __future__ import annotations

import math
from datetime import date
from io import StringIO

from xlsxwriter.format import Format
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import CellRichStringTuple, Worksheet
from xlsxwriter.xmlwriter import XMLwriter

CELL_TEXT_MAX = 32767   # characters (UTF-16 units) an Excel cell holds: XlsxWriter's xls_strmax


def cut_to_cell(text: str) -> tuple[str, bool]:
    """(``text`` as XlsxWriter keeps it, whether it was cut): at most 32,767 UTF-16 units,
    an Excel cell's limit. A text can only be over it if longer than half of it."""
    if len(text) > CELL_TEXT_MAX // 2 and _utf16_len(text) > CELL_TEXT_MAX:
        return _utf16_truncate(text, CELL_TEXT_MAX), True
    return text, False


def is_markup(text: str) -> bool:
    """Whether XlsxWriter would write ``text`` as rich-text markup rather than as text."""
    return text.startswith("<r>") and text.endswith("</r>")


class TextWorksheet(Worksheet):
    """A worksheet that writes every string as the text it is (see the module's doc)."""

    def _write_string(self, row: int, col: int, string: str, cell_format: Format | None = None) -> int:
        string, cut = cut_to_cell(string)   # as XlsxWriter cuts (and says so: -2), before deciding what it is
        if not is_markup(string):
            done = super()._write_string(row, col, string, cell_format)
            return -2 if cut and done == 0 else done
        if self._check_dimensions(row, col):
            return -1
        markup = self._two_runs(string, cell_format)
        if self.constant_memory:
            if row > self.previous_row:
                self._write_single_row(row)
            stored = markup
        else:
            stored = self.str_table._get_shared_string_index(markup)
        self.table[row][col] = CellRichStringTuple(stored, cell_format, string)
        return -2 if cut else 0

    def _two_runs(self, string: str, cell_format: Format | None) -> str:
        """The rich-text markup of ``string`` as two runs, "<" and the rest, the second in
        the cell's own font (write_rich_string would give it Calibri). Not made by
        write_rich_string: it escapes control characters once more than the cell writer
        does, and "\\x01" would come back as "_x0001_"; the cell writer escapes them, as
        for any text."""
        self.rstring = XMLwriter()
        self.rstring._set_filehandle(StringIO())
        self.rstring.fh.write("<r><t>&lt;</t></r><r>")
        self._write_font(cell_format or Format())
        self.rstring.fh.write(f"<t>{self.rstring._escape_data(string[1:])}</t></r>")   # "r>…>": no edge spaces
        return self.rstring.fh.getvalue()


class TextWorkbook(Workbook):
    """An XlsxWriter workbook whose sheets are ``TextWorksheet``s unless told otherwise."""

    worksheet_class = TextWorksheet


_COLUMNS: list[str] = []   # column letters by index, made as far as a sheet has needed
# Escaped texts a streamed sheet keeps for reuse: the short ones, a few thousand (< 5 MB).
TEXTS_KEPT, TEXT_KEPT_LENGTH = 4096, 256


def _column(col: int) -> str:
    while len(_COLUMNS) <= col:
        _COLUMNS.append(xl_col_to_name(len(_COLUMNS)))
    return _COLUMNS[col]


class StreamedWorksheet(TextWorksheet):
    """A constant-memory sheet that keeps nothing of a written row, with ``write_cells``
    to write a whole row at once (see the module's doc)."""

    def __init__(self) -> None:
        super().__init__()
        self._sealed = -1    # the last row written by write_cells: no cell may be added to it
        self._texts: dict[tuple[str, Format], str] = {}

    def write_cells(self, row: int, cells: list[tuple[int, object, Format]]) -> None:
        """Write the cells of ``row``, after any row before it and before any after it:
        (column, value, format) in increasing columns, the value a text, a finite number
        (not a bool), a date or datetime (shown by its format) or None for a blank cell. The bytes are those the
        cell writers would give one by one (write_string, write_number, write_datetime,
        write_blank), written at once; nothing of the row stays in memory."""
        if not cells:
            return
        columns = [c[0] for c in cells]
        info = self.row_info.get(row)
        if self._check_dimensions(row, columns[0]) or self._check_dimensions(row, columns[-1]) \
                or columns != sorted(set(columns)) or row <= self._sealed or row < self.previous_row \
                or row == self.previous_row and self.table.get(row) or info is not None and info.row_format:
            # (A row format would make XlsxWriter number the formats in another order.)
            raise ValueError(f"row {row}: out of bounds, written already, columns out of order, or a row format")
        if row > self.previous_row:
            self._write_single_row(row)     # the row before, written with the cell writers
        self._sealed = self.previous_row = row
        _column(columns[-1])
        letters, texts, number, parts = _COLUMNS, self._texts, str(row + 1), []
        for col, value, style in cells:
            kind = type(value)
            if kind is str or isinstance(value, str):   # a text of any str type, as write_string takes
                # A sheet of one row per record repeats its names and labels on every row:
                # each (text, format) is escaped once.
                tail = texts.get((value, style))
                if tail is None:
                    tail = self._text_tail(value, style)
                    if len(value) <= TEXT_KEPT_LENGTH:
                        if len(texts) >= TEXTS_KEPT:
                            texts.clear()
                        texts[(value, style)] = tail
                parts.append(f'<c r="{letters[col]}{number}"{tail}')
            elif value is None:
                parts.append(f'<c r="{letters[col]}{number}" s="{style._get_xf_index()}"/>')
            else:
                if isinstance(value, date):     # a datetime too
                    value = self._convert_date_time(value)
                elif kind is bool or not isinstance(value, (int, float)) or not math.isfinite(value):
                    raise TypeError(f"row {row}, column {col}: {value!r} is no cell value")
                parts.append(f'<c r="{letters[col]}{number}" s="{style._get_xf_index()}"><v>{value:.16G}</v></c>')
        self._write_row(row, None, info)
        self.fh.write("".join(parts))
        self._xml_end_tag("row")
        self.row_info.pop(row, None)
        self.row_sizes.pop(row, None)

    def _text_tail(self, text: str, style: Format) -> str:
        # What follows a text cell's reference, as _write_string and XlsxWriter's
        # _write_cell write it in constant memory.
        text, _ = cut_to_cell(text)
        head = f' s="{style._get_xf_index()}" t="inlineStr"><is>'
        if is_markup(text):
            return f"{head}{self._escape_control_characters(self._two_runs(text, style))}</is></c>"
        text = self._escape_control_characters(text)
        space = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
        return f"{head}<t{space}>{self._escape_data(text)}</t></is></c>"

    def set_row(self, row: int, *args, **kwargs):
        """As XlsxWriter's, but never for a row ``write_cells`` wrote (it would be written twice)."""
        if row <= self._sealed:
            raise ValueError(f"row {row}: written by write_cells, its properties cannot change")
        return super().set_row(row, *args, **kwargs)

    def _write_single_row(self, current_row_num: int = 0) -> None:
        written = self.previous_row
        if written <= self._sealed and (self.table.get(written) or written in self.comments):
            raise ValueError(f"row {written}: written by write_cells, no cell or comment can be added")
        super()._write_single_row(current_row_num)
        # XlsxWriter keeps every row's height to the end even in constant-memory mode
        # (about 400 bytes a row): only drawings need them, which these sheets have none of.
        self.row_info.pop(written, None)
        self.row_sizes.pop(written, None)
