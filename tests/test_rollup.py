"""One level up: cities harvest their units, roll the city figures into the province's
templates (``cchc rollup``), and the province harvests the cities like any other units.
The province's figures must equal an independent computation from what every unit typed."""
from __future__ import annotations

import json
import random
import shutil
import statistics
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from cchc.cli import cli
from harvest.process import EVERY_CELL, GAPS_LIMIT, GAPS_PROPERTY, UNREADABLE_GAPS, gaps_json, incomplete_cells
from samples.fill import valid_values, write_values
from tests.hostile_env import REPO, read_csv_rows
from xlsx_forms.layout import form_layout
from xlsx_forms.plan import load_plan
from xlsx_forms.spec_loader import default_catalogue

SAVED = datetime(2020, 3, 20, 9, tzinfo=timezone.utc)
FORMS = ("PL1", "PL3")
CITIES = {"tp-a": ("Thành phố A", 3), "tp-b": ("Thành phố B", 4), "tp-c": ("Thành phố C", 2)}


def _registry(path: Path, issuer: str, units: list[dict]) -> Path:
    path.write_text(yaml.safe_dump({
        "issuer": issuer, "place": issuer.title(),
        "consolidator": {"name": "Ban Tổ chức - Nội vụ", "contact": "Người liên hệ", "email": "bt@x.example"},
        "units": units}, allow_unicode=True), encoding="utf-8")
    return path


def _key(path: Path, seed: int) -> Path:
    path.write_text(random.Random(seed).randbytes(32).hex())
    return path


def _run(*args) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """Every city's units filled in, each city harvested and rolled up, the province harvested."""
    root = tmp_path_factory.mktemp("rollup")
    catalogue = default_catalogue()
    prov_units = [{"code": code, "kind": "office", "name": name, "email": f"{code}@x.example", "forms": list(FORMS)}
                  for code, (name, _) in CITIES.items()]
    prov_reg = _registry(root / "province.yaml", "UBND TỈNH X", prov_units)
    prov_key = _key(root / "province.key", 1)
    _run("generate", "--units", prov_reg, "--key-file", prov_key, "--out", root / "prov-templates")
    typed: dict[str, list[dict]] = {}
    outputs = {}
    for i, (city, (name, n)) in enumerate(CITIES.items()):
        units = [{"code": f"{city}-{j}", "kind": "office" if j == 0 else "ward", "name": f"Đơn vị {j} của {name}",
                  "email": f"u{j}@{city}.example", "forms": ["PL1", "PL3"] if j == 0 else ["PL1"]}
                 for j in range(n)]
        reg = _registry(root / f"{city}.yaml", f"UBND {name.upper()}", units)
        key = _key(root / f"{city}.key", 10 + i)
        templates, inbox, summary = root / f"{city}-t", root / f"{city}-in", root / f"{city}-sum"
        _run("generate", "--units", reg, "--key-file", key, "--out", templates)
        rnd = random.Random(i)
        typed[city] = []
        for u in units:
            for fid in u["forms"]:
                form = catalogue.form(fid)
                values = valid_values(form, u["code"], rnd)
                typed[city].append({"form": fid, "values": values})
                write_values(templates / u["code"] / f"{fid}_{u['code']}.xlsx", form, values,
                             inbox / f"{fid}-{u['code']}.xlsx", saved_at=SAVED)
        _run("harvest", inbox, "--templates", templates, "--out", summary)
        for fid in FORMS:
            outputs[(city, fid)] = _run("rollup", "--template", root / "prov-templates" / city / f"{fid}_{city}.xlsx",
                                        "--summary", summary, "--templates", templates,
                                        "--out", root / "prov-inbox" / city)
    _run("harvest", root / "prov-inbox", "--templates", root / "prov-templates", "--out", root / "prov-sum")
    return root, typed, outputs


