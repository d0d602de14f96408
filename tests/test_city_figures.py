"""city.csv read back: every figure held to what the harvest can have consolidated (the
kinds' own value checks, aggregation-aware), one line per cell, and the file itself the
one the harvest wrote (its SHA-256 recorded in the output folder's marker)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from harvest.citycsv import CITY_HEADER, figure_problem, read_city_csv
from xlsx_forms import outdir, outwrite
from xlsx_forms.errors import CchcError
from xlsx_forms.model import Kind
from xlsx_forms.spec_loader import default_catalogue

_TEXTS = {"label": "x", "input_title": "x", "input_message": "x", "error_title": "x", "error_message": "x"}
KINDS = {
    "count": Kind("count", "integer", description="Số nguyên không âm", max=1000, **_TEXTS),
    "amount": Kind("amount", "decimal", description="Số tiền (triệu đồng)", max=5000, decimals=2, **_TEXTS),
    "percent": Kind("percent", "percent", description="Tỷ lệ 0–100", max=100, **_TEXTS),
    "yes/no": Kind("flag", "flag", description="Có = 1; Không = 0", max=1, **_TEXTS),
    "rating": Kind("rating", "choice", description="Đạt hoặc Không đạt", choices=("Đạt", "Không đạt"), **_TEXTS),
    "text": Kind("note", "text", description="Ghi chú", max_length=20, **_TEXTS),
}

# (kind, aggregation, reporting units, value, what the refusal says; None: accepted)
CASES = [
    ("count", "sum", 3, 217, None),
    ("count", "sum", 3, 3000, None),                       # 3 units × 1000
    ("count", "sum", 3, 217.5, "không phải số nguyên"),
    ("count", "sum", 3, 3001, "quá lớn"),
    ("count", "sum", 3, -5, "nhỏ hơn mức tối thiểu"),
    ("count", "sum", 3, float("nan"), "không phải là số"),
    ("count", "sum", 3, "abc", "không phải là số"),
    ("count", "sum", 3, True, "không phải là số"),
    ("count", "sum", 0, 5, "không có đơn vị nào báo cáo"),
    ("count", "mean", 3, 217.5, None),                     # a mean of counts need not be whole
    ("count", "mean", 3, 1000.5, "quá lớn"),
    ("count", "responsible", 1, 217.5, "không phải số nguyên"),
    ("amount", "sum", 2, 1234.56, None),
    ("amount", "sum", 2, 10000.01, "quá lớn"),
    ("amount", "weighted_mean", 2, 4999.9, None),
    ("amount", "mean", 2, -0.5, "nhỏ hơn mức tối thiểu"),
    ("percent", "mean", 4, 87.25, None),
    ("percent", "mean", 4, 0.5, None),                     # a mean rate: not a fraction typed by a clerk
    ("percent", "weighted_mean", 4, 100.5, "nằm ngoài khoảng 0–100"),
    ("percent", "mean", 4, "85%", "không phải là số"),
    ("yes/no", "count_true", 5, 3, None),
    ("yes/no", "count_true", 5, 6, "quá lớn"),             # more units with 1 than units reporting
    ("yes/no", "count_true", 5, 2.5, "không phải số nguyên"),
    ("yes/no", "sum", 5, 5, None),                         # a sum of yes/no is a count of units
    ("yes/no", "sum", 5, 7, "quá lớn"),
    ("yes/no", "responsible", 1, 1, None),
    ("yes/no", "responsible", 1, 2, "không hợp lệ"),
    ("rating", "responsible", 1, "Không đạt", None),
    ("rating", "responsible", 1, "Tốt", "«Tốt» không hợp lệ"),
    ("rating", "responsible", 1, "không đạt", "được hiểu là «Không đạt»"),
    ("rating", "responsible", 1, 1, "phải là văn bản"),
    ("rating", "tally", 3, "Đạt: 2; Không đạt: 1", None),
    ("rating", "tally", 3, "Đạt: 2; Không đạt: 2", "khác số đơn vị báo cáo (3)"),
    ("rating", "tally", 3, "Tốt: 3", "«Tốt: 3» không phải"),
    ("rating", "tally", 3, "Đạt: 2; Đạt: 1", "không phải"),
    ("text", "responsible", 1, "Đã thực hiện", None),
    ("text", "responsible", 1, "Đã thực hiện theo đúng kế hoạch", "vượt giới hạn 20 ký tự"),
    ("text", "none", 1, "Đã thực hiện", "không tổng hợp"),
]


@pytest.mark.parametrize("kind, how, units, value, fragment", CASES,
                         ids=[f"{k}-{h}-{v!r}" for k, h, _, v, _f in CASES])
def test_a_figure_is_held_to_its_kinds_checks(kind, how, units, value, fragment):
    problem = figure_problem(value, KINDS[kind], how, units)
    if fragment is None:
        assert problem is None
    else:
        assert problem and fragment in problem, problem


def _city_csv(path, lines: list[str]) -> None:
    path.write_text("\n".join([",".join(CITY_HEADER), *lines]) + "\n", encoding="utf-8-sig")


def test_a_fractional_count_is_refused_naming_the_file_line_and_value(tmp_path):
    _city_csv(tmp_path / "city.csv", ['PL1,PL1.1,"Số lượng văn bản",2015,217,3,,',
                                      'PL1,PL1.1,"Số lượng văn bản",2016,217.5,3,,'])
    with pytest.raises(CchcError) as err:
        read_city_csv(tmp_path / "city.csv", default_catalogue())
    assert "city.csv, dòng 3" in str(err.value) and "«217.5»" in str(err.value)
    assert "không phải số nguyên" in str(err.value)


@pytest.mark.parametrize("first, second", [(2, 3), (2, 5)])
def test_a_cell_given_twice_is_refused_naming_both_lines(tmp_path, first, second):
    lines = ['PL1,PL1.1,x,2015,217,3,,', 'PL1,PL1.1,x,2016,12,3,,', 'PL1,PL1.2,x,2015,4,3,,']
    lines.insert(second - 2, 'PL1,PL1.1,x,2015,1,3,,' if first == 2 else lines[first - 2])
    _city_csv(tmp_path / "city.csv", lines)
    with pytest.raises(CchcError) as err:
        read_city_csv(tmp_path / "city.csv", default_catalogue())
    assert f"dòng {second}" in str(err.value) and f"đã có ở dòng {first}" in str(err.value)


def test_the_kinds_own_checks_are_used_not_a_copy(monkeypatch):
    """A stricter kind check changes what city.csv accepts: one home for a value's check."""
    from xlsx_forms.kinds import BASES
    kind = KINDS["count"]
    assert figure_problem(7, kind, "sum", 1) is None
    monkeypatch.setattr(type(BASES["integer"]), "check",
                        lambda self, k, v, shown, quoted: ("V-FLAG", {"value": shown}) if v == 7 else None)
    assert "không hợp lệ" in figure_problem(7, kind, "sum", 1)
    assert figure_problem(8, replace(kind, max=10), "sum", 1) is None


