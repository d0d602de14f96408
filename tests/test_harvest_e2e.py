"""generate → fill (openpyxl and LibreOffice) → harvest, on the sample scenario."""
from __future__ import annotations

import csv
import io
import subprocess
import unicodedata
from datetime import date

import openpyxl
import pytest

from harvest.run import harvest
from samples.build_samples import DEMO_KEY, NEVER_REPLIED, build
from tests.oracle import city_marks, city_totals, counted, expected_marks
from xlsx_forms.layout import form_layout

pytestmark = pytest.mark.office
KEY = bytes.fromhex(DEMO_KEY.read_text().strip())


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, catalogue, registry):
    inbox = tmp_path_factory.mktemp("inbox")
    samples = build(inbox, catalogue, registry, KEY, libreoffice=True)
    out = tmp_path_factory.mktemp("out") / "summary"
    result = harvest(inbox, out, catalogue, registry, KEY, date(2020, 3, 23))
    return samples, result, out


def _csv(path):
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def test_exact_city_totals(scenario, catalogue, registry):
    samples, result, _ = scenario
    # Each value read, or unusable (its own error): the oracle leaves out what breaks an error rule.
    typed = {(s.unit, s.form): {k: (v, "" if v is not None else "unusable", []) for k, v in s.expected.items()
                                if s.typed.get(k) is not None} for s in samples if s.used}
    used = {key: counted(t, city_marks(catalogue.form(key[1]), expected_marks(catalogue.form(key[1]), t)))
            for key, t in typed.items()}
    expected = city_totals(catalogue, registry, used)
    for (form_id, row_id, period), value in expected.items():
        got = result.city[form_id][(row_id, period)].value
        assert got == (pytest.approx(value) if isinstance(value, float) else value), (form_id, row_id, period)
    missing = result.city["PL1"][("PL1.1", "2019")].missing
    assert missing == (NEVER_REPLIED,)
    assert result.city["PL1"][("PL1.4", "2015")].missing == ("p-ngoc-ha", NEVER_REPLIED)
    # The office's total that is not the sum of its parts is left out, and named.
    assert result.city["PL3"][("PL3.1", "2018")].excluded == (("vp", "PL3-R01"),)
    assert result.city["PL3"][("PL3.6.b", "2019")].excluded == (("vp", "PL3-R04"),)


def test_issue_codes_at_exact_cells(scenario):
    _, result, _ = scenario
    found = {(i.code, unicodedata.normalize("NFC", i.file), i.cell) for i in result.issues}
    mk = "2020-03-19/PL1_phuong_Minh_Khai.xlsx"
    for expected in [
        ("V-TEXT-NUMBER", mk, "F10"), ("V-AMBIGUOUS", mk, "G22"), ("V-TEXT-NUMBER", mk, "H22"),
        ("V-TEXT-NUMBER", mk, "G23"), ("V-TEXT-NUMBER", mk, "H23"),
        ("V-PERCENT-FRACTION", "2020-03-20/Phụ lục 1 - Ngọc Đường.xlsx", "H23"),
        ("V-PERCENT-ASSUMED", "2020-03-20/Phụ lục 1 - Ngọc Đường.xlsx", "G23"),
        ("V-REQUIRED", "2020-03-17/Phụ lục 1 - Ngọc Hà.xlsx", "D18"),
        ("PL3-R01", "2020-03-20/Phụ lục 3 - Văn phòng.xlsx", "G10"),
        ("PL3-R04", "2020-03-20/Phụ lục 3 - Văn phòng.xlsx", "H28"),
        ("V-FORMULA", "2020-03-22/Phụ lục 5 - Ban TCNV (LibreOffice).xlsx", "H16"),
        ("R-LATE", "2020-03-25/PL1 Phong Kinh te.xlsx", ""),
        ("R-SUPERSEDED", "2020-03-18/Phụ lục 1 - Trần Phú.xlsx", ""),
        ("R-DUPLICATE", "2020-03-20/PL7 VHTT - gửi lại.xlsx", ""),
        ("R-UNASSIGNED", "2020-03-21/PL6 - Phòng TCKH.xlsx", ""),
        ("F-NO-IDENTITY", "2020-03-20/Phụ lục 1 nhập lại.xlsx", ""),
        ("F-UNREADABLE", "2020-03-20/ghi chú.txt", ""),
        ("R-MISSING", "", ""),
    ]:
        assert expected in found, expected
    # One wrong cell gives one error: the ambiguous sample count breaks no rule on top.
    assert not [i for i in result.issues if i.code.startswith("PL1-") and i.file == mk]
    errors = {(i.code, i.cell) for i in result.issues if i.severity == "error" and i.code.startswith("PL")}
    assert errors == {("PL3-R01", "G10"), ("PL3-R04", "H28")}
    missing = [i for i in result.issues if i.code == "R-MISSING"]
    assert [(i.unit_code, i.form) for i in missing] == [(NEVER_REPLIED, "PL1")]