def _expected(typed, catalogue):
    """The province's values computed from the typed values, without cchc's harvest."""
    expected = {}
    for city, returns in typed.items():
        for fid in FORMS:
            form = catalogue.form(fid)
            for row in form.input_rows:
                for p in form.periods:
                    got = [r["values"][(row.id, p.id)] for r in returns
                           if r["form"] == fid and (row.id, p.id) in r["values"]]
                    how = form.aggregate_of(row)
                    if how == "sum":
                        value = sum(got)
                    elif how == "count_true":
                        value = int(any(v == 1 for v in got))
                    elif how == "mean":
                        value = statistics.fmean(got)
                    else:   # weighted by the samples of the same units
                        weights = [r["values"][(row.weight, p.id)] for r in returns
                                   if r["form"] == fid and (row.id, p.id) in r["values"]]
                        value = sum(v * w for v, w in zip(got, weights, strict=True)) / sum(weights)
                    expected[(city, fid, row.id, p.id)] = value
    return expected


def test_the_province_harvest_equals_an_independent_sum(province):
    root, typed, _ = province
    catalogue = default_catalogue()
    rows = read_csv_rows(root / "prov-sum" / "values.csv")
    got = {(r["unit_code"], r["form"], r["row_id"], r["period"]): r for r in rows if r["period"] != "ghi_chu"}
    expected = _expected(typed, catalogue)
    assert set(expected) == set(got)
    for key, value in expected.items():
        assert float(got[key]["value"]) == pytest.approx(value, rel=1e-9, abs=1e-9), key
        assert got[key]["status"] == "ok", got[key]
    issues = read_csv_rows(root / "prov-sum" / "issues.csv")
    # The rolled-up files are saved now, after the province's deadline: R-LATE is right.
    # (and no city sent the province a narrative report: N-MISSING)
    expected = ("R-LATE", "F-SYSTEM-FILE", "N-MISSING")
    assert not [i for i in issues if i["severity"] == "error" or i["code"] not in expected], issues
    status = read_csv_rows(root / "prov-sum" / "status.csv")
    assert {(s["unit_code"], s["form"]) for s in status} == {(c, f) for c in CITIES for f in FORMS}
    assert {(s["status"], s["errors"]) for s in status} == {("Nộp muộn", "0")}, status


def test_flags_rolled_up_say_so_in_the_note(province):
    root, _, outputs = province
    rows = read_csv_rows(root / "prov-sum" / "values.csv")
    notes = [r for r in rows if r["period"] == "ghi_chu" and r["form"] == "PL1"]
    assert any("đơn vị có" in r["value"] for r in notes), notes
    assert "Chú ý:" in outputs[("tp-b", "PL1")]


def test_a_missing_unit_is_named_in_the_note_and_on_the_console(tmp_path, province):
    root, _, _ = province
    inbox = root / "tp-a-in"
    partial = tmp_path / "in"
    for f in inbox.iterdir():
        if not f.name.startswith("PL1-tp-a-1"):
            (partial / f.name).parent.mkdir(exist_ok=True)
            (partial / f.name).write_bytes(f.read_bytes())
    _run("harvest", partial, "--templates", root / "tp-a-t", "--out", tmp_path / "sum")
    out = _run("rollup", "--template", root / "prov-templates" / "tp-a" / "PL1_tp-a.xlsx", "--summary",
               tmp_path / "sum", "--templates", root / "tp-a-t", "--out", tmp_path / "up")
    assert "Thiếu số liệu của: Đơn vị 1 của Thành phố A" in out
    import openpyxl
    ws = openpyxl.load_workbook(tmp_path / "up" / "PL1_tp-a.xlsx").worksheets[0]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("Thiếu số liệu của: Đơn vị 1 của Thành phố A" in t for t in texts)


@pytest.mark.parametrize("mutate, fragment", [
    (lambda data: b"not a workbook", "không phải sổ Excel"),
    (lambda data: _without_identity(data), "không có thông tin nhận diện"),
])
def test_a_template_that_is_not_the_levels_above_is_refused(tmp_path, province, mutate, fragment):
    root, _, _ = province
    parent = tmp_path / "PL1_tp-a.xlsx"
    parent.write_bytes(mutate((root / "prov-templates" / "tp-a" / "PL1_tp-a.xlsx").read_bytes()))
    result = CliRunner().invoke(cli, ["rollup", "--template", str(parent), "--summary", str(root / "tp-a-sum"),
                                      "--templates", str(root / "tp-a-t"), "--out", str(tmp_path / "up")])
    assert result.exit_code == 2 and fragment in result.output, result.output
    assert not (tmp_path / "up").exists()


