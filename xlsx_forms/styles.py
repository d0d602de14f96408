"""Cell formats of the generated workbooks, by layout role, and row-height estimates."""
from __future__ import annotations

import math
from dataclasses import dataclass

from .safebook import TextWorkbook

FONT = "Times New Roman"
INPUT_FILL = "#FFF2CC"      # input cells: pale yellow
LOCKED_INPUT_FILL = "#E7E6E6"  # another unit's PL8 target: grey
HEADER_FILL = "#D9E1F2"
MISSING_FILL = "#F8CBAD"    # conditional format: required cell still empty
PROBLEM_FILL = "#FCE4D6"    # conditional format: live check not OK
FIX_FILL = "#FF9999"        # returned for correction: this cell must be looked at
CONFIRM_FILL = "#BDD7EE"    # returned for confirmation: an unusual value, maybe right (xin xác nhận)
WARNING_FILL = "#E4DFEC"    # returned with a warning: read as meant, worth a look (cần kiểm tra lại)
LINE_HEIGHT = 15.75         # points per line of 12 pt Times New Roman
# Each fill as the texts to offices name it (instructions sheet, letters): the colour a
# person sees, so "nền cam nhạt" is the cell that is shown light orange, nothing else.
COLOUR_VI = {INPUT_FILL: "vàng nhạt", LOCKED_INPUT_FILL: "xám", MISSING_FILL: "cam nhạt",
             FIX_FILL: "đỏ nhạt", CONFIRM_FILL: "xanh lam nhạt", WARNING_FILL: "tím nhạt"}


@dataclass(frozen=True)
class Mark:
    """How a correction workbook marks a cell, and how the letter sending it names such
    cells: one table (MARKS) for both, so the colour a letter names is the one shown."""

    fill: str
    comment: str    # the first words of each of the cell's comment lines
    cells: str      # the letter's words for such cells ("3 ô có lỗi cần sửa")


ERROR, CONFIRM, WARNING = "error", "confirm", "warning"
# By severity, most pressing first: a cell with several marks shows the first one's colour
# (an error must be fixed; a value to confirm asks for an answer; a warning for a look).
MARKS = {ERROR: Mark(FIX_FILL, "Lỗi", "ô có lỗi cần sửa"),
         CONFIRM: Mark(CONFIRM_FILL, "Xin xác nhận", "ô xin xác nhận"),
         WARNING: Mark(WARNING_FILL, "Cảnh báo", "ô cần kiểm tra lại")}

_BASE = {"font_name": FONT, "font_size": 12, "valign": "vcenter", "locked": True}
_BOX = {"border": 1, "text_wrap": True}
ROLE_STYLES: dict[str, dict] = {
    "issuer": {"align": "center"},
    "unit_name": {"align": "center", "bold": True},
    # Nghị định 30/2020/NĐ-CP: quốc hiệu in capitals, 12–13 pt, bold; tiêu ngữ 13–14 pt,
    # bold, underlined: one size larger than the quốc hiệu, never the same.
    "nation": {"align": "center", "bold": True, "font_size": 12},
    "motto": {"align": "center", "bold": True, "underline": True, "font_size": 13},
    "appendix_no": {"align": "center", "bold": True, "font_size": 13},
    "title": {"align": "center", "bold": True, "font_size": 13, "text_wrap": True},
    "subtitle": {"align": "center", "italic": True},
    "attachment": {"align": "center", "italic": True},
    "table_title": {"bold": True},
    "header": {**_BOX, "align": "center", "bold": True, "bg_color": HEADER_FILL},
    "numbering": {**_BOX, "align": "center", "italic": True, "font_size": 10},
    "stt": {**_BOX, "align": "center"},
    "label": {**_BOX},
    "section": {**_BOX, "bold": True},
    "unit": {**_BOX, "align": "center"},
    "period_label": {**_BOX},
    "responsible": {**_BOX, "align": "center"},
    "place": {**_BOX, "align": "center"},
    "blank_box": {**_BOX},
    "footnote": {"italic": True},
    "sig_title": {"align": "center", "bold": True},
    "sig_hint": {"align": "center", "italic": True},
    "sig_date": {"align": "center", "italic": True},
    "prep_label": {"align": "right"},
    "status": {**_BOX, "align": "center", "font_size": 10},
    "doc_title": {"bold": True, "font_size": 14},
    "doc_heading": {"bold": True, "font_size": 12},
    "doc_text": {"text_wrap": True, "valign": "top"},
    "doc_key": {"bold": True, "valign": "top", "text_wrap": True},
    "doc_cell": {**_BOX, "valign": "top"},
    "doc_head": {**_BOX, "bold": True, "bg_color": HEADER_FILL},
}


