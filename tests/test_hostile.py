"""Messy and hostile returns among good ones: the harvest finishes within bounded time and
memory, keeps every other file's results exactly, and explains each bad file."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests import hostile
from tests.hostile_env import REPO, harvest_cli, read_csv_rows, template_of  # noqa: F401 - REPO re-exported

_csv = read_csv_rows
_template = template_of


CASES = {  # file name → (maker(template bytes), words the message must contain)
    "rỗng.xlsx": (lambda t: b"", "tệp rỗng"),
    "văn bản.xlsx": (lambda t: "Kính gửi Ban Tổ chức".encode(), "không phải sổ Excel"),
    "báo cáo.xlsx": (lambda t: hostile.pdf_renamed(), "tệp PDF"),
    "công văn.xlsx": (lambda t: hostile.docx_renamed(), "tệp Word (.docx)"),
    "cắt cụt.xlsx": (hostile.truncated, "bị cắt cụt"),
    "mật khẩu.xlsx": (hostile.encrypted, "gỡ mật khẩu mở"),
    "bom.xlsx": (lambda t: hostile.zip_bomb(1.0), "bom nén"),
    "laughs.xlsx": (hostile.billion_laughs, "DTD/thực thể XML"),
    "xxe.xlsx": (hostile.xxe, "DTD/thực thể XML"),
    "triệu dòng.xlsx": (lambda t: hostile.far_cell(t, "A1000000"), "1000000 dòng"),
    "nhiều cột.xlsx": (lambda t: hostile.far_cell(t, "XFD1"), "16384 cột"),
    "bom kiểu.xlsx": (lambda t: hostile.zip_bomb(1.0, t, "xl/styles.xml"), "bom nén"),
    "bom tên lạ.xlsx": (lambda t: hostile.zip_bomb(1.0, t, "xl/worksheets/sheet1.xml", rename="xl/data.bin"),
                        "bom nén"),
    "bom thuộc tính.xlsx": (lambda t: hostile.zip_bomb(1.0, t, "docProps/custom.xml"), "bom nén"),
    "laughs utf16.xlsx": (lambda t: hostile.billion_laughs(t, "utf-16"), "DTD/thực thể XML"),
}
# Every spelling of a far cell (tests/test_bounded_parse.py) among good files, too.
CASES.update({f"ô xa {name}.xlsx": (lambda t, row=row: hostile.with_row(t, row), "quá lớn")
              for name, row in hostile.FAR_CELLS.items()})


@pytest.fixture(scope="module")
def messy(good_inbox, generated, key_file, tmp_path_factory):
    """The good inbox plus every hostile file, harvested once."""
    inbox = tmp_path_factory.mktemp("messy") / "inbox"
    subprocess.run(["cp", "-a", str(good_inbox), str(inbox)], check=True)
    template = _template(generated)
    for name, (make, _) in CASES.items():
        (inbox / "xấu" / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / "xấu" / name).write_bytes(make(template))
    # Two files of the same name in different folders: both are seen.
    (inbox / "a").mkdir()
    (inbox / "b").mkdir()
    (inbox / "a" / "Phụ lục.xlsx").write_bytes(hostile.truncated(template))
    (inbox / "b" / "Phụ lục.xlsx").write_bytes(b"not a workbook")
    # A link to a file outside the inbox is never followed.
    secret = inbox.parent / "ngoài hộp thư.xlsx"
    secret.write_bytes(_template(generated, "PL3", "vp"))
    os.symlink(secret, inbox / "liên kết.xlsx")
    out = inbox.parent / "out"
    run = harvest_cli(inbox, out, key_file)
    return inbox, out, run


def test_harvest_finishes(messy):
    _, _, run = messy
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Bảng tổng hợp:" in run.stdout


@pytest.mark.parametrize("name", list(CASES))
def test_each_bad_file_is_in_ledger_and_issues_with_a_precise_message(messy, name):
    _, out, _ = messy
    rel = f"xấu/{name}"
    ledger = {r["path"]: r for r in _csv(out / "ledger.csv")}
    assert ledger[rel]["outcome"] == "rejected"
    issues = [i for i in _csv(out / "issues.csv") if i["file"] == rel]
    assert len(issues) == 1 and issues[0]["severity"] == "error"
    assert issues[0]["message"].startswith(rel + ": ") and CASES[name][1] in issues[0]["message"]
    assert issues[0]["code"] == ("F-ENCRYPTED" if "mật khẩu" in name else "F-UNREADABLE")


def test_nothing_outside_the_output_folder_is_written(messy):
    inbox, out, _ = messy
    assert sorted(p.name for p in inbox.parent.iterdir()) == sorted(["inbox", "out", "ngoài hộp thư.xlsx"])


# The entries the messy inbox adds to the good one: every other row must be untouched.
ADDED = {f"xấu/{name}" for name in CASES} | {"a/Phụ lục.xlsx", "b/Phụ lục.xlsx", "liên kết.xlsx"}


def test_other_files_results_are_exactly_as_without_the_bad_ones(messy, baseline):
    _, out, _ = messy
    assert (out / "values.csv").read_bytes() == (baseline / "values.csv").read_bytes()
    # Every good file's issues and ledger row, whole, as in the harvest without the bad entries;
    # the bad entries add rows of their own only.
    for name in ("issues.csv", "ledger.csv"):
        column = "file" if name == "issues.csv" else "path"
        rows = _csv(out / name)
        assert [r for r in rows if r[column] not in ADDED] == _csv(baseline / name), name
        assert {r[column] for r in rows if r[column] in ADDED} == ADDED, name
    assert [r["outcome"] for r in _csv(baseline / "ledger.csv")] == ["used"] * len(_csv(baseline / "ledger.csv"))


def test_same_name_in_two_folders_and_links(messy):
    _, out, _ = messy
    ledger = {r["path"]: r for r in _csv(out / "ledger.csv")}
    assert "cắt cụt" in ledger["a/Phụ lục.xlsx"]["reason"]
    assert "không phải sổ Excel" in ledger["b/Phụ lục.xlsx"]["reason"]
    link = ledger["liên kết.xlsx"]
    assert (link["outcome"], link["sha256"], link["unit_code"]) == ("rejected", "", "")
    assert "liên kết" in link["reason"]
    used_pl3 = [p for p, r in ledger.items() if r["form"] == "PL3" and r["outcome"] == "used"]
    assert used_pl3 == ["vp/PL3.xlsx"]