def _without_identity(data: bytes) -> bytes:
    import io
    import zipfile
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != "docProps/custom.xml":
                dst.writestr(info, src.read(info.filename))
    return out.getvalue()


def test_the_parents_template_is_never_modified(province):
    root, _, _ = province
    template = root / "prov-templates" / "tp-a" / "PL1_tp-a.xlsx"
    filled = root / "prov-inbox" / "tp-a" / "PL1_tp-a.xlsx"
    assert template.read_bytes() != filled.read_bytes()
    import openpyxl
    sheet = openpyxl.load_workbook(template).worksheets[0]
    assert not any(isinstance(c.value, (int, float)) for row in sheet.iter_rows() for c in row
                   if c.row > 8 and c.column > 3)


def test_city_csv_reads_back_what_the_harvest_consolidated(tmp_path):
    from harvest.citycsv import read_city_csv, write_city_csv
    from harvest.consolidate import CityValue
    catalogue = default_catalogue()
    pl1, pl8 = catalogue.form("PL1"), catalogue.form("PL8")
    city = {fid: {} for fid in catalogue.forms}
    # What a harvest can consolidate: a sum of counts is whole, at most the reporting units
    # times the kind's bound; a mean of rates any number within the rate's bounds.
    counts = [CityValue(12, 3, ()), CityValue(87, 2, ("b",), (("c", "V-NEGATIVE"),)),
              CityValue(None, 0, ("a", "b")), CityValue(10**12, 1000, ())]
    rates = [CityValue(87.25, 2, ("b",), (("c", "V-NEGATIVE"),)), CityValue(0.1 + 0.2, 1, ())]
    for i, (row, p) in enumerate((r, p) for r in pl1.input_rows for p in pl1.periods):
        # (a mean above its kind's bound is written as text, on purpose: not a figure)
        city["PL1"][(row.id, p.id)] = (counts[i % len(counts)] if row.kind == "count" else
                                       CityValue(3, 4, ()) if pl1.aggregate_of(row) == "count_true" else
                                       rates[i % len(rates)])
    city["PL8"][(pl8.input_rows[0].id, pl8.periods[0].id)] = CityValue("Không đạt", 1, (), ())
    write_city_csv(tmp_path / "city.csv", catalogue, city)
    assert read_city_csv(tmp_path / "city.csv", catalogue) == {k: v for k, v in city.items() if v}


@pytest.mark.parametrize("line, fragment", [
    ("PL1,PL1.1,x,2015,abc,3,,", "«abc» không phải là số"),
    ("PL1,PL1.2,x,2015,-5,3,,", "nhỏ hơn mức tối thiểu"),
    ("PL1,PL1.2,x,2016,'=HYPERLINK(\"http://x\"),3,,", "không phải là số"),
    ("PL1,PL1.3.a,x,2015,nan,3,,", "không phải là số"),
    ("PL1,PL1.6.c,x,2015,250,3,,", "Tỷ lệ 250 nằm ngoài khoảng 0–100"),
    ("PL1,PL1.1,x,2015,217.5,3,,", "giá trị «217.5»: Giá trị 217,5 không phải số nguyên"),
    ("PL1,PL1.1,x,2015,3000000001,3,,", "quá lớn"),
    ("PL9,PL9.1,x,2015,1,3,,", "phụ lục «PL9»"),
    ("PL1,PL1.99,x,2015,1,3,,", "không phải ô của PL1"),
    ("PL1,PL1.1,x,2099,1,3,,", "không phải ô của PL1"),
    ("PL8,PL8.1,x,2011-2020,Tốt,1,,", "«Tốt» không hợp lệ"),
])
def test_a_hand_edited_city_csv_is_refused_at_its_line(tmp_path, province, line, fragment):
    """Nothing from a city.csv edited by hand reaches the level above or the report unchecked."""
    root, _, _ = province
    summary = tmp_path / "sum"
    shutil_copy = __import__("shutil").copytree
    shutil_copy(root / "tp-a-sum", summary)
    form, row_id, _, period = line.split(",")[:4]
    text = [t for t in (summary / "city.csv").read_text(encoding="utf-8-sig").splitlines()
            if not t.startswith(f"{form},{row_id},") or t.split(",")[-5] != period]   # the cell's line replaced
    (summary / "city.csv").write_text("\n".join([*text, line]) + "\n", encoding="utf-8-sig")
    for args in (["rollup", "--template", str(root / "prov-templates" / "tp-a" / "PL1_tp-a.xlsx"),
                  "--out", str(tmp_path / "up")], ["report", "--out", str(tmp_path / "bc")]):
        result = CliRunner().invoke(cli, [*args, "--summary", str(summary), "--templates", str(root / "tp-a-t")])
        assert result.exit_code == 2, result.output
        assert f"dòng {len(text) + 1}" in result.output and fragment in result.output, result.output
    assert not (tmp_path / "up").exists() and not (tmp_path / "bc").exists()


