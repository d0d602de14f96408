"""Build samples/inbox: what the consolidator might find after the deadline.

Deterministic: fixed key (samples/demo-hmac.key, for the demo only), fixed generation
time, seeded random values, fixed saved times. Run ``python -m samples.build_samples``
(needs LibreOffice headless for the one file saved by LibreOffice).
"""
from __future__ import annotations

import random
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import openpyxl

from oslayer.fileio import atomic_write_bytes
from xlsx_forms.model import Catalogue
from xlsx_forms.outline import default_outline
from xlsx_forms.registry import DEFAULT_REGISTRY, Registry, load_registry
from xlsx_forms.report_doc import build_report
from xlsx_forms.spec_loader import default_catalogue
from xlsx_forms.writer import GenerateOptions, build_workbook

from .fill import restamp, valid_values, write_values
from .office import convert
from .report_fill import fill

HERE = Path(__file__).parent
INBOX = HERE / "inbox"
DEMO_KEY = HERE / "demo-hmac.key"
VN = timezone(timedelta(hours=7))
GENERATED = datetime(2020, 3, 12, 8, 0, tzinfo=VN)
DEADLINE = date(2020, 3, 23)
NEVER_REPLIED = "x-phuong-thien"


@dataclass
class SampleFile:
    """One file put in the inbox, what was typed, and what the harvest should read."""

    rel: str
    unit: str
    form: str
    saved_at: datetime
    typed: dict = field(default_factory=dict)      # (row, period) -> raw value typed
    expected: dict = field(default_factory=dict)   # (row, period) -> value to use (None: unusable)
    used: bool = True                              # the file that counts for (unit, form)


def _when(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2020, 3, day, hour, minute, tzinfo=VN)


def _preparer(unit_name: str, rnd: random.Random) -> tuple[str, str, str]:
    family = rnd.choice(["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng"])
    given = rnd.choice(["Thị Hà", "Văn Minh", "Thị Lan", "Đức Thắng", "Thị Hương", "Văn Hùng"])
    return f"{family} {given}", f"0219 38{rnd.randint(10000, 99999)}", "lienhe@tp-hagiang.example"


