"""The package layer keeps what repeated parts parsed into, keyed by their bytes: a part
seen before gives the same result, a refused part is refused every time, and the markup
budget is counted on every file, hit or not."""
from __future__ import annotations

import io
import zipfile

import pytest

from sheetio import package
from sheetio.package import Package, Refused
from sheetio.xlsx_read import cell_format_kinds, workbook_sheets

RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://x/worksheet" Target="worksheets/s.xml"/>'
        '</Relationships>')
WORKBOOK = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>')
STYLES = ('<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          '<numFmts><numFmt numFmtId="{fid}" formatCode="0.0%"/></numFmts>'
          '<cellXfs><xf numFmtId="0"/><xf numFmtId="{fid}"/><xf numFmtId="14"/></cellXfs></styleSheet>')
DTD = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><styleSheet>&a;</styleSheet>'


def _package(styles: str, name: str = "Biểu") -> Package:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/_rels/workbook.xml.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK.format(name=name))
        z.writestr("xl/styles.xml", styles)
    return Package(buf.getvalue())


@pytest.mark.parametrize("fid", [164, 170, 300])
def test_a_repeated_part_gives_the_same_result(fid):
    styles = STYLES.format(fid=fid)
    first = cell_format_kinds(_package(styles), "xl/styles.xml")
    kept = len(package._MEMO)
    second = cell_format_kinds(_package(styles), "xl/styles.xml")
    assert first == second == ["", "percent", "date"]
    assert len(package._MEMO) == kept          # the second file was a hit, not a new entry


@pytest.mark.parametrize("name", ["Biểu", "PL1", "Trang 2"])
def test_the_workbook_memo_still_maps_each_files_own_relationships(name):
    for _ in range(2):
        pkg = _package(STYLES.format(fid=164), name)
        assert workbook_sheets(pkg, "xl/workbook.xml") == [(name, "xl/worksheets/s.xml")]


@pytest.mark.parametrize("repeat", [1, 2, 3])
def test_a_refused_part_is_refused_every_time(repeat):
    for _ in range(repeat):
        with pytest.raises(Refused, match="DTD"):
            cell_format_kinds(_package(DTD), "xl/styles.xml")


@pytest.mark.parametrize("limit", [3, 5, 8])
def test_the_markup_budget_counts_a_hit(monkeypatch, limit):
    styles = STYLES.format(fid=165 + limit)
    cell_format_kinds(_package(styles), "xl/styles.xml")      # now kept
    monkeypatch.setattr(package, "MAX_MARKUP", limit)
    with pytest.raises(Refused, match="quá nhiều thẻ XML"):
        cell_format_kinds(_package(styles), "xl/styles.xml")