def test_a_template_for_another_unit_or_with_moved_labels_is_refused(tmp_path, province):
    root, _, _ = province
    other = root / "prov-templates" / "tp-b" / "PL1_tp-b.xlsx"
    result = CliRunner().invoke(cli, ["rollup", "--template", str(other), "--summary", str(root / "tp-a-sum"),
                                      "--templates", str(root / "tp-a-t"), "--out", str(tmp_path / "up")])
    assert result.exit_code == 2 and "không phải «UBND THÀNH PHỐ A»" in result.output, result.output
    import openpyxl
    wb = openpyxl.load_workbook(root / "prov-templates" / "tp-a" / "PL1_tp-a.xlsx")
    ws = wb.worksheets[0]
    labels = [c for row in ws.iter_rows() for c in row if c.value == "Số lượng văn bản chỉ đạo, điều hành"]
    labels[0].value = "Số lượng các cơ quan, đơn vị được kiểm tra CCHC"
    moved = tmp_path / "PL1_tp-a.xlsx"
    wb.save(moved)
    result = CliRunner().invoke(cli, ["rollup", "--template", str(moved), "--summary", str(root / "tp-a-sum"),
                                      "--templates", str(root / "tp-a-t"), "--out", str(tmp_path / "up")])
    assert result.exit_code == 2 and "bố cục đã bị sửa" in result.output, result.output


