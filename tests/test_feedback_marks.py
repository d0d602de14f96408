"""A correction workbook paints each marked cell by its most pressing severity, and the letter
sending it counts errors, values to confirm and warnings apart, naming each by the colour the
workbook shows (one table: xlsx_forms.styles.MARKS). Issue 14, review: Minh Khai's letter
called four warnings "ô cần xem lại" under "Số liệu còn lỗi", all painted red."""
from __future__ import annotations

import openpyxl
import pytest

from tests.test_mail import run
from tests.test_reminders import REPO, _body, sample  # noqa: F401 - fixture
from xlsx_forms.styles import COLOUR_VI, MARKS

FIRST_WORDS = {mark: how.comment for mark, how in MARKS.items()}


@pytest.fixture(scope="module")
def feedback(sample):  # noqa: F811
    result = run("feedback", "--summary", sample / "summary", "--templates", sample / "templates", "--key-file",
                 REPO / "samples" / "demo-hmac.key", "--out", sample / "feedback", "--outbox", sample / "fb-outbox")
    assert result.exit_code == 0, result.output
    return sample


def _marked(path):
    """Every commented input cell of a correction workbook: (coordinate, fill, its marks
    in comment order)."""
    wb = openpyxl.load_workbook(path)
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.comment is not None:
                    marks = [next(m for m, w in FIRST_WORDS.items() if line.startswith(w + " ("))
                             for line in c.comment.text.splitlines()]
                    out.append((c.coordinate, (c.fill.fgColor.rgb or "")[-6:], marks))
    return out


def test_each_cell_shows_its_most_pressing_mark_and_the_letter_counts_them_apart(feedback, catalogue):
    letters = sorted((feedback / "fb-outbox").glob("phan-hoi-*.eml"))
    assert letters
    for letter in letters:
        unit = letter.stem.removeprefix("phan-hoi-")
        body = _body(letter)
        items = [li for li in body.splitlines() if li.startswith("  - ")]
        used = set()
        for path in sorted((feedback / "feedback" / unit).glob("*.xlsx")):
            form = catalogue.form(path.name.split("_", 1)[0])
            shown = []
            for coordinate, fill, marks in _marked(path):
                assert marks == sorted(marks, key=list(MARKS).index), (path.name, coordinate)   # comment order
                first = marks[0]   # MARKS: most pressing first
                assert fill == MARKS[first].fill.lstrip("#"), (path.name, coordinate, marks)
                shown.append(first)
            for mark, how in MARKS.items():
                n = shown.count(mark)
                listed = [li for li in items if f"Phụ lục {form.number}:" in li and li.endswith(f" {how.cells}")]
                assert [li.rsplit(": ", 1)[1] for li in listed] == ([f"{n} {how.cells}"] if n else []), \
                    (unit, form.id, mark)
                used |= {mark} if n else set()
        for mark, how in MARKS.items():
            assert (f"nền {COLOUR_VI[how.fill]}" in body) == (mark in used), (unit, mark)


def test_minh_khai(feedback):
    body = _body(feedback / "fb-outbox" / "phan-hoi-p-minh-khai.eml")
    assert "1 ô có lỗi cần sửa" in body and "3 ô cần kiểm tra lại" in body and "1 ô xin xác nhận" in body
    assert "ô cần xem lại" not in body
    (path,) = (feedback / "feedback" / "p-minh-khai").glob("*.xlsx")
    cells = {c: (fill, marks) for c, fill, marks in _marked(path)}
    # Light blue, as the letter says of values to confirm (it also has a warning).
    assert cells["H22"] == (MARKS["confirm"].fill.lstrip("#"), ["confirm", "warning"])
    assert cells["G22"][0] == MARKS["error"].fill.lstrip("#")
    # The reminder and the letter agree on the errors.
    assert "1 lỗi, cụ thể" in _body(feedback / "outbox" / "nhac-p-minh-khai.eml")
