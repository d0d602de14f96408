"""The narrative report template per unit (bao-cao_<unit>.docx): official header, every
heading of the Đề cương with its guidance, page and fonts, the signed identity, the
manifest, and the same bytes for the same inputs."""
from __future__ import annotations

import csv
import io
import subprocess
import sys
import zipfile
from dataclasses import replace

import docx
import pytest
from docx.shared import Mm, Pt

from harvest.identify import identity_from
from sheetio.parts import custom_properties
from tests.conftest import FIXED_TIME, TEST_KEY
from tests.docx_fit import broken_words, cells, wrapped_lines
from tests.hostile_env import REPO
from tests.office import ARTEFACTS
from xlsx_forms.generate import generate_all
from xlsx_forms.identity import PROPERTY_PREFIX, verify
from xlsx_forms.outline import default_outline, normalized
from xlsx_forms.registry import Unit
from xlsx_forms.report_doc import MOTTO, NATION, build_report, report_path


@pytest.fixture(scope="module")
def outline():
    return default_outline()


@pytest.fixture(scope="module")
def made(tmp_path_factory, catalogue, registry, options, outline):
    out = tmp_path_factory.mktemp("reports")
    return out, generate_all(catalogue, registry, out, options, outline=outline)


def _doc(out, unit):
    return docx.Document(str(out / report_path(unit)))


def test_one_report_per_unit_listed_in_the_manifest(made, registry, outline):
    out, files = made
    reports = [g for g in files if g.form == outline.id]
    assert [g.unit.code for g in reports] == [u.code for u in registry.units]
    rows = list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text(encoding="utf-8-sig"))))
    listed = {(r["unit_code"], r["file"]) for r in rows if r["form"] == outline.id}
    assert listed == {(u.code, report_path(u.code)) for u in registry.units}
    assert all((out / rel).is_file() for _, rel in listed)


@pytest.mark.parametrize("unit", ["tu-phap", "p-tran-phu", "ttvhttdl"])
def test_official_header(made, registry, unit):
    out, _ = made
    doc = _doc(out, unit)
    left, right = doc.tables[0].rows[0].cells
    # A line may be broken between words (a long name on two lines), never inside one.
    assert [" ".join(p.text.split()) for p in left.paragraphs if p.text][:2] == [registry.issuer.upper(),
                                                                                registry.unit(unit).name.upper()]
    assert left.paragraphs[1].runs[0].bold
    number = [p.text for p in left.paragraphs if p.text][2]
    assert number.startswith("Số:") and "/BC-" in number
    texts = [p.text for p in right.paragraphs if p.text]
    assert texts[:2] == [NATION, MOTTO]
    assert texts[2].startswith(f"{registry.place}, ngày") and texts[2].endswith("năm 2020")
    nation, motto = right.paragraphs[0].runs[0], right.paragraphs[1].runs[0]
    # Nghị định 30/2020: quốc hiệu in capitals, bold, 12–13 pt; tiêu ngữ bold 13–14 pt, underlined.
    assert nation.bold and motto.bold and motto.underline and not nation.underline
    assert Pt(12) <= nation.font.size <= Pt(13) <= motto.font.size <= Pt(14)
    date_line = right.paragraphs[3].runs[0]
    assert date_line.italic


def test_title_and_every_heading_in_order_with_its_guidance(made, outline):
    out, _ = made
    doc = _doc(out, "tu-phap")
    paragraphs = doc.paragraphs
    texts = [p.text for p in paragraphs]
    assert outline.kind in texts and outline.title in texts
    headings = [(p.style.name, normalized(p.text)) for p in paragraphs if p.style.name.startswith("Heading")]
    assert headings == [(f"Heading {s.level}", normalized(s.printed)) for s in outline.sections]
    at = {normalized(p.text): i for i, p in enumerate(paragraphs) if p.style.name.startswith("Heading")}
    for s in outline.sections:
        i = at[normalized(s.printed)]
        block = paragraphs[i + 1:i + 2 + len(s.guidance)]
        assert [p.text for p in block[:-1]] == list(s.guidance), s.id
        assert all(p.style.name == "Hướng dẫn" for p in block[:-1])
        assert block[-1].text == "" and block[-1].style.name == "Normal", s.id   # the unit writes here
    guide = doc.styles["Hướng dẫn"].font
    assert guide.italic and guide.color.rgb != docx.shared.RGBColor(0, 0, 0)
    assert paragraphs[-1].text == outline.note or outline.note in texts


def test_page_and_fonts(made):
    out, _ = made
    doc = _doc(out, "vp")
    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.1) and abs(section.page_height - Mm(297)) < Mm(0.1)   # A4
    slack = Mm(0.1)   # the page is stored in twentieths of a point
    assert Mm(20) - slack <= section.top_margin <= Mm(25) and Mm(20) - slack <= section.bottom_margin <= Mm(25)
    assert Mm(30) - slack <= section.left_margin <= Mm(35) and Mm(15) - slack <= section.right_margin <= Mm(20)
    for name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Heading 4", "Hướng dẫn"):
        font = doc.styles[name].font
        assert font.name == "Times New Roman" and Pt(12) <= font.size <= Pt(14), name
    body = doc.styles["Normal"].font
    assert Pt(13) <= body.size <= Pt(14)
    styles = zipfile.ZipFile(out / report_path("vp")).read("word/styles.xml")
    assert b"asciiTheme" not in styles   # no theme font overrides Times New Roman