class Formats:
    """Formats of one workbook: a role's, an input kind's, and the conditional ones."""

    def __init__(self, wb: TextWorkbook, kinds: dict) -> None:
        self._wb, self._wrapped = wb, {}
        self.role = {name: wb.add_format({**_BASE, **spec}) for name, spec in ROLE_STYLES.items()}
        self.input = {}
        self.locked_input = {}
        self.marked: dict[str, dict] = {mark: {} for mark in MARKS}   # a correction workbook's marked cells
        self.value = {}
        for kid, kind in kinds.items():
            spec = {**_BASE, **_BOX, "align": kind.behaviour.align, "num_format": kind.number_format}
            self.input[kid] = wb.add_format({**spec, "locked": False, "bg_color": INPUT_FILL})
            self.locked_input[kid] = wb.add_format({**spec, "bg_color": LOCKED_INPUT_FILL})
            for mark, how in MARKS.items():
                self.marked[mark][kid] = wb.add_format({**spec, "locked": False, "bg_color": how.fill})
            self.value[kid] = wb.add_format(spec)   # a finished table's figure: locked, unfilled
        self.preparer = wb.add_format({**_BASE, "locked": False, "bg_color": INPUT_FILL,
                                       "bottom": 1, "num_format": "@"})
        self.preparer_line = wb.add_format({**_BASE, "bottom": 1, "num_format": "@"})
        self.missing = wb.add_format({"bg_color": MISSING_FILL})
        self.problem = wb.add_format({"bg_color": PROBLEM_FILL, "font_color": "#C00000", "bold": True})

    def of(self, role: str):
        """The format of a layout role (``prep_label:name`` → ``prep_label``)."""
        return self.role[role.split(":", 1)[0]]

    def wrapped(self, role: str):
        """The format of a layout role, wrapping its text (made when first asked for, so a
        workbook whose texts all fit on one line holds no unused format)."""
        name = role.split(":", 1)[0]
        if name not in self._wrapped:
            self._wrapped[name] = self._wb.add_format({**_BASE, **ROLE_STYLES[name], "text_wrap": True})
        return self._wrapped[name]


def lines_needed(text: str, width: float, per_unit: float = 0.85) -> int:
    """How many wrapped lines ``text`` takes in a column ``width`` characters wide.

    Column width units are about one digit of the default font (7 px); Times New Roman 12
    averages a little wider per letter in short bold headers and labels full of capitals,
    hence the default 0.85 characters per unit. Running lower-case prose (the instructions
    sheet) averages about 6.3 px a character: ``per_unit`` 1.1 there, else its rows show
    empty gaps below the text.
    """
    if not text:
        return 1
    per_line = max(1.0, width * per_unit)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def row_height(lines: int, size_pt: float = 12) -> float:
    """Row height in points for ``lines`` lines of text at ``size_pt`` (body text: 12)."""
    return round(max(1, lines) * line_points(size_pt) + 3, 2)


def line_points(size_pt: float) -> float:
    """The height of one line of Times New Roman at ``size_pt``, in points."""
    return LINE_HEIGHT * size_pt / 12


def role_size(role: str) -> float:
    """The font size of a layout role's text, in points."""
    return {**_BASE, **ROLE_STYLES[role.split(":", 1)[0]]}["font_size"]
