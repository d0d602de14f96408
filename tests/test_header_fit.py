"""Names of any length print whole in every workbook cchc writes: each text of the header
and signature blocks (issuer, unit, quốc hiệu, tiêu ngữ, date line, signature) wraps within
its merged range, inside the print area, in a row high enough for its lines, for short and
long issuers and units, with and without spaces (a word longer than a line is broken
inside, as Excel and LibreOffice do). Widths are read back from the files (openpyxl) and
measured with the Times New Roman glyph-width bound of ``xlsx_forms.textwidth``."""
from __future__ import annotations

import io
import math
import re
import subprocess
import sys
from dataclasses import replace

import openpyxl
import pytest

from tests.workbook_checks import column_widths, frame_cells, print_last_column
from xlsx_forms.layout import form_layout
from xlsx_forms.official import build_city_workbook
from xlsx_forms.spec_loader import default_catalogue
from xlsx_forms.styles import line_points
from xlsx_forms.textwidth import CELL_PAD_MM, lines_within, stored_column_mm, text_mm, wrapped_lines
from xlsx_forms.writer import FRAME_ROLES, Prefill, build_workbook

SPACED = ("Trung tâm Phát triển Quỹ đất Dịch vụ Công ích và Quản lý Đô thị Thông minh "
          "Thành phố Đô thị Loại Một Trực thuộc Tỉnh Có Tên Dài Đặc Biệt Nghiêng Ngả Ương Ửng Ước")
UNSPACED = "ĐẶCBIỆTNGHIÊNGNGẢƯỚCỬNGMẶTTRỜI" * 6


def _name(source: str, length: int) -> str:
    return source[:length].strip()


# (label, issuer, unit name): short names, and names of 75, 100 and 150 characters with
# spaces and as one word.
NAMES = [("short", "UBND THÀNH PHỐ HÀ GIANG", "UBND phường Ngọc Hà")]
NAMES += [(f"{n}-spaced", _name(SPACED, n).upper(), _name(SPACED, n)) for n in (75, 100, 150)]
NAMES += [(f"{n}-one-word", _name(UNSPACED, n), _name(UNSPACED, n).title()) for n in (75, 100, 150)]
IDS = [label for label, _, _ in NAMES]


def _renamed(registry, issuer: str, name: str):
    unit = replace(registry.units[0], name=name)
    return replace(registry, issuer=issuer, units=(unit, *registry.units[1:])), unit


def frame_problems(ws, layout) -> list[tuple]:
    """Every header or signature text of ``ws`` that does not fit its range and row."""
    widths, printed = column_widths(ws), print_last_column(ws)
    problems = []
    for t, cell, text, first, last in frame_cells(ws, (*layout.texts, layout.unit_name), FRAME_ROLES):
        if last > printed:
            problems.append((cell.coordinate, "outside the print area", text))
            continue
        width = sum(stored_column_mm(widths[c]) for c in range(first, last + 1)) - CELL_PAD_MM
        size = cell.font.sz
        height = ws.row_dimensions[t.row + 1].height or 15
        lines = max(1, math.floor(height / line_points(size)))   # the lines the row shows
        wraps = cell.alignment.wrap_text
        if not wraps and text_mm(text, size) > width:
            problems.append((cell.coordinate, "does not wrap", text))
        elif text_mm(text, size) > width * lines or wrapped_lines(text, width, size) > lines:
            problems.append((cell.coordinate, f"row {height} pt too low", text))
    return problems


@pytest.mark.parametrize(("label", "issuer", "name"), NAMES, ids=IDS)
def test_every_template_shows_the_names_whole(label, issuer, name, catalogue, registry, options):
    reg, unit = _renamed(registry, issuer, name)
    for form in catalogue.forms.values():
        data, _ = build_workbook(catalogue, reg, unit, form, options)
        layout = form_layout(form)
        ws = openpyxl.load_workbook(io.BytesIO(data))[layout.sheet_name]
        assert ws[layout.unit_name.a1].value == name.upper()
        assert ws["A1"].value == issuer
        assert not frame_problems(ws, layout), (form.id, frame_problems(ws, layout))


@pytest.mark.parametrize(("label", "issuer", "name"), NAMES, ids=IDS)
def test_the_city_appendices_show_the_issuer_whole(label, issuer, name, catalogue, registry, options):
    reg, _ = _renamed(registry, issuer, name)
    forms = list(catalogue.forms.values())
    data = build_city_workbook(catalogue, reg, [(f, Prefill(final=True)) for f in forms], options)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for form in forms:
        layout = form_layout(form)
        ws = wb[layout.sheet_name]
        assert ws[layout.unit_name.a1].value == issuer.upper()
        assert not frame_problems(ws, layout), (form.id, frame_problems(ws, layout))


@pytest.mark.parametrize(("text", "width", "size"), [("a b", 50, 12), (SPACED, 60, 12), (SPACED.upper(), 33, 12),
                                                      (SPACED, 300, 13)])