def test_statuses(scenario, registry):
    _, result, _ = scenario
    got = {(s.unit, s.form): s.status for s in result.reconciliation.statuses}
    special = {("p-minh-khai", "PL1"): "Có lỗi", ("vp", "PL3"): "Có lỗi", ("kinh-te", "PL1"): "Nộp muộn",
               (NEVER_REPLIED, "PL1"): "Chưa nộp", ("tckh", "PL6"): "Không được giao"}
    for key, status in special.items():
        assert got.pop(key) == status, key
    assert set(got.values()) == {"Đã nộp"}
    assert len(got) == len(registry.assignments()) - 4


def test_superseded_file_and_its_changes(scenario):
    _, result, out = scenario
    ledger = {r["path"]: r for r in _csv(out / "ledger.csv")}
    old, new = "2020-03-18/Phụ lục 1 - Trần Phú.xlsx", "2020-03-21/Phụ lục 1 - Trần Phú (sửa lại).xlsx"
    assert (ledger[old]["outcome"], ledger[new]["outcome"]) == ("superseded", "used")
    assert ledger["2020-03-20/PL7 VHTT - gửi lại.xlsx"]["outcome"] == "duplicate"
    message = next(i.message for i in result.issues if i.code == "R-SUPERSEDED")
    assert "H10: 12 → 15" in message and "H18: 1 → 2" in message
    assert {r["outcome"] for r in ledger.values()} == {"used", "superseded", "duplicate", "rejected"}
    assert all(len(r["sha256"]) == 64 for r in ledger.values())


def test_values_csv_holds_every_filled_cell_where_it_was(scenario, catalogue):
    samples, _, out = scenario
    rows = {(r["unit_code"], r["form"], r["row_id"], r["period"]): r for r in _csv(out / "values.csv")}
    count = 0
    for s in samples:
        if not s.used:
            continue
        form = catalogue.form(s.form)
        layout = form_layout(form)
        for (row_id, period), raw in s.typed.items():
            if raw is None:
                continue
            r = rows[(s.unit, s.form, row_id, period)]
            assert r["file"] == unicodedata.normalize("NFC", s.rel)
            assert (r["sheet"], r["cell"]) == (layout.sheet_name, layout.input_at(row_id, period).a1)
            value = s.expected[(row_id, period)]
            if value is None or isinstance(value, str):
                shown = raw if value is None else value
            else:
                shown = int(value) if float(value).is_integer() else value
            assert r["value"] == str(shown)
            count += 1
    assert count == sum(1 for r in rows.values() if r["period"] != "ghi_chu")


def test_text_from_files_stays_inert(scenario):
    _, _, out = scenario
    notes = [r for r in _csv(out / "values.csv") if r["period"] == "ghi_chu"]
    hyperlink = next(r for r in notes if r["unit_code"] == "vhtt")
    assert hyperlink["value"].startswith("'=HYPERLINK(")
    wb = openpyxl.load_workbook(out / "tong-hop-cchc.xlsx")
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)