def build(inbox: Path, catalogue: Catalogue, registry: Registry, key: bytes,
          libreoffice: bool = True) -> list[SampleFile]:
    """Write the sample inbox; return every file with what it holds."""
    rnd = random.Random(372)
    opts = GenerateOptions(key=key, generated_at=GENERATED.astimezone(timezone.utc), deadline=DEADLINE)
    work = Path(tempfile.mkdtemp(prefix="cchc-samples-"))
    files: list[SampleFile] = []

    def template(unit_code: str, form_id: str) -> Path:
        path = work / "templates" / f"{form_id}_{unit_code}.xlsx"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            unit = registry.unit(unit_code)
            path.write_bytes(build_workbook(catalogue, registry, unit, catalogue.form(form_id), opts)[0])
        return path

    def send(rel: str, unit_code: str, form_id: str, saved: datetime, changes=None, expected=None,
             notes=None, edit=None, used=True, target: Path | None = None) -> SampleFile:
        form = catalogue.form(form_id)
        values = valid_values(form, unit_code, rnd)
        exp = dict(values)
        values.update(changes or {})
        exp.update(changes or {})
        exp.update(expected or {})
        out = target or inbox / rel
        write_values(template(unit_code, form_id), form, values, out, saved_at=saved,
                     preparer=_preparer(registry.unit(unit_code).name, rnd), notes=notes, edit=edit)
        sample = SampleFile(rel, unit_code, form_id, saved, values, exp, used)
        files.append(sample)
        return sample

    # Ordinary, on-time returns of PL1 (all units but the special cases below).
    special = {NEVER_REPLIED, "p-tran-phu", "p-minh-khai", "kinh-te", "x-ngoc-duong", "p-ngoc-ha"}
    for i, unit in enumerate(registry.units):
        if "PL1" in unit.forms and unit.code not in special:
            day = 16 + i % 6
            send(f"2020-03-{day}/Phụ lục 1 - {unit.name}.xlsx", unit.code, "PL1", _when(day, 9 + i % 7),
                 notes={"PL1.4": "Mô hình «Một cửa thân thiện» áp dụng từ năm 2018"} if unit.code == "vp" else
                 {"PL1.1": "=HYPERLINK(\"http://example.invalid\",\"xem\") (ghi chú, không phải công thức)"}
                 if unit.code == "vhtt" else None)
    # A resubmission with changed values: the later one counts.
    first = send("2020-03-18/Phụ lục 1 - Trần Phú.xlsx", "p-tran-phu", "PL1", _when(18, 10),
                 changes={("PL1.1", "2019"): 12, ("PL1.4", "2019"): 1}, used=False)
    send("2020-03-21/Phụ lục 1 - Trần Phú (sửa lại).xlsx", "p-tran-phu", "PL1", _when(21, 15),
         changes={**first.typed, ("PL1.1", "2019"): 15, ("PL1.4", "2019"): 2})
    # Numbers typed as Vietnamese text, one of them ambiguous.
    send("2020-03-19/PL1_phuong_Minh_Khai.xlsx", "p-minh-khai", "PL1", _when(19, 16),
         changes={("PL1.6.a", "2019"): 4, ("PL1.6.b", "2019"): "1.200", ("PL1.6.c", "2019"): "87,5",
                  ("PL1.6.c", "2018"): "92%", ("PL1.1", "2017"): "\u00a015\u00a0",
                  ("PL1.6.a", "2018"): 3, ("PL1.6.b", "2018"): "1,250"},
         expected={("PL1.6.b", "2019"): 1200, ("PL1.6.c", "2019"): 87.5, ("PL1.6.c", "2018"): 92.0,
                   ("PL1.1", "2017"): 15, ("PL1.6.b", "2018"): None})
    # Percentages typed as fractions: in a cell formatted as % (read ×100) and in a cell
    # that kept the template's format (0.875: a fraction assumed, with a warning).
    def percent_format(ws, layout):
        ws[layout.input_at("PL1.6.c", "2019").a1].number_format = "0%"
    send("2020-03-20/Phụ lục 1 - Ngọc Đường.xlsx", "x-ngoc-duong", "PL1", _when(20, 8),
         changes={("PL1.6.c", "2019"): 0.9, ("PL1.6.c", "2018"): 0.875},
         expected={("PL1.6.c", "2019"): 90.0, ("PL1.6.c", "2018"): 87.5}, edit=percent_format)
    # A required cell left empty (a warning), in a file whose name is in NFD.
    send(unicodedata.normalize("NFD", "2020-03-17/Phụ lục 1 - Ngọc Hà.xlsx"), "p-ngoc-ha", "PL1",
         _when(17, 14), changes={("PL1.4", "2015"): None}, expected={("PL1.4", "2015"): None})
    # Late.
    send("2020-03-25/PL1 Phong Kinh te.xlsx", "kinh-te", "PL1", _when(25, 9, 30))
    # Rule violations: total ≠ parts, PAKN resolved > received.
    send("2020-03-20/Phụ lục 3 - Văn phòng.xlsx", "vp", "PL3", _when(20, 17),
         changes={("PL3.1", "2018"): 999, ("PL3.6.a", "2019"): 10, ("PL3.6.b", "2019"): 14,
                  ("PL3.6.c", "2019"): 9})
    send("2020-03-19/Phụ lục 2 - Tư pháp.xlsx", "tu-phap", "PL2", _when(19, 11))
    for form_id in ("PL4", "PL6"):
        send(f"2020-03-22/{form_id} - Ban TCNV.xlsx", "tcnv", form_id, _when(22, 10))
    for unit_code in ("vp", "tcnv", "vhtt"):
        send(f"2020-03-22/Phụ lục 8 - {unit_code}.xlsx", unit_code, "PL8", _when(22, 15))
    # The same file sent twice.
    dup = send("2020-03-19/PL7 VHTT.xlsx", "vhtt", "PL7", _when(19, 9))
    (inbox / "2020-03-20").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(inbox / dup.rel, inbox / "2020-03-20/PL7 VHTT - gửi lại.xlsx")
    files.append(SampleFile("2020-03-20/PL7 VHTT - gửi lại.xlsx", "vhtt", "PL7", dup.saved_at,
                            dup.typed, dup.expected, used=False))
    # A form not assigned to the unit (Phòng Tài chính - Kế hoạch sends the finance appendix).
    send("2020-03-21/PL6 - Phòng TCKH.xlsx", "tckh", "PL6", _when(21, 9), used=False)
    # Saved by LibreOffice, with a formula typed into an input cell.
    lo_rel = "2020-03-22/Phụ lục 5 - Ban TCNV (LibreOffice).xlsx"
    filled = work / "PL5_tcnv.xlsx"

    def formula(ws, layout):
        ws[layout.input_at("PL5.3", "2019").a1].value = "=3+2"
    # Filled in any case, so the random values of later files never depend on LibreOffice.
    s = send(lo_rel, "tcnv", "PL5", _when(22, 16), target=filled, edit=formula,
             changes={("PL5.3", "2019"): 5})
    if not libreoffice:
        files.remove(s)
    else:
        saved = convert([filled], work / "lo", "xlsx")[0]
        (inbox / lo_rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(saved, inbox / lo_rel)
        s.rel = lo_rel
    # Typed again into a new workbook: no identity.
    wb = openpyxl.Workbook()
    wb.properties.created = _when(20, 9).astimezone(timezone.utc).replace(tzinfo=None)
    ws = wb.active
    ws.title = "PL1"
    for r, row in enumerate(catalogue.form("PL1").rows, 1):
        ws.cell(r, 1, row.stt)
        ws.cell(r, 2, row.label)
        ws.cell(r, 3, rnd.randint(0, 9) if row.is_input else None)
    retyped = work / "retyped.xlsx"
    wb.save(retyped)
    atomic_write_bytes(inbox / "2020-03-20/Phụ lục 1 nhập lại.xlsx",
                       restamp(retyped.read_bytes(), _when(20, 10)))
    (inbox / "2020-03-20/ghi chú.txt").write_text("Xin gửi Ban các phụ lục.\n", encoding="utf-8")
    narrative_reports(inbox, registry, key)
    shutil.rmtree(work, ignore_errors=True)
    return files


# A signed copy scanned to PDF: received, listed, not read (N-NOT-READ).
SIGNED_PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
              b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def narrative_reports(inbox: Path, registry: Registry, key: bytes) -> None:
    """The units' narrative reports (Đề cương báo cáo), written on their templates: a full
    one (Phòng Tư pháp) and its signed PDF, a corrected resubmission (phường Trần Phú), one
    with most sections still holding only the guidance (Văn phòng). Not SampleFiles: they
    hold text, not values; test_narrative checks what the harvest reads from them."""
    outline = default_outline()
    when = GENERATED.astimezone(timezone.utc)

    def report(rel: str, unit: str, texts: dict[str, str], saved: datetime, **how) -> None:
        data = build_report(outline, registry, registry.unit(unit), key, when, DEADLINE.year)[0]
        atomic_write_bytes(inbox / rel, fill(data, outline, texts, saved_at=saved.astimezone(timezone.utc),
                                             **how))

    report("2020-03-19/Báo cáo tổng kết CCHC - Phòng Tư pháp.docx", "tu-phap", {
        s.id: f"Phòng Tư pháp báo cáo nội dung «{s.heading}»: đã thực hiện đầy đủ theo kế hoạch."
        for s in outline.sections if s.id in outline.leaves}, _when(19, 11, 30), drop_guidance=True)
    (inbox / "2020-03-19/Báo cáo tổng kết CCHC - Phòng Tư pháp (bản ký).pdf").write_bytes(SIGNED_PDF)
    report("2020-03-18/Báo cáo Trần Phú.docx", "p-tran-phu",
           {"I.1": "Phường ban hành 4 kế hoạch CCHC.", "II.2.1": "Công khai 98% thủ tục."}, _when(18, 10, 30))
    report("2020-03-21/Báo cáo Trần Phú (sửa lại).docx", "p-tran-phu",
           {"I.1": "Phường ban hành 5 kế hoạch CCHC giai đoạn 2016-2020.", "II.2.1": "Công khai 100% thủ tục.",
            "P3.3": "Đề nghị bố trí thêm 01 công chức tại Bộ phận một cửa."}, _when(21, 15, 30))
    report("2020-03-20/BC tổng kết VP.docx", "vp", {"I.1": "Văn phòng tham mưu ban hành 9 kế hoạch CCHC.",
                                                   "P2.6": "Hoàn thiện phần mềm một cửa điện tử."}, _when(20, 17, 30))


def main() -> None:
    """Rebuild samples/inbox from scratch."""
    catalogue = default_catalogue()
    registry = load_registry(DEFAULT_REGISTRY, catalogue)
    key = bytes.fromhex(DEMO_KEY.read_text().strip())
    if INBOX.exists():
        shutil.rmtree(INBOX)
    INBOX.mkdir(parents=True)
    files = build(INBOX, catalogue, registry, key)
    print(f"{len(files)} tệp mẫu trong {INBOX}")


if __name__ == "__main__":
    main()