def test_wrapped_lines_of_words_that_fit_are_those_of_a_word_wrap(text, width, size):
    assert wrapped_lines(text, width, size) == len(lines_within(text, width, size))
    assert wrapped_lines(text, width, size) >= math.ceil(text_mm(text, size) / width)


@pytest.mark.parametrize(("text", "width", "size"), [(UNSPACED, 40, 13), (UNSPACED[:75], 20, 12), ("W" * 9, 5, 12)])
def test_a_word_longer_than_a_line_is_broken_inside(text, width, size):
    # Each line but the last is full to within one letter (the widest: one em).
    total, em = text_mm(text, size), text_mm("W", size)
    assert math.ceil(total / width) <= wrapped_lines(text, width, size) <= math.ceil(total / (width - em))


def test_an_empty_text_takes_one_line_and_a_line_break_starts_one():
    assert wrapped_lines("", 50, 12) == 1
    assert wrapped_lines("a\nb", 50, 12) == 2


@pytest.mark.office
def test_long_names_render_whole_through_libreoffice(catalogue, registry, options, tmp_path):
    from tests.office import ARTEFACTS, convert
    issuer, name = NAMES[2][1], NAMES[2][2]
    reg, unit = _renamed(registry, issuer, name)
    form = catalogue.form("PL1")
    template = tmp_path / "PL1_long.xlsx"
    template.write_bytes(build_workbook(catalogue, reg, unit, form, options)[0])
    city = tmp_path / "phu-luc-thanh-pho-long.xlsx"
    city.write_bytes(build_city_workbook(catalogue, reg, [(form, Prefill(final=True))], options))
    ARTEFACTS.mkdir(exist_ok=True)
    for pdf, words in zip(convert([template, city], tmp_path / "pdf", "pdf"),
                          (issuer.split() + name.upper().split(), issuer.upper().split()), strict=True):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        # pdftotext may split a word where a letter comes from a fallback font ("QU ẢN"):
        # a space inside a word is allowed, a line break (a word cut or wrapped apart) not.
        cut = [w for w in words if not re.search("(?<!\\S)" + " ?".join(map(re.escape, w)) + "(?!\\S)", text)]
        assert not cut, (pdf.name, cut, text[:600])
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(ARTEFACTS / pdf.stem)], check=True)
        assert (ARTEFACTS / f"{pdf.stem}.png").stat().st_size > 0


LONG_REGISTRY = """issuer: "{issuer}"
place: "{place}"
consolidator: {{name: "Ban Tổ chức - Nội vụ thành phố", contact: "A", email: "a@x.example"}}
units:
  - {{code: vp, kind: office, name: "{name}", email: "u1@x.example", forms: [PL1, PL8]}}
"""


def _title_fits(ws, row: int) -> bool:
    """Whether the title line in ``row`` (1-based) shows whole: within the used columns on
    one line, or merged, wrapped, in a row high enough."""
    cell, widths = ws.cell(row, 1), column_widths(ws)
    rng = next((m for m in ws.merged_cells.ranges if (m.min_row, m.min_col) == (row, 1)), None)
    last = rng.max_col if rng else max(widths)
    width = sum(stored_column_mm(widths.get(c, 8.43)) for c in range(1, last + 1)) - CELL_PAD_MM
    size, height = cell.font.sz, ws.row_dimensions[row].height or 15
    lines = max(1, math.floor(height / line_points(size))) if cell.alignment.wrap_text else 1
    return wrapped_lines(cell.value, width, size) <= lines and text_mm(cell.value, size) <= width * lines


@pytest.mark.parametrize("label", ["short", "150-spaced", "150-one-word"])
def test_a_harvest_under_long_names_shows_them_whole(label, tmp_path, key_file):
    from harvest.city_appendices import CITY_APPENDICES
    from harvest.run import SUMMARY_NAME as SUMMARY_XLSX
    _, issuer, name = next(n for n in NAMES if n[0] == label)
    units = tmp_path / "units.yaml"
    units.write_text(LONG_REGISTRY.format(issuer=issuer, place=name, name=name), encoding="utf-8")
    (tmp_path / "in").mkdir()
    done = subprocess.run([sys.executable, "-m", "cchc", "harvest", str(tmp_path / "in"), "--units", str(units),
                           "--key-file", str(key_file), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    city = openpyxl.load_workbook(tmp_path / "out" / CITY_APPENDICES)
    summary = openpyxl.load_workbook(tmp_path / "out" / SUMMARY_XLSX)
    for ws in city.worksheets:
        if ws.sheet_state == "visible":
            layout = next(form_layout(f) for f in default_catalogue().forms.values()
                          if form_layout(f).sheet_name == ws.title)
            assert not frame_problems(ws, layout), (ws.title, frame_problems(ws, layout))
    assert _title_fits(summary["Tổng quan"], 2)
    for ws in summary.worksheets:
        if ws.title.startswith("Phụ lục"):
            assert name.upper() in ws["A1"].value and _title_fits(ws, 1), ws.title