def test_summary_workbook_sheets_and_values(scenario, catalogue):
    _, result, out = scenario
    wb = openpyxl.load_workbook(out / "tong-hop-cchc.xlsx")
    names = wb.sheetnames
    assert names[0] == "Tổng quan" and names[-2:] == ["Tình trạng nộp", "Vấn đề"]
    for form in catalogue.forms.values():
        assert f"Phụ lục {form.number}" in names and f"PL{form.number} theo đơn vị" in names
    ws = wb["Phụ lục 1"]
    assert [ws.cell(r, 2).value for r in range(5, 5 + len(catalogue.form("PL1").rows))] == \
           [r.label for r in catalogue.form("PL1").rows]
    assert ws["C4"].value == "Đơn vị tính" and ws["C5"].value == "Văn bản"   # as in the template
    assert ws["D5"].value == result.city["PL1"][("PL1.1", "2015")].value  # periods start in column D
    assert ws.auto_filter.ref is None and wb["Vấn đề"].auto_filter.ref
    issues_sheet = wb["Vấn đề"]
    assert issues_sheet.max_row == len(result.issues) + 1
    overview = wb["Tổng quan"]
    assert overview._charts


def _pdf_pages(pdf) -> list[str]:
    """The text of each page of ``pdf``, without white space: pdftotext splits some
    Vietnamese words by glyph position ("c ủa"), so texts are compared without it."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")[:count]
    assert len(pages) == count
    return ["".join(unicodedata.normalize("NFC", page).split()) for page in pages]


def _flat(text) -> str:
    return "".join(str(text).split())


def test_summary_converts_to_pdf(scenario, tmp_path, catalogue, registry):
    """Every sheet prints, in order, one page wide: each page shows the rows' own names."""
    from tests.office import convert
    _, result, out = scenario
    wb = openpyxl.load_workbook(out / "tong-hop-cchc.xlsx")
    pages = _pdf_pages(convert([out / "tong-hop-cchc.xlsx"], tmp_path, "pdf")[0])
    assert len(wb.sheetnames) <= len(pages) <= sum(ws.max_row for ws in wb.worksheets)
    # Each titled sheet (the overview, the city's appendices) starts a page, in order.
    at = -1
    for ws in wb.worksheets[:1 + len(catalogue.forms)]:
        title = _flat(ws["A1"].value)
        at = next((i for i in range(at + 1, len(pages)) if pages[i].startswith(title)), None)
        assert at is not None, f"sheet «{ws.title}» is not printed after the previous one"
    # A page that shows none of its rows' names (the first two columns: unit code and name,
    # label, severity) is the right half of a sheet printed two pages wide.
    names = {_flat(c.value) for ws in wb.worksheets for row in ws.iter_rows(max_col=2) for c in row
             if isinstance(c.value, str) and not c.value.strip().isdigit()}
    for number, page in enumerate(pages, 1):
        assert any(name and name in page for name in names), f"page {number} shows no row names: {page[:200]}"
    text = "".join(pages)
    for unit in registry.units:
        assert _flat(unit.name) in text, unit.name
    assert _flat("Số tệp đã đọc") in text
    total = result.city["PL1"][("PL1.1", "2015")].value   # a city total, as "#,##0" shows it
    assert any(_flat(f"{total:,.0f}") in page or _flat(f"{total:,.0f}".replace(",", ".")) in page for page in pages)


def test_per_unit_sheet_is_one_row_per_unit_and_indicator(scenario, catalogue):
    samples, _, out = scenario
    ws = openpyxl.load_workbook(out / "tong-hop-cchc.xlsx")["PL3 theo đơn vị"]
    form = catalogue.form("PL3")
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in rows] == [r.label for r in form.input_rows]
    vp = next(s for s in samples if s.unit == "vp" and s.form == "PL3")
    first = rows[0]
    assert first[:2] == ("vp", "Văn phòng HĐND-UBND thành phố")
    assert list(first[3:9]) == [vp.expected[("PL3.1", p.id)] for p in form.periods]