@pytest.mark.parametrize("how", ["once", "twice", "damaged", "complete-after-partial"])
def test_the_province_flags_a_citys_incomplete_figure(tmp_path, province, how):
    """A figure the city rolled up without all its units is flagged in the province's
    harvest (V-INCOMPLETE at the cell, quoting the city's note), not only noted: also when
    the template had been rolled up before, and when what the city wrote of its gaps cannot
    be read (every figure is then flagged). A template rolled up again once every unit
    has sent keeps nothing of its earlier gaps."""
    root, _, _ = province
    partial = tmp_path / "in"
    for f in (root / "tp-a-in").iterdir():
        if not f.name.startswith("PL1-tp-a-1"):
            partial.mkdir(exist_ok=True)
            (partial / f.name).write_bytes(f.read_bytes())
    _run("harvest", partial, "--templates", root / "tp-a-t", "--out", tmp_path / "sum")
    template = root / "prov-templates" / "tp-a" / "PL1_tp-a.xlsx"
    rolled = tmp_path / "prov-in" / "tp-a" / "PL1_tp-a.xlsx"
    _run("rollup", "--template", template, "--summary", tmp_path / "sum", "--templates", root / "tp-a-t",
         "--out", tmp_path / "prov-in" / "tp-a")
    if how in ("twice", "complete-after-partial"):   # the filled file as the template of a new rollup
        again = tmp_path / "again" / "PL1_tp-a.xlsx"
        again.parent.mkdir()
        shutil.copy(rolled, again)
        summary = tmp_path / "sum" if how == "twice" else root / "tp-a-sum"
        _run("rollup", "--template", again, "--summary", summary, "--templates", root / "tp-a-t",
             "--out", tmp_path / "prov-in" / "tp-a")
    if how == "damaged":
        wb = openpyxl.load_workbook(rolled)
        prop = next(p for p in wb.custom_doc_props.props if p.name.endswith("gaps"))
        prop.value = prop.value[: len(prop.value) // 2]        # cut: no longer JSON
        wb.save(rolled)
    _run("harvest", tmp_path / "prov-in", "--templates", root / "prov-templates", "--out", tmp_path / "prov-sum")
    flagged = [i for i in read_csv_rows(tmp_path / "prov-sum" / "issues.csv") if i["code"] == "V-INCOMPLETE"]
    values = [r for r in read_csv_rows(tmp_path / "prov-sum" / "values.csv") if "V-INCOMPLETE" in r["flags"]]
    if how == "complete-after-partial":
        assert flagged == [] and values == []
        return
    assert {r["cell"] for r in values} == {i["cell"] for i in flagged}
    if how == "damaged":
        filled = [r for r in read_csv_rows(tmp_path / "prov-sum" / "values.csv") if r["period"] != "ghi_chu"]
        assert {r["cell"] for r in values} == {r["cell"] for r in filled}
        assert all("không đọc được danh sách số liệu còn thiếu" in i["message"] for i in flagged)
    else:
        assert flagged and all("Đơn vị 1 của Thành phố A" in i["message"] for i in flagged)


@pytest.mark.parametrize("cells, length", [(1, 10), (72, 5000), (400, 300), (3000, 40), (9000, 1000)])
def test_what_a_figure_lacks_is_always_whole_json(cells, length):
    # Cut JSON would read as "nothing lacking": the texts are cut instead, never the JSON.
    gaps = {f"C{i}": f"Thiếu số liệu của {'Đơn vị ' * length}"[:length] for i in range(cells)}
    text = gaps_json(gaps)
    read = incomplete_cells({GAPS_PROPERTY: text})
    # Too many cells for the limit even at one character each: every figure is flagged.
    assert len(text) <= GAPS_LIMIT and set(read) == set(gaps) or read == {EVERY_CELL: UNREADABLE_GAPS}
    if len(gaps) * 20 < GAPS_LIMIT:
        assert set(read) == set(gaps) and all(v for v in read.values())


def test_a_plausible_hand_edit_of_city_csv_is_refused_by_rollup_and_report(tmp_path, province):
    """A figure changed by hand to another valid one (217 → 9999) is seen: the harvest
    recorded what it wrote. A summary written before that record is still used, with a
    visible warning."""
    root, _, _ = province
    summary = tmp_path / "sum"
    __import__("shutil").copytree(root / "tp-a-sum", summary)
    lines = (summary / "city.csv").read_text(encoding="utf-8-sig").splitlines()
    count = next(i for i, t in enumerate(lines) if t.startswith("PL1,PL1.1,") and t.split(",")[-4].isdigit())
    fields = lines[count].split(",")
    fields[-4] = str(int(fields[-4]) + 1)
    lines[count] = ",".join(fields)
    (summary / "city.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    commands = (["rollup", "--template", str(root / "prov-templates" / "tp-a" / "PL1_tp-a.xlsx"),
                 "--out", str(tmp_path / "up")], ["report", "--out", str(tmp_path / "bc")])
    for args in commands:
        result = CliRunner().invoke(cli, [*args, "--summary", str(summary), "--templates", str(root / "tp-a-t")])
        assert result.exit_code == 2 and "city.csv đã bị sửa sau khi tổng hợp" in result.output, result.output
    assert not (tmp_path / "up").exists() and not (tmp_path / "bc").exists()
    marker = summary / ".cchc-output"
    marker.write_text("".join(t for t in marker.read_text().splitlines(keepends=True) if not t.startswith("#sha256")))
    for args in commands:
        result = CliRunner().invoke(cli, [*args, "--summary", str(summary), "--templates", str(root / "tp-a-t")])
        assert result.exit_code == 0, result.output
        assert "Cảnh báo: " in result.output and "không biết tệp có bị sửa" in result.output


