"""cchc report: the city's Báo cáo tổng kết drafted from the sample harvest, following the
Đề cương: every heading, the figures of each section (sentences, a table, a chart), the
units' own texts labelled by unit, the annex tables and the units missing; Times New
Roman on A4; rendered by LibreOffice with the headings and figures in the PDF's text."""
from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from cchc.cli import cli
from harvest.city_report import CLOSING_HEADING, vi_number
from harvest.citycsv import read_city_csv
from harvest.report_text import period_words, row_name, row_names, sentence_rows, shown
from tests.docx_fit import broken_words
from tests.hostile_env import read_csv_rows
from tests.office import ARTEFACTS
from xlsx_forms.outline import check_figures, default_outline

REPO = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    """The sample inbox harvested, then the report drafted from it."""
    root = tmp_path_factory.mktemp("report")
    key = REPO / "samples" / "demo-hmac.key"
    runner = CliRunner()
    result = runner.invoke(cli, ["harvest", str(REPO / "samples" / "inbox"), "--key-file", str(key),
                                 "--out", str(root / "summary"), "--templates", str(root / "none")],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["report", "--summary", str(root / "summary"), "--out", str(root / "bao-cao"),
                                 "--templates", str(root / "none")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    path = root / "bao-cao" / "bao-cao-tong-ket.docx"
    return root, path, docx.Document(io.BytesIO(path.read_bytes())), result.output


def _texts(doc) -> list[str]:
    found = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            found += [c.text for c in row.cells]
    return found


def test_every_heading_of_the_outline_in_order(drafted):
    _, _, doc, _ = drafted
    outline = default_outline()
    headings = [" ".join(p.text.split()) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [" ".join(s.printed.split()) for s in outline.sections]


def blocks(doc) -> dict[str, list]:
    """Each heading's block: the paragraphs and tables from its heading to the next
    heading (or the annex), in document order; keyed by the heading's text."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    found: dict[str, list] = {}
    current = None
    for child in doc.element.body.iterchildren():
        item = Paragraph(child, doc) if child.tag.endswith("}p") else Table(child, doc) \
            if child.tag.endswith("}tbl") else None
        if isinstance(item, Paragraph) and item.style.name.startswith("Heading"):
            current = found.setdefault(" ".join(item.text.split()), [])
        elif isinstance(item, Paragraph) and item.text == "PHỤ LỤC SỐ LIỆU TỔNG HỢP":
            current = None
        elif current is not None and item is not None:
            current.append(item)
    return found


def _form_table(block, form):
    """The table of ``form`` in a block: its label column is the form's labels, in order."""
    from docx.table import Table
    for item in block:
        if isinstance(item, Table):
            labels = [r.cells[1].text for r in item.rows]
            if labels[-len(form.rows):] == [r.label for r in form.rows]:
                return item
    return None


def test_each_section_holds_its_figures_and_a_chart(drafted, catalogue):
    """Under each heading whose section names forms, between it and the next heading: the
    form's table with every city figure of its rows in the right row and period, one
    sentence per number row naming the row with its first and last figures, and a chart."""
    root, _, doc, _ = drafted
    city = read_city_csv(root / "summary" / "city.csv", catalogue)
    found = blocks(doc)
    sections = [s for s in default_outline().sections if s.figures]
    assert sections
    for section in sections:
        block = found[" ".join(section.printed.split())]
        texts = [p.text for p in _paragraphs(block)]
        for fid in section.figures:
            form, values = catalogue.form(fid), city.get(fid, {})
            assert f"Số liệu tổng hợp toàn thành phố Hà Giang (Phụ lục {form.number}: {form.title}):" in texts
            table = _form_table(block, form)
            assert table is not None, (section.id, fid)
            body = table.rows[-len(form.rows):]
            first = len(table.columns) - len(form.periods) - 1 - bool(form.responsible_units)
            for row, cells in zip(form.rows, body, strict=True):
                if not row.is_input:
                    continue
                for k, p in enumerate(form.periods):
                    want = shown(catalogue, row, values.get((row.id, p.id)), sign=row.unit != "%")
                    assert cells.cells[first + k].text.rstrip("*") == want, (fid, row.id, p.id)
            names = row_names([(catalogue.form(f), r) for f in section.figures
                               for r in sentence_rows(catalogue, catalogue.form(f), city.get(f, {}))])
            for row in sentence_rows(catalogue, form, values):
                said = [t for t in texts if t.startswith(f"- {names[(fid, row.id)]}: ")]
                assert len(said) == 1, (fid, row.id, said)
                whole = [p for p in form.periods if not p.partial and (row.id, p.id) in values
                         and isinstance(values[(row.id, p.id)].value, (int, float))]
                for p in whole[:1] + whole[-1:]:
                    assert f"{shown(catalogue, row, values[(row.id, p.id)])}" in said[0], (row.id, p.id)
        assert any(t.startswith("Biểu đồ ") for t in texts) or not any(
            catalogue.form(f).aggregate_of(r) == "sum" for f in section.figures for r in catalogue.form(f).input_rows)
    images = [r for r in doc.part.rels.values() if r.reltype.endswith("/image")]
    captions = [p.text for p in doc.paragraphs if p.text.startswith("Biểu đồ ")]
    assert len(captions) == len(images) >= 5 and all("toàn thành phố Hà Giang" in c for c in captions)


def _paragraphs(block) -> list:
    from docx.text.paragraph import Paragraph
    return [item for item in block if isinstance(item, Paragraph)]


def _sentences(block) -> list[str]:
    """The figure sentences of a block: the "- " paragraphs after "Số liệu tổng hợp …:",
    up to the form's table (the units' own texts come later and may have bullets too)."""
    from docx.text.paragraph import Paragraph
    found, inside = [], False
    for item in block:
        if not isinstance(item, Paragraph):
            inside = False
        elif item.text.startswith("Số liệu tổng hợp "):
            inside = True
        elif inside and item.text.startswith("- "):
            found.append(item.text[2:])
    return found


def _label(sentence: str) -> str:
    """A figure sentence's label: before the ": " that precedes its first figure."""
    match = re.search(r": (?=[\d—])", sentence)
    assert match, sentence
    return sentence[:match.start()]


def test_no_two_figure_sentences_of_a_section_share_a_label(drafted):
    _, _, doc, _ = drafted
    found = blocks(doc)
    checked = 0
    for section in (s for s in default_outline().sections if s.figures):
        labels = [_label(s) for s in _sentences(found[" ".join(section.printed.split())])]
        assert len(labels) == len(set(labels)), [x for x in labels if labels.count(x) > 1]
        checked += len(labels)
    assert checked > 50


@pytest.mark.parametrize("together", [False, True], ids=["each form", "every form in one section"])
def test_row_names_are_unique_in_any_section(catalogue, together):
    """Every number row of the plan named so no two read alike: each form's rows in its
    own section, and all of them in one (names then carry the appendix)."""
    forms = list(catalogue.forms.values())
    groups = [forms] if together else [[f] for f in forms]
    for group in groups:
        rows = [(f, r) for f in group for r in f.input_rows]
        names = list(row_names(rows).values())
        assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    pl5 = catalogue.form("PL5")
    assert row_name(pl5, pl5.row("PL5.1.a")) == "Tổng số biên chế cán bộ, công chức — Tổng số được giao"


@pytest.mark.parametrize("end", [".", ":", ";", ",", "!", "?", "…", " .", ". ", "-", "–", ".:"])
def test_a_label_loses_its_trailing_punctuation_before_a_colon(catalogue, end):
    from harvest.report_text import clean_label
    assert clean_label(f"Hình thức tuyên truyền CCHC khác (nếu có){end}") == "Hình thức tuyên truyền CCHC khác (nếu có)"
    assert clean_label(f"Số lượng «mẫu»{end}") == "Số lượng «mẫu»"


def test_no_double_punctuation_before_a_figure(drafted):
    _, _, doc, _ = drafted
    doubled = [p.text for p in doc.paragraphs if re.search(r"[.,;:!?…–-]\s*:\s", p.text)]
    assert not doubled, doubled[:3]


def test_a_part_year_is_given_apart_and_lacks_said_once(drafted, catalogue):
    """A period that is not a whole year (2020 to 23/3) is never the end of a comparison:
    it comes after the whole years, said to be short; each kind of lack once per sentence."""
    _, _, doc, _ = drafted
    partial = {period_words(p) for f in catalogue.forms.values() for p in f.periods if p.partial}
    assert partial
    sentences = [s for block in blocks(doc).values() for s in _sentences(block)]
    assert sentences
    for s in sentences:
        for words in partial:
            if words in s:
                assert f"; {words}: " in s or s.split(": ", 1)[1].startswith(words), s
                assert "(số liệu chưa đủ năm)" in s, s
                assert f"({words})" not in s, s
        assert s.count("thiếu") <= 1 and s.count("không tính") <= 1, s


def test_percentages_keep_the_appendix_decimals(drafted, catalogue):
    """Every percentage sentence shows its figure as the appendix does: 87,88%."""
    root, _, doc, _ = drafted
    city = read_city_csv(root / "summary" / "city.csv", catalogue)
    sentences = " ".join(s for block in blocks(doc).values() for s in _sentences(block))
    checked = 0
    for form in catalogue.forms.values():
        values = city.get(form.id, {})
        for row in sentence_rows(catalogue, form, values):
            fmt = catalogue.kinds[row.kind].number_format
            if catalogue.kinds[row.kind].base != "percent":
                continue
            places = len(re.search(r"0\.(0+)", fmt).group(1))
            whole = [p for p in form.periods if not p.partial and isinstance(values[(row.id, p.id)].value, float)]
            for p in whole[:1] + whole[-1:]:
                value = values[(row.id, p.id)].value
                assert f"{vi_number(value, places)}%" in sentences, (row.id, p.id, value)
                checked += 1
    assert checked >= 4


def test_units_texts_are_labelled_and_missing_units_listed(drafted, registry):
    root, _, doc, output = drafted
    sections = [r for r in read_csv_rows(root / "summary" / "sections.csv") if r["text"].strip()]
    assert sections, "the sample inbox has narrative reports"
    paragraphs = list(doc.paragraphs)
    for row in sections:
        assert any(p.runs and p.runs[0].text == f"{row['unit_name']}: " and row["text"].strip()[:40] in p.text
                   for p in paragraphs), row["section_id"]
    status = read_csv_rows(root / "summary" / "status.csv")
    missing = {r["unit_name"] for r in status if r["status"] == "Chưa nộp"}
    texts = " ".join(p.text for p in paragraphs)
    assert missing and all(name in texts for name in missing)
    assert "Đã lập dự thảo báo cáo" in output


def test_official_page_and_font(drafted):
    _, _, doc, _ = drafted
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) >= 30 and round(section.top_margin.mm) >= 20
    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman" and 13 <= normal.size.pt <= 14


def test_vi_number():
    assert [vi_number(1234), vi_number(87.5, 1), vi_number(1234567.25, 2), vi_number(None)] == \
           ["1.234", "87,5", "1.234.567,25", ""]


def test_figures_name_forms_of_the_plan(catalogue):
    check_figures(default_outline(), catalogue.forms)
    from dataclasses import replace

    from xlsx_forms.errors import CchcError
    outline = default_outline()
    bad = replace(outline, sections=(replace(outline.sections[0], figures=("PL99",)), *outline.sections[1:]))
    with pytest.raises(CchcError, match="PL99"):
        check_figures(bad, catalogue.forms)


def test_every_table_column_is_as_wide_as_its_widest_word(drafted):
    """No word, figure or header of any table (figure tables, annex, header and closing
    blocks) is wider than its column's text width at its font size: nothing is broken
    inside ("Nă/m/201/5", "2.05/1*"). Widths read back from the document's XML."""
    _, _, doc, _ = drafted
    assert len(doc.tables) > 10
    assert not broken_words(doc, 14), broken_words(doc, 14)[:5]


def test_table_headers_repeat_and_rows_are_not_split(drafted):
    from docx.oxml.ns import qn
    _, _, doc, _ = drafted
    tables = [t for t in doc.tables if t.rows[0].cells[0].text == "STT"]
    assert tables
    for table in tables:
        props = [r._tr.trPr for r in table.rows]
        assert all(p is not None and p.find(qn("w:cantSplit")) is not None for p in props)
        heads = [p.find(qn("w:tblHeader")) is not None for p in props]
        assert heads[0] and heads == sorted(heads, reverse=True) and not heads[-1]   # the header rows, first


def _numbers_in(text: str) -> set[str]:
    return set(re.findall(r"(?<![\d.,])\d{1,3}(?:\.\d{3})*(?:,\d+)?(?![\d,])", text))


@pytest.mark.office
def test_the_draft_renders_through_libreoffice(drafted, tmp_path, catalogue):
    """Rendered to PDF: the headings, every city figure of the tables whole in the text (in
    the Vietnamese format: 2.051, 87,88), the period headers whole, the issuer on one line."""
    from tests.office import convert
    root, path, _, _ = drafted
    pdf = convert([path], tmp_path, "pdf")[0]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat and "BÁO CÁO" in flat
    assert "Cải cách thủ tục hành chính" in flat and "PHỤ LỤC SỐ LIỆU TỔNG HỢP" in flat
    assert text.count("\f") >= 10
    printed = _numbers_in(text)
    city = read_city_csv(root / "summary" / "city.csv", catalogue)
    wanted = {shown(catalogue, form.row(rid), cv, sign=False) for form in catalogue.forms.values()
              for (rid, _), cv in city.get(form.id, {}).items() if isinstance(cv.value, (int, float))}
    assert len(wanted) > 100 and "2.051" in wanted
    assert not wanted - printed, sorted(wanted - printed)[:10]
    tokens = set(text.split())
    assert {"2015", "2016", "2017", "2018", "2019", "2020", "Năm"} <= tokens
    laid = subprocess.run(["pdftotext", "-layout", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert any("UBND THÀNH PHỐ HÀ GIANG" in " ".join(line.split()) for line in laid.splitlines()), laid[:400]
    ARTEFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "3", str(pdf),
                    str(ARTEFACTS / "bao-cao-tong-ket")], check=True)


def test_an_incomplete_figure_is_marked_and_explained(drafted, catalogue):
    """Every city figure that lacks some unit's value is marked in the tables and its row's
    Ghi chú names the units; the sentences say the figure is not whole."""
    root, _, doc, _ = drafted
    city = read_city_csv(root / "summary" / "city.csv", catalogue)
    lacking = [(fid, key) for fid, values in city.items() for key, cv in values.items() if cv.missing or cv.excluded]
    assert lacking
    texts = " ".join(_texts(doc))
    assert "Số liệu chưa đủ: thiếu 1 đơn vị (2015–2020)" in texts and "*" in texts
    for table in doc.tables:
        head = [c.text for c in table.rows[0].cells]
        if "Ghi chú" not in head:
            continue
        note_col = head.index("Ghi chú")
        for row in table.rows[1:]:
            marked = any(c.text.endswith("*") for c in row.cells[3:note_col])
            assert marked == bool(row.cells[note_col].text.strip()) or not marked, [c.text for c in row.cells]


def _closing(doc) -> list[str]:
    texts = [p.text for p in doc.paragraphs]
    start = texts.index(CLOSING_HEADING)
    return [t for t in texts[start + 1:] if t.startswith("- ")]


def test_units_with_errors_without_a_report_or_lacking_figures_are_listed(drafted, catalogue):
    """The closing list has every unit not sent, unusable or with errors (status), every
    unit missing in a city figure (city.csv) with how many figures lack it, and the units
    without a narrative report."""
    root, _, doc, _ = drafted
    closing = _closing(doc)
    status = read_csv_rows(root / "summary" / "status.csv")
    for row in status:
        where = f"{row['unit_name']} (Phụ lục {catalogue.form(row['form']).number}): "
        if row["status"] == "Có lỗi":
            assert any(c.startswith(f"- {where}số liệu còn {row['errors']} lỗi") for c in closing), where
        if row["status"] == "Chưa nộp":
            assert f"- {where}chưa nộp." in closing
        if row.get("report") == "Chưa nộp":
            assert f"- {row['unit_name']} (báo cáo theo Đề cương): chưa gửi." in closing
    names = {r["unit_code"]: r["unit_name"] for r in status}
    city = read_csv_rows(root / "summary" / "city.csv")
    missing = {(code, r["form"]) for r in city for code in r["missing"].split(";") if code}
    assert missing
    for code, form in missing:
        where = f"- {names[code]} (Phụ lục {catalogue.form(form).number}): "
        assert any(c.startswith(where) for c in closing), where
    counted = {(code, form): sum(code in r["missing"].split(";") for r in city if r["form"] == form)
               for code, form in missing}
    for (code, form), n in counted.items():
        line = next(c for c in closing if c.startswith(f"- {names[code]} (Phụ lục {catalogue.form(form).number})"))
        assert line.endswith("chưa nộp.") or f"thiếu {n}/" in line, line


def test_no_spreadsheet_guard_quote_reaches_the_document(drafted):
    _, _, doc, _ = drafted
    assert not [p.text for p in doc.paragraphs if "'-" in p.text or "'=" in p.text or ": '" in p.text]


def test_bullets_read_back_from_sections_csv_lose_the_formula_guard(drafted, tmp_path, catalogue, registry):
    """sections.csv guards "- …" as "'- …" for spreadsheets; the document gets the bullet."""
    import shutil

    from cchc.report_command import report_input
    from oslayer.fileio import write_csv
    root, _, _, _ = drafted
    summary = tmp_path / "sum"
    shutil.copytree(root / "summary", summary)
    write_csv(summary / "sections.csv", ("unit_code", "unit_name", "section_id", "heading", "text", "file"),
              [("vp", "Văn phòng", "I.1", "h", "'- Đã ban hành 3 kế hoạch\n'=SUM(A1) không phải công thức", "f")])
    data = report_input(summary, catalogue, registry, default_outline(), None)
    assert data.texts["I.1"] == [("Văn phòng", "- Đã ban hành 3 kế hoạch\n'=SUM(A1) không phải công thức")]


@pytest.mark.parametrize("without", [0, 1, 2, 3])
def test_a_chart_draws_the_rows_of_one_unit_each_with_its_own_figures(catalogue, monkeypatch, without):
    """Rows left without figures (fewer than two periods) must not shift the others: each
    line drawn carries its own row's figures, and only rows of the first drawn row's unit
    of measure are drawn. ``without``: how many leading chartable rows have one figure."""
    from harvest import city_report
    from harvest.consolidate import CityValue
    drawn = []
    monkeypatch.setattr(city_report, "line_chart", lambda title, periods, series, unit, *_: drawn.append((series, unit))
                        or _PNG)
    checked = 0
    for form in catalogue.forms.values():
        rows = [r for r in form.input_rows if catalogue.kinds[r.kind].behaviour.numeric
                and form.aggregate_of(r) in ("sum", "mean", "weighted_mean") and len(form.periods) > 1]
        if len(rows) <= without:
            continue
        # A figure of its own for every row and period (row n, period m → n * 100 + m), one
        # period only for the rows left without a line.
        values = {(r.id, p.id): CityValue(n * 100 + m, 1, ())
                  for n, r in enumerate(rows) for m, p in enumerate(form.periods) if n >= without or m == 0}
        drawn.clear()
        assert city_report._chart(docx.Document(), catalogue, form, values, 1, "toàn thành phố")
        [(series, unit)] = drawn
        first = rows[without]
        want = [(r.label, [n * 100 + m for m in range(len(form.periods))])
                for n, r in enumerate(rows) if n >= without and r.unit == first.unit]
        assert (series, unit) == (want, first.unit), form.id
        checked += 1
    assert checked, "no form of the plan has enough rows to chart"


# The smallest valid PNG (1×1, transparent): python-docx reads its size from the header.
_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                     "1f15c4890000000d4944415478da63f8cfc0f01f0005000201e7e5d2d20000000049454e44ae426082")


@pytest.mark.parametrize("form_id", ["PL1", "PL5"])
def test_a_blank_template_returned_after_the_filled_one_is_in_the_closing_list(
        good_inbox, generated, key_file, catalogue, registry, tmp_path, form_id):
    """A unit sends its filled appendix, then (newer) the blank template: the file is
    accepted, the unit gives none of the city's figures, and the closing list names it
    with the appendix and how many figures lack it; the console counts it apart."""
    import os
    import shutil
    from datetime import timedelta

    from samples.fill import write_values
    from tests.conftest import FIXED_TIME
    from tests.hostile_env import harvest_cli
    unit = next(g.unit.code for g in generated[1] if g.form == form_id)
    inbox = tmp_path / "inbox"   # this unit's returns only: the others are simply not sent
    shutil.copytree(good_inbox / unit, inbox / unit)
    blank = inbox / unit / f"{form_id} - gửi lại.xlsx"
    write_values(generated[0] / next(g.path for g in generated[1] if g.form == form_id and g.unit.code == unit),
                 catalogue.form(form_id), {}, blank, saved_at=FIXED_TIME + timedelta(days=1))
    later = (inbox / unit / f"{form_id}.xlsx").stat().st_mtime + 3600
    os.utime(blank, (later, later))
    run = harvest_cli(inbox, tmp_path / "summary", key_file)
    assert run.returncode == 0, run.stderr[-2000:]
    status = {(r["unit_code"], r["form"]): r for r in read_csv_rows(tmp_path / "summary" / "status.csv")}
    assert status[(unit, form_id)]["file"].endswith(blank.name) and status[(unit, form_id)]["status"] != "Chưa nộp"
    result = CliRunner().invoke(cli, ["report", "--summary", str(tmp_path / "summary"), "--out",
                                      str(tmp_path / "bao-cao"), "--templates", str(tmp_path / "none")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    doc = docx.Document(str(tmp_path / "bao-cao" / "bao-cao-tong-ket.docx"))
    form = catalogue.form(form_id)
    cells = len(form.editable_rows(unit)) * len(form.periods)
    line = f"- {registry.unit(unit).name} (Phụ lục {form.number}): thiếu {cells}/{cells} số liệu."
    closing = _closing(doc)
    assert line in closing, closing
    lacking = sum("): thiếu " in c for c in closing)
    assert f"{lacking} phụ lục đã nộp nhưng thiếu số liệu" in result.output


@pytest.mark.parametrize("issuer", ["UBND thành phố Hà Giang", "Ủy ban nhân dân thành phố Hà Giang",
                                    "Ủy ban nhân dân huyện Hoàng Su Phì tỉnh Hà Giang"])
def test_the_issuer_lines_fit_their_column_whole(drafted, catalogue, registry, monkeypatch, issuer):
    """The city's name in the header: each line within its column at its size (from the
    column width and the text's length), broken only between words, the quốc hiệu on one line."""
    from dataclasses import replace

    from cchc.report_command import report_input
    from harvest import city_report
    from tests.docx_fit import cells, wrapped_lines
    monkeypatch.setattr(city_report, "line_chart", lambda *a: _PNG)
    root, _, _, _ = drafted
    data = report_input(root / "summary", catalogue, replace(registry, issuer=issuer), default_outline(), None)
    doc = docx.Document(io.BytesIO(city_report.build_city_report(data)))
    [(_, width, left), (_, right_width, right)] = list(cells(doc.tables[0]))
    lines = [(t, size) for t, size in left if t][:-1]   # the issuer's lines, above "Số: …"
    assert " ".join(t for t, _ in lines) == issuer.upper()
    assert not wrapped_lines(lines, width, 12) and not wrapped_lines(right[:1], right_width, 12)


@pytest.mark.parametrize("name", ["city.csv", "sections.csv", "status.csv"])
@pytest.mark.parametrize("change", ["missing", "edited"])
def test_a_harvest_output_missing_or_edited_is_refused(drafted, tmp_path, name, change):
    """Every harvest output the draft is made of must be the harvest's: a file removed or
    edited by hand stops the report with a Lỗi: naming it (exit 2), and nothing is written.
    A folder without recorded digests is still used, with one Cảnh báo: naming the files."""
    import shutil

    from xlsx_forms import outdir
    root, _, _, _ = drafted
    summary = tmp_path / "sum"
    shutil.copytree(root / "summary", summary)
    if change == "missing":
        (summary / name).unlink()
    else:
        with open(summary / name, "ab") as f:
            f.write(b"\n")
    args = ["report", "--summary", str(summary), "--out", str(tmp_path / "bao-cao"), "--templates",
            str(tmp_path / "none")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    error = [line for line in result.output.splitlines() if line.startswith("Lỗi:")]
    assert error and name in error[0], result.output
    assert not (tmp_path / "bao-cao").exists()
    if change == "edited":   # the same folder without digests: used, with a warning
        marker = summary / outdir.MARKER
        marker.write_text("\n".join(line for line in marker.read_text().splitlines()
                                    if not line.startswith(outdir.DIGEST)) + "\n")
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        warned = [line for line in result.output.splitlines() if line.startswith("Cảnh báo:")]
        assert len(warned) == 1 and all(n in warned[0] for n in ("city.csv", "sections.csv", "status.csv"))


def test_the_tables_ghi_chu_is_in_official_words(catalogue, registry):
    """Every Ghi chú of the report's tables (figures and annex) says what a figure lacks
    as the city appendices do: no issue or rule code, no bare period id; the units
    without a value introduced as such, each once with its periods grouped."""
    from harvest.city_report import ReportInput, build_city_report
    from tests.test_quality_flags import flagged_city, not_official
    city = flagged_city(catalogue, registry)
    doc = docx.Document(io.BytesIO(build_city_report(ReportInput(catalogue, registry, default_outline(), city))))
    forms = {f"Phụ lục {f.number}": f for f in catalogue.forms.values()}
    seen = 0
    for table in doc.tables:
        head = [c.text for c in table.rows[0].cells]
        if "Ghi chú" not in head:
            continue
        before = table._tbl.getprevious()
        while before is not None and not before.xpath("string(.)").startswith(("Phụ lục", "Số liệu tổng hợp")):
            before = before.getprevious()
        form = next(f for k, f in forms.items() if re.search(rf"{k}\b", before.xpath("string(.)")))
        for row in table.rows[1:]:
            note = row.cells[len(row.cells) - 1].text
            assert not not_official(note, form), (form.id, note)
            missing = registry.unit(registry.units[0].code).name
            if note and note != "Ghi chú":   # past the header rows (one or two)
                seen += 1
                assert note.count(f"Thiếu số liệu của: {missing}") == 1, note
    assert seen


@pytest.mark.parametrize("empty", [(3,), (4,), (0,), (3, 4), (1, 2, 3), (5,)])
@pytest.mark.parametrize("why", ["excluded", "missing"])
def test_a_period_without_a_usable_figure_is_said_never_skipped(catalogue, empty, why):
    """A period whose values were all left out (or none given) is named in the row's
    sentence with why, never dropped, and never read as the last (or first) year."""
    from harvest.consolidate import CityValue
    from harvest.report_text import trend
    form = catalogue.form("PL3")
    row = form.row("PL3.1")
    values = {}
    for k, p in enumerate(form.periods):
        if k in empty:
            values[(row.id, p.id)] = (CityValue(None, 0, (), (("vp", "PL3-R01"),)) if why == "excluded"
                                      else CityValue(None, 0, ("vp",)))
        else:
            values[(row.id, p.id)] = CityValue(10 + k, 1, ())
    sentence = trend(catalogue, form, row, values, "Tổng số TTHC")
    words = "không tính 1 giá trị" if why == "excluded" else "thiếu 1 đơn vị"
    for k, p in enumerate(form.periods):
        if k in empty:
            assert re.search(rf"{re.escape(period_words(p))}[^.;]*: không có số liệu dùng được — {words}", sentence), \
                sentence
    whole = [k for k, p in enumerate(form.periods) if not p.partial and k not in empty]
    assert f"{10 + whole[-1]} thủ tục ({period_words(form.periods[whole[-1]])})" in sentence, sentence


@pytest.mark.parametrize("unit, said", [("Thủ tục", "thủ tục"), ("PAKN", "PAKN"), ("Người", "người"),
                                        ("Số TTHC", "số TTHC"), ("Văn bản QPPL", "văn bản QPPL"), ("m2", "m2")])
def test_a_unit_of_measure_keeps_its_acronyms_in_a_sentence(catalogue, unit, said):
    from dataclasses import replace

    from harvest.consolidate import CityValue
    from harvest.report_text import trend
    form = catalogue.form("PL3")
    row = replace(form.row("PL3.1"), unit=unit)
    values = {(row.id, p.id): CityValue(12, 1, ()) for p in form.periods}
    assert f"12 {said} (năm 2015)" in trend(catalogue, form, row, values, "X")


def _ghi_chu_tables(doc) -> int:
    return sum("Ghi chú" in [c.text for c in t.rows[0].cells] for t in doc.tables)


@pytest.mark.parametrize("form_id", ["PL1", "PL3", "PL4", "PL8"])
@pytest.mark.parametrize("case", ["given to none", "sent by none"])
def test_an_appendix_no_unit_gives_prints_no_table_of_dashes(catalogue, registry, form_id, case):
    """An appendix given to no unit is left out of the report's annex and of the city's
    appendices (one line where a section names it); one no unit sent is said once
    ("Chưa đơn vị nào gửi Phụ lục N."), with no table of dashes naming every unit."""
    from dataclasses import replace
    from types import SimpleNamespace

    from harvest.city_appendices import city_sheets
    from harvest.city_report import ReportInput, build_city_report
    from harvest.consolidate import CityValue
    from harvest.report_gaps import NOT_SENT, Gap
    form = catalogue.form(form_id)
    outline = default_outline()
    in_sections = sum(form_id in s.figures for s in outline.sections)
    full = docx.Document(io.BytesIO(build_city_report(ReportInput(catalogue, registry, outline, {}))))
    gaps = []
    if case == "given to none":
        registry = replace(registry, units=tuple(replace(u, forms=tuple(f for f in u.forms if f != form_id))
                                                 for u in registry.units))
    else:
        gaps = [Gap(u.code, u.name, form_id, NOT_SENT, whole=True) for u in registry.units if form_id in u.forms]
    units = [u.code for u in registry.units if form_id in u.forms]
    city = {f.id: {(r.id, p.id): CityValue(None, 0, tuple(units) if f.id == form_id else ())
                   for r in f.input_rows for p in f.periods} for f in catalogue.forms.values()}
    doc = docx.Document(io.BytesIO(build_city_report(ReportInput(catalogue, registry, outline, city, gaps=gaps))))
    assert _ghi_chu_tables(doc) == _ghi_chu_tables(full) - in_sections - 1
    text = [p.text for p in doc.paragraphs]
    assert f"Phụ lục {form.number}: {form.title}" not in text or case == "sent by none"
    if case == "sent by none":
        assert text.count(f"Chưa đơn vị nào gửi Phụ lục {form.number}.") == in_sections + 1, text
    else:
        sheets = [f.id for f, _ in city_sheets(catalogue, registry, SimpleNamespace(used={}), city)]
        assert form_id not in sheets and len(sheets) == len(catalogue.forms) - 1
        assert sum(f"Phụ lục {form.number} ({form.title}): không đơn vị nào được giao." == t
                   for t in text) == in_sections


def test_a_part_year_is_drawn_apart_with_a_short_label(catalogue, monkeypatch):
    """The chart never joins the part year (2020 to 23/3) to the whole years, where its
    count would read as a fall; every tick label is printed whole and short, the part
    year's explained under the axis."""
    from matplotlib.axes import Axes

    from harvest import city_report
    from harvest.consolidate import CityValue
    plotted, ticks = [], []
    real_plot, real_ticks = Axes.plot, Axes.set_xticks
    monkeypatch.setattr(Axes, "plot", lambda ax, xs, ys, **kw: plotted.append((list(xs), kw))
                        or real_plot(ax, xs, ys, **kw))
    monkeypatch.setattr(Axes, "set_xticks", lambda ax, x, labels, **kw: ticks.append(list(labels))
                        or real_ticks(ax, x, labels, **kw))
    checked = 0
    for form in catalogue.forms.values():
        partial = [i for i, p in enumerate(form.periods) if p.partial]
        if not partial:
            continue
        values = {(r.id, p.id): CityValue(100 - 50 * p.partial, 1, ()) for r in form.input_rows for p in form.periods}
        plotted.clear(), ticks.clear()
        if not city_report._chart(docx.Document(), catalogue, form, values, 1, "toàn thành phố"):
            continue
        assert plotted and all(not (set(xs) & set(partial)) or (set(xs) <= set(partial) and kw["linestyle"] == "none")
                               for xs, kw in plotted), (form.id, plotted)
        assert any(set(xs) <= set(partial) for xs, _ in plotted)
        [labels] = ticks
        assert all(len(t) <= 8 and "…" not in t for t in labels), labels
        checked += 1
    assert checked