def test_identity_verifies_and_names_unit_outline_and_version(made, outline):
    out, files = made
    for g in (g for g in files if g.form == outline.id):
        props = custom_properties(zipfile.ZipFile(out / g.rel).read("docProps/custom.xml"), PROPERTY_PREFIX)
        ident = identity_from(props)
        assert ident == g.identity and verify(TEST_KEY, ident)
        assert (ident.form, ident.unit, ident.spec_version, ident.fingerprint) == (
            outline.id, g.unit.code, outline.version, outline.fingerprint)
    assert not verify(bytes(32), ident)


def _generate(out, key_file, epoch):
    return subprocess.run([sys.executable, "-m", "cchc", "generate", "--key-file", str(key_file), "--out", str(out)],
                          capture_output=True, text=True, cwd=REPO, timeout=300,
                          env={**__import__("os").environ, "SOURCE_DATE_EPOCH": str(epoch), "PYTHONPATH": str(REPO)})


def test_same_inputs_same_bytes_under_source_date_epoch(tmp_path, key_file):
    runs = [_generate(tmp_path / name, key_file, 1584000000) for name in ("a", "b")]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr[-2000:]
    a = sorted((tmp_path / "a").rglob("*.docx"))
    assert len(a) == 15
    for path in a:
        assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes(), path
    later = _generate(tmp_path / "c", key_file, 1584000060)
    assert later.returncode == 0
    assert (tmp_path / "c" / report_path("vp")).read_bytes() != (tmp_path / "a" / report_path("vp")).read_bytes()


def test_only_when_every_form_is_made(tmp_path, catalogue, registry, options, outline):
    files = generate_all(catalogue, registry, tmp_path / "t", options, ("PL2",), outline=outline)
    assert {g.form for g in files} == {"PL2"} and not list((tmp_path / "t").rglob("*.docx"))


# Issuers and unit names from short to longer than any column: each header line must fit its
# column whole, broken between words only.
LONG_NAMES = ["UBND xã Pả Vi", "UBND phường Nguyễn Trãi", "Trung tâm Văn hóa - Thông tin và Du lịch",
              "Ban Quản lý các dự án đầu tư xây dựng và phát triển quỹ đất thành phố",
              "Trung tâm Phát triển quỹ đất, Giải phóng mặt bằng và Dịch vụ công ích đô thị thành phố Hà Giang",
              "Khuyếnnôngkhuyếnlâmkhuyếnngư"]   # one word wider than the column: alone on its line


def _header_lines(data: bytes):
    doc = docx.Document(io.BytesIO(data))
    [(_, width, left), (_, right_width, right)] = list(cells(doc.tables[0]))
    return doc, width, [t for t, _ in left if t], right_width, right


@pytest.mark.parametrize("name", LONG_NAMES)
@pytest.mark.parametrize("issuer", ["UBND thành phố Hà Giang", "Ủy ban nhân dân thành phố Hà Giang tỉnh Hà Giang"])
def test_header_lines_fit_their_column_whole_words(outline, registry, name, issuer):
    unit = Unit("u", name, "phong", "u@example.org", ("PL1",))
    reg = replace(registry, issuer=issuer, units=(unit,))
    doc, width, left, right_width, right = _header_lines(
        build_report(outline, reg, unit, TEST_KEY, FIXED_TIME, 2020)[0])
    assert " ".join(left[:-1]) == f"{issuer.upper()} {name.upper()}"   # every word, in order, none split
    too_wide = wrapped_lines([(t, 12) for t in left[:-1]], width, 12)
    assert all(len(t.split()) == 1 for t in too_wide), too_wide   # only a word wider than the column
    assert not wrapped_lines(right[:1], right_width, 12)   # the quốc hiệu on one line
    assert not broken_words(doc, 12) or name == LONG_NAMES[-1]


@pytest.mark.office
def test_template_renders_through_libreoffice(registry, tmp_path, outline):
    """The template as LibreOffice prints it: A4, a handful of pages, the header (each
    issuer line whole), title and every heading present; the first page kept as a PNG."""
    from tests.office import convert
    unit = "ttvhttdl"   # the longest name of the registry: two lines in its header
    source = tmp_path / f"bao-cao_{unit}.docx"
    source.write_bytes(build_report(outline, registry, registry.unit(unit), TEST_KEY, FIXED_TIME, 2020)[0])
    pdf = convert([source], tmp_path / "pdf", "pdf")[0]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert "(A4)" in info and 6 <= pages <= 14, info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())   # pdftotext splits some Vietnamese words by glyph position
    for needle in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                   registry.unit(unit).name.upper(), outline.kind, *(s.printed for s in outline.sections)):
        assert all(word in flat for word in needle.split()), needle
    laid = subprocess.run(["pdftotext", "-layout", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout   # (without -layout, a line ending in "-" is joined to the next)
    lines = ["".join(line.split()) for line in laid.splitlines()]
    _, _, left, _, _ = _header_lines(source.read_bytes())
    for line in left[:-1]:   # each header line printed whole on one line, as laid out
        assert any("".join(line.split()) in printed for printed in lines), (line, lines[:8])
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(ARTEFACTS / f"bao-cao_{unit}_trang-1")], check=True)
    assert (ARTEFACTS / f"bao-cao_{unit}_trang-1.png").stat().st_size > 10_000
