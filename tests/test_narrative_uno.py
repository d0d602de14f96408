"""Issue 12, "Done when": a narrative report written in LibreOffice Writer (UNO) and saved
as .docx and .odt is harvested with its sections; the identity survives both formats.
The writing is done by tests/uno_write.py (see there)."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from harvest.narrative import process_document, sniff
from tests.conftest import TEST_KEY
from tests.narrative_docs import template
from tests.test_percent_uno import _uno_python
from xlsx_forms.outline import default_outline

pytestmark = pytest.mark.office
DRIVER = Path(__file__).with_name("uno_write.py")
UNIT = "p-minh-khai"
WRITE = {"I.1": "Phường ban hành 5 kế hoạch cải cách hành chính.\nTổ chức 3 hội nghị quán triệt; 210 lượt người dự.",
         "II.6.2": "Đường truyền chậm; thiếu máy quét.", "P3.3": "Không."}
OVERWRITE = {"I.2": "Năm 2019 kiểm tra 4 tổ dân phố."}   # typed over the section's first guidance line


@pytest.fixture(scope="module")
def written(registry, tmp_path_factory):
    """format → (harvest result of the saved file, the driver's report)."""
    python = _uno_python()
    if python is None:
        if os.environ.get("CI"):
            pytest.fail("no Python with the uno module (python3-uno) in CI")
        pytest.skip("no Python with the uno module (install python3-uno)")
    outline = default_outline()
    tmp = tmp_path_factory.mktemp("uno-writer")
    (tmp / "template.docx").write_bytes(template(outline, registry, UNIT, TEST_KEY))
    job = {"template": str(tmp / "template.docx"), "out_dir": str(tmp / "out"), "timeout": 120,
           "formats": ["docx", "odt"],
           "write": {outline.section(sid).printed: text for sid, text in WRITE.items()},
           "overwrite": {outline.section(sid).guidance[0]: text for sid, text in OVERWRITE.items()}}
    (tmp / "job.json").write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run([python, str(DRIVER), str(tmp / "job.json")], capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    out = {}
    for fmt, path in report["saved"].items():
        data = Path(path).read_bytes()
        out[fmt] = process_document(f"báo cáo.{fmt}", data, 0.0, sniff(data), outline, registry, TEST_KEY), data
    return outline, out


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_written_in_writer_harvested_with_its_sections(written, fmt):
    outline, out = written
    result, data = out[fmt]
    assert sniff(data) == fmt
    assert (result.accepted, result.unit, result.form, result.signature_ok) == (True, UNIT, outline.id, True)
    got = {k: v.value for k, v in result.values.items()}
    assert got == {**WRITE, **OVERWRITE}
    codes = {i.code for i in result.issues}
    assert "N-HEADING" not in codes and codes <= {"N-EMPTY", "N-GUIDANCE"}
    covered = {i.message.split("Mục ")[1].split(" ")[0] for i in result.issues}
    assert covered == set(outline.leaves) - set(WRITE) - set(OVERWRITE)
    assert result.saved_at is not None


ARTEFACTS = Path(__file__).parent / "artefacts"   # the one folder of rendered pages (README)


def test_template_renders_through_libreoffice(registry, tmp_path):
    """The template as LibreOffice prints it: A4, a handful of pages, the header, title and
    every heading present; the first page kept as a PNG for a person to look at."""
    from samples.office import convert
    outline = default_outline()
    source = tmp_path / f"bao-cao_{UNIT}.docx"
    source.write_bytes(template(outline, registry, UNIT, TEST_KEY))
    pdf = convert([source], tmp_path / "pdf", "pdf", tmp_path / "profile")[0]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert "(A4)" in info and 6 <= pages <= 14, info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())   # pdftotext splits some Vietnamese words by glyph position
    for needle in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                   registry.unit(UNIT).name.upper(), outline.kind, *(s.printed for s in outline.sections)):
        assert all(word in flat for word in needle.split()), needle
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(ARTEFACTS / f"bao-cao_{UNIT}_trang-1")], check=True)
    assert (ARTEFACTS / f"bao-cao_{UNIT}_trang-1.png").stat().st_size > 10_000
