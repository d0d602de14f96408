"""The correction loop: for each unit whose returns have errors, a fresh workbook from the
current template with the unit's own harvested values, each problem cell highlighted and
commented with what is wrong and how to fix it.

Plausibility warnings (codes in ``harvest.issues.CONFIRM_CODES``) mark their cells
"xin xác nhận" (please confirm) in another colour: the value may well be right. A unit whose
form has only such warnings gets a workbook too, without being counted as "Có lỗi"."""
from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from harvest.cellvalues import looks_like_number
from harvest.exports import NOTE_PERIOD
from harvest.issues import CONFIRM_CODES
from harvest.process import CELL_TEXT_LIMIT
from harvest.reconcile import WITH_ERRORS
from oslayer.fileio import NotReadable, atomic_write_bytes, read_csv
from xlsx_forms.errors import CchcError
from xlsx_forms.inert import FORMULA_TRIGGERS, inert
from xlsx_forms.layout import form_layout
from xlsx_forms.model import Catalogue
from xlsx_forms.registry import Registry, Unit
from xlsx_forms.styles import CONFIRM, ERROR, MARKS, WARNING
from xlsx_forms.writer import GenerateOptions, Prefill, build_workbook

COMMENT_TEXT = 1000   # characters of one problem in a cell comment
# A preparer field (layout.PREPARER_IDS) → the status.csv column holding what the unit wrote
# there: by name, so that a plan's fields are never paired with columns by position.
STATUS_COLUMN = {"name": "preparer", "phone": "phone", "email": "email"}


@dataclass(frozen=True)
class Correction:
    """The correction workbooks made for one unit: form id → (path, cells with errors), and
    ``problems_key``, a hash of the problems they mark (form, cell, what is wrong, values to
    confirm): the identity of the letter that sends them, so one list of problems is one
    letter, ever; form id → cells the unit is asked to confirm; form id → cells with
    warnings only (to look at); form id → the file the unit sent (its inbox path: letters
    show its name only)."""

    unit: Unit
    files: dict[str, tuple[Path, int]]
    problems_key: str = ""
    confirm: dict[str, int] = field(default_factory=dict)
    sent: dict[str, str] = field(default_factory=dict)   # form id → the file received (inbox path)
    warnings: dict[str, int] = field(default_factory=dict)


def problems_key(unit_code: str, problems: dict[str, dict[tuple[str, str], str]]) -> str:
    """A stable hash of a unit's problems (form → (row, period) → comments), independent
    of file names, of order and of the workbook's bytes."""
    listed = [[form_id, sorted([list(k), v] for k, v in cells.items())] for form_id, cells in sorted(problems.items())]
    payload = json.dumps([unit_code, listed], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _unquoted(text: str) -> str:
    """A CSV text without the quote that kept it from being a formula or a number in
    spreadsheets (harvest.exports.number_text)."""
    if text.startswith("'") and text[1:2] and (text[1] in FORMULA_TRIGGERS
                                               or looks_like_number(text[1:]) is not None):
        return text[1:]
    return text


def _plain(text: str):
    """A values.csv value back to what was harvested: a number, or the text as typed
    (without the quote that kept it inert in spreadsheets)."""
    if _unquoted(text) != text:
        return text[1:]
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):   # "nan", "inf", "1e999": what was typed, as text
        return text
    return int(number) if number.is_integer() and "." not in text else number


def mark_of(issue: dict[str, str]) -> str:
    """How an issue marks its cell (xlsx_forms.styles.MARKS): a value to confirm, an error,
    else a warning (the value was read as meant: worth a look)."""
    return CONFIRM if issue["code"] in CONFIRM_CODES else ERROR if issue["severity"] == "error" else WARNING


def _comment(issue: dict[str, str]) -> str:
    where = f"{issue['file']}, trang «{issue['sheet']}», ô {issue['cell']}: "
    text = issue["message"][len(where):] if issue["message"].startswith(where) else issue["message"]
    return f"{MARKS[mark_of(issue)].comment} ({issue['code']}): {text}"


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        return read_csv(path)
    except NotReadable as exc:
        raise CchcError("CSV_INVALID", str(path), problem=str(exc)) from None


