"""cchc report: the city's Báo cáo tổng kết drafted from the sample harvest, following the
Đề cương: every heading, the figures of each section (sentences, a table, a chart), the
units' own texts labelled by unit, the annex tables and the units missing; Times New
Roman on A4; rendered by LibreOffice with the headings and figures in the PDF's text."""
from __future__ import annotations

import io
import subprocess
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from cchc.cli import cli
from harvest.city_report import vi_number
from harvest.citycsv import read_city_csv
from tests.hostile_env import read_csv_rows
from xlsx_forms.outline import check_figures, default_outline

REPO = Path(__file__).parents[1]
ARTEFACTS = Path(__file__).parent / "artefacts"


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


def test_each_section_holds_its_figures_and_a_chart(drafted, catalogue):
    root, _, doc, _ = drafted
    city = read_city_csv(root / "summary" / "city.csv", catalogue)
    texts = " ".join(_texts(doc))
    pl3 = catalogue.form("PL3")
    total = city["PL3"][("PL3.1", "2019")].value
    assert f"Phụ lục {pl3.number}: {pl3.title}" in texts
    assert vi_number(total) in texts
    images = [r for r in doc.part.rels.values() if r.reltype.endswith("/image")]
    assert len(images) >= 5
    captions = [p.text for p in doc.paragraphs if p.text.startswith("Biểu đồ ")]
    assert len(captions) == len(images) and all("toàn Thành phố Hà Giang" in c for c in captions)


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


@pytest.mark.office
def test_the_draft_renders_through_libreoffice(drafted, tmp_path, catalogue):
    from tests.office import convert
    _, path, _, _ = drafted
    pdf = convert([path], tmp_path, "pdf")[0]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat and "BÁO CÁO" in flat
    assert "Cải cách thủ tục hành chính" in flat and "PHỤ LỤC SỐ LIỆU TỔNG HỢP" in flat
    assert text.count("\f") >= 10
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
    assert "Số liệu chưa đủ (" in texts and "*" in texts
    for table in doc.tables:
        head = [c.text for c in table.rows[0].cells]
        if "Ghi chú" not in head:
            continue
        note_col = head.index("Ghi chú")
        for row in table.rows[1:]:
            marked = any(c.text.endswith("*") for c in row.cells[3:note_col])
            assert marked == bool(row.cells[note_col].text.strip()) or not marked, [c.text for c in row.cells]


def test_units_with_errors_and_without_a_report_are_listed(drafted):
    root, _, doc, _ = drafted
    status = read_csv_rows(root / "summary" / "status.csv")
    texts = " ".join(p.text for p in doc.paragraphs)
    for row in status:
        if row["status"] == "Có lỗi":
            assert f"{row['unit_name']} ({row['form']}):" in texts
        if row.get("report") == "Chưa nộp":
            assert f"{row['unit_name']} (báo cáo theo Đề cương): chưa gửi" in texts


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
    monkeypatch.setattr(city_report, "line_chart", lambda title, periods, series, unit: drawn.append((series, unit))
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
        assert city_report._chart(docx.Document(), catalogue, form, values, 1, "toàn Thành phố")
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