# The output folder remembers what it wrote: a file edited afterwards is refused.
def _written(out, files: dict[str, bytes]) -> None:
    with outwrite.replacing(out, "harvest") as staging:
        for name, data in files.items():
            (staging / name).write_bytes(data)


def test_the_harvest_records_each_outputs_digest(tmp_path):
    _written(tmp_path / "sum", {"city.csv": b"a", "values.csv": b"b"})
    digests = outdir.read_digests(tmp_path / "sum")
    assert set(digests) == {"city.csv", "values.csv"}
    assert digests["city.csv"] == outdir.digest_of(tmp_path / "sum" / "city.csv")
    assert outdir.read_marker(tmp_path / "sum") == ("harvest", {"city.csv", "values.csv"})


@pytest.mark.parametrize("edit", [
    lambda b: b.replace(b"217", b"9999"),      # a plausible figure changed
    lambda b: b.replace(b"217", b"218"),
    lambda b: b + b"\n",                        # only a line ending added (saved by a spreadsheet)
    lambda b: b[:-1],
])
def test_an_edited_output_is_refused_and_an_untouched_one_passes(tmp_path, edit):
    out = tmp_path / "sum"
    _written(out, {"city.csv": b"form,value\nPL1,217\n"})
    warned = []
    outdir.unedited(out, "city.csv", warned.append)
    assert not warned
    (out / "city.csv").write_bytes(edit((out / "city.csv").read_bytes()))
    with pytest.raises(CchcError) as err:
        outdir.unedited(out, "city.csv", warned.append)
    assert "city.csv đã bị sửa sau khi tổng hợp" in str(err.value) and not warned


def test_a_folder_without_digests_is_used_with_a_visible_warning(tmp_path):
    out = tmp_path / "sum"
    _written(out, {"city.csv": b"x"})
    marker = out / outdir.MARKER
    marker.write_text("\n".join(line for line in marker.read_text().splitlines()
                                if not line.startswith(outdir.DIGEST)) + "\n")
    for folder in (out, tmp_path):               # written before digests; a copy without the marker
        (folder / "city.csv").write_bytes(b"y")
        warned = []
        outdir.unedited(folder, "city.csv", warned.append)
        assert len(warned) == 1 and warned[0].startswith("Cảnh báo: ") and "city.csv" in warned[0]


@pytest.mark.parametrize("row_id, value, written, said", [
    ("PL1.1", 217, 217, ""),
    ("PL1.1", 3 * 10**9, None, "số quá lớn"),               # a sum beyond the cell's bound
    ("PL1.6.c", 87.5, 87.5, ""),
    ("PL1.6.c", 0.5, None, "tỷ lệ nhỏ hơn 1 được hiểu là phân số"),   # would be read as 50 %
    ("PL1.5", 3, 1, "3 đơn vị có"),                          # a count of units: the city has it
])
def test_rollup_writes_only_what_the_parents_harvest_reads_back_unchanged(row_id, value, written, said):
    from harvest.consolidate import CityValue
    from harvest.rollup import _cell_value
    catalogue = default_catalogue()
    form = catalogue.form("PL1")
    got, note = _cell_value(catalogue, form, form.row(row_id), CityValue(value, 3, ()))
    assert got == written and said in note and (not said) == (not note)