@pytest.mark.parametrize("form_id", FORMS)
def test_the_rolled_up_notes_are_in_official_words(province, form_id):
    """The notes of a form rolled up, and the console's lines, say what each figure lacks
    as the city appendices do: no issue or rule code, no bare period id, each unit once
    per note with its periods grouped."""
    from harvest.rollup import fill_parent
    from tests.test_quality_flags import flagged_city, not_official
    from xlsx_forms.layout import form_layout
    from xlsx_forms.registry import load_registry
    root, _, _ = province
    catalogue = default_catalogue()
    registry = load_registry(root / "tp-a.yaml", catalogue)
    template = root / "prov-templates" / "tp-a" / f"{form_id}_tp-a.xlsx"
    city = flagged_city(catalogue, registry)
    result = fill_parent(template.read_bytes(), template.name, catalogue, registry, city)
    form = catalogue.form(form_id)
    import io

    import openpyxl
    ws = openpyxl.load_workbook(io.BytesIO(result.data))[form_layout(form).sheet_name]
    notes = [ws[n.a1].value for n in form_layout(form).notes if ws[n.a1].value]
    assert notes
    missing = registry.units[0].name
    for text in notes:
        assert not not_official(text, form), text
        assert text.count(f"Thiếu số liệu của: {missing}") <= 1, text
    for line in result.flags:
        assert not not_official(line.split(": ", 1)[1], form), line


@pytest.mark.parametrize("label", ['=HYPERLINK("http://ke-gian.invalid","bấm")', "+1 đơn vị", "@SUM(A1)"])
def test_a_note_that_starts_like_a_formula_stays_text(tmp_path, label):
    # PL4 is transposed: a period's note starts with the row label, here the plan's own text.
    plan = tmp_path / "plan"
    shutil.copytree(REPO / "xlsx_forms" / "specs", plan)
    pl4 = plan / "pl4.yaml"
    pl4.write_text(pl4.read_text(encoding="utf-8").replace('label: "Số UBND cấp huyện"',
                                                           f"label: {json.dumps(label, ensure_ascii=False)}"),
                   encoding="utf-8")
    prov = _registry(tmp_path / "province.yaml", "UBND TỈNH X", [
        {"code": "tp-a", "kind": "office", "name": "Thành phố A", "email": "a@x.example", "forms": ["PL4"]}])
    city = _registry(tmp_path / "city.yaml", "UBND THÀNH PHỐ A", [
        {"code": f"u{j}", "kind": "office", "name": f"Đơn vị {j}", "email": f"u{j}@x.example", "forms": ["PL4"]}
        for j in range(3)])
    prov_key, city_key = _key(tmp_path / "p.key", 1), _key(tmp_path / "c.key", 2)
    _run("generate", "--plan", plan, "--units", prov, "--key-file", prov_key, "--out", tmp_path / "pt")
    _run("generate", "--plan", plan, "--units", city, "--key-file", city_key, "--out", tmp_path / "ct")
    form = load_plan(plan).catalogue.form("PL4")
    write_values(tmp_path / "ct" / "u0" / "PL4_u0.xlsx", form, valid_values(form, "u0", random.Random(3)),
                 tmp_path / "in" / "PL4-u0.xlsx", saved_at=SAVED)   # u1, u2 never return: notes say so
    _run("harvest", tmp_path / "in", "--templates", tmp_path / "ct", "--out", tmp_path / "sum")
    _run("rollup", "--plan", plan, "--template", tmp_path / "pt" / "tp-a" / "PL4_tp-a.xlsx", "--summary",
         tmp_path / "sum", "--templates", tmp_path / "ct", "--out", tmp_path / "pin")
    ws = openpyxl.load_workbook(tmp_path / "pin" / "PL4_tp-a.xlsx")[form_layout(form).sheet_name]
    notes = [ws[n.a1] for n in form_layout(form).notes if ws[n.a1].value]
    assert notes and all(c.data_type == "s" for c in notes)
    assert any(c.value.startswith(label) for c in notes)
    _run("harvest", tmp_path / "pin", "--templates", tmp_path / "pt", "--out", tmp_path / "psum")
    read = [r["value"] for r in read_csv_rows(tmp_path / "psum" / "values.csv") if r["period"] == "ghi_chu"]
    assert any(v.lstrip("'").startswith(label) for v in read)