def make_corrections(summary: Path, out_dir: Path, catalogue: Catalogue, registry: Registry,
                     options: GenerateOptions) -> list[Correction]:
    """Write the correction workbooks of every unit whose status is 'Có lỗi' because of
    errors in a file that was used (a file that could not be used at all has a reason in
    status.csv: nothing of it can be pre-filled; the reminder sends the blank template),
    and of every unit with values to confirm (plausibility warnings on the file used)."""
    statuses = _rows(summary / "status.csv")
    values = defaultdict(list)
    for row in _rows(summary / "values.csv"):
        values[(row["unit_code"], row["form"])].append(row)
    issues = defaultdict(list)
    for row in _rows(summary / "issues.csv"):
        issues[(row["unit_code"], row["form"])].append(row)
    wrong = [(s["unit_code"], s["form"], s) for s in statuses if not s.get("reason") and (
        s["status"] == WITH_ERRORS or any(i["code"] in CONFIRM_CODES and i["file"] == s["file"]
                                          for i in issues[(s["unit_code"], s["form"])]))]
    made: dict[str, dict] = defaultdict(dict)
    marked: dict[str, dict] = defaultdict(dict)
    asked: dict[str, dict] = defaultdict(dict)
    looks: dict[str, dict] = defaultdict(dict)
    note_limit = catalogue.kinds["note"].max_length
    for unit_code, form_id, status in wrong:
        try:
            unit = registry.unit(unit_code)
        except KeyError:
            continue
        form = catalogue.form(form_id)
        layout = form_layout(form)
        prefill_values, notes, at_cell = {}, {}, {}
        for row in values[(unit_code, form_id)]:
            # values.csv is cchc's own, but may have been edited: its text is made inert again.
            if row["period"] == NOTE_PERIOD:
                notes[row["row_id"]] = _plain(inert(row["value"], single_line=False, limit=note_limit))
            else:
                key = (row["row_id"], row["period"])
                prefill_values[key] = _plain(inert(row["value"], single_line=True, limit=CELL_TEXT_LIMIT))
                at_cell[row["cell"]] = key
        for cell in layout.inputs:   # blank cells are not in values.csv: where the layout puts them
            at_cell.setdefault(cell.a1, (cell.row_id, cell.period_id))
        marks: dict[str, dict] = {mark: {} for mark in MARKS}
        problems: dict = {}   # errors and warnings together: what the letter's identity was always made of
        for issue in issues[(unit_code, form_id)]:
            if issue["file"] != status["file"] or issue["cell"] not in at_cell:
                continue
            mark = mark_of(issue)
            # A form without errors is sent only for its values to confirm: its other
            # warnings stay in the summary, as they would without this workbook.
            if mark != CONFIRM and status["status"] != WITH_ERRORS:
                continue
            key = at_cell[issue["cell"]]
            comment = inert(_comment(issue), single_line=True, limit=COMMENT_TEXT)
            for kept in (marks[mark], problems) if mark != CONFIRM else (marks[mark],):
                kept[key] = (kept[key] + "\n" if key in kept else "") + comment
        confirm = marks[CONFIRM]
        # Counted as the workbook shows them: a cell by its most pressing mark.
        shown = {key: next(m for m in MARKS if key in marks[m]) for m in MARKS for key in marks[m]}
        counts = {m: sum(1 for v in shown.values() if v == m) for m in MARKS}
        data, _ = build_workbook(catalogue, registry, unit, form, options, Prefill(
            values=prefill_values, notes=notes, problems=marks[ERROR], confirm=confirm, warnings=marks[WARNING],
            preparer={f.id: inert(_unquoted(status[STATUS_COLUMN[f.id]]), single_line=True, limit=f.max_length)
                      for f in catalogue.preparer_fields}))
        path = out_dir / unit_code / f"{form_id}_{unit_code}_sua-loi.xlsx"
        atomic_write_bytes(path, data)
        made[unit_code][form_id] = (path, counts[ERROR])
        marked[unit_code][form_id] = {**problems, **{(row, f"xác nhận {period}"): text
                                                     for (row, period), text in confirm.items()}}
        asked[unit_code][form_id] = counts[CONFIRM]
        looks[unit_code][form_id] = counts[WARNING]
    return [Correction(registry.unit(code), files, problems_key(code, marked[code]), asked[code],
                       {f: s["file"] for c, f, s in wrong if c == code and f in files}, looks[code])
            for code, files in made.items()]
