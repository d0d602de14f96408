"""The narrative report template per unit (bao-cao_<unit>.docx): official header, every
heading of the Đề cương with its guidance, page and fonts, the signed identity, the
manifest, and the same bytes for the same inputs."""
from __future__ import annotations

import csv
import io
import subprocess
import sys
import zipfile

import docx
import pytest
from docx.shared import Mm, Pt

from harvest.identify import identity_from
from sheetio.parts import custom_properties
from tests.conftest import TEST_KEY
from tests.hostile_env import REPO
from xlsx_forms.generate import generate_all
from xlsx_forms.identity import PROPERTY_PREFIX, verify
from xlsx_forms.outline import default_outline, normalized
from xlsx_forms.report_doc import MOTTO, NATION, report_path


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
    assert [p.text for p in left.paragraphs if p.text][:2] == [registry.issuer.upper(),
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
