"""The cchc command as a user runs it (CliRunner, tmp_path)."""
from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cchc.cli import cli
from tests.workbook_checks import identity_from_sheet
from xlsx_forms.identity import load_or_create_key, verify
from xlsx_forms.registry import DEFAULT_REGISTRY

ENGLISH = re.compile(r"\b(Usage|Options|Commands|Show this|Error|Missing|Invalid|Did you mean|TEXT|PATH|"
                     r"required|default|FLOAT|INTEGER|DIRECTORY|FILE)\b")


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_generate_default_set(tmp_path):
    out = tmp_path / "tpl"
    result = run("generate", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Đã tạo 24 biểu mẫu và 15 mẫu báo cáo (.docx) cho 15 đơn vị" in result.output
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.xlsx"))
    assert len(files) == 24 and "p-tran-phu/PL1_p-tran-phu.xlsx" in files
    assert "vp/PL8_vp.xlsx" in files and "tcnv/PL8_tcnv.xlsx" in files
    reports = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.docx"))
    assert len(reports) == 15 and "p-tran-phu/bao-cao_p-tran-phu.docx" in reports
    assert (out / "manifest.csv").is_file()


def test_key_created_on_first_use_in_config_dir_and_reused(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("CCHC_HOME", str(home))
    run("generate", "--forms", "PL2", "--out", str(tmp_path / "a"))
    key_path = home / "hmac.key"
    assert key_path.is_file() and (key_path.stat().st_mode & 0o777) == 0o600
    key = load_or_create_key(key_path, create=False)
    first = key_path.read_bytes()
    run("generate", "--forms", "PL2", "--out", str(tmp_path / "b"))
    assert key_path.read_bytes() == first   # the second run reused the key file, unchanged
    for folder in ("a", "b"):
        wb = openpyxl.load_workbook(tmp_path / folder / "tu-phap" / "PL2_tu-phap.xlsx")
        assert verify(key, identity_from_sheet(wb))
    assert key.hex() not in (tmp_path / "a" / "tu-phap" / "PL2_tu-phap.xlsx").read_bytes().decode("latin-1")


def test_key_file_option(tmp_path):
    key_file = tmp_path / "my.key"
    key_file.write_text("ab" * 32)
    result = run("generate", "--forms", "PL7", "--key-file", str(key_file), "--out", str(tmp_path / "o"))
    assert result.exit_code == 0
    wb = openpyxl.load_workbook(tmp_path / "o" / "vhtt" / "PL7_vhtt.xlsx")
    assert verify(bytes.fromhex("ab" * 32), identity_from_sheet(wb))


@pytest.mark.parametrize("forms, expected", [
    ("PL1,PL3", 16), ("pl3", 1), (" PL8 ", 3), ("PL2,PL2", 1),
])
def test_forms_option(tmp_path, forms, expected):
    result = run("generate", "--forms", forms, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.rglob("*.xlsx"))) == expected


def test_deadline_option_reaches_the_instructions(tmp_path):
    run("generate", "--forms", "PL2", "--deadline", "30/4/2020", "--out", str(tmp_path))
    ws = openpyxl.load_workbook(tmp_path / "tu-phap" / "PL2_tu-phap.xlsx")["Hướng dẫn"]
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "Chậm nhất ngày 30/4/2020" in text


def test_reproducible_with_source_date_epoch(tmp_path):
    key_file = tmp_path / "k"
    key_file.write_text("cd" * 32)
    env = {"SOURCE_DATE_EPOCH": "1583971200"}
    for name in ("a", "b"):
        run("generate", "--forms", "PL3", "--key-file", str(key_file), "--out", str(tmp_path / name), env=env)
    assert (tmp_path / "a/vp/PL3_vp.xlsx").read_bytes() == (tmp_path / "b/vp/PL3_vp.xlsx").read_bytes()


BAD_REGISTRY = """issuer: "UBND X"
place: "X"
consolidator: {name: "Ban", email: "ban@x.example"}
units:
  - {code: a, kind: office, name: "A", email: "a@x.example", forms: [PL1]}
  - {code: b, kind: hamlet, name: "B", email: "b@x.example", forms: [PL1]}
"""


@pytest.mark.parametrize("args, fragment", [
    (["--forms", "PL9"], "không có phụ lục «PL9»"),
    (["--deadline", "31/2/2020"], "ngày «31/2/2020» không hợp lệ"),
    (["--deadline", "soon"], "ngày «soon» không hợp lệ"),
    # A date no template could hold (outside 1/3/1900–31/12/9999), in either spelling.
    (["--deadline", "1/1/0001"], "ngày «1/1/0001» không hợp lệ: ngày 1/1/1 nằm ngoài khoảng sổ tính ghi được"),
    (["--deadline", "1899-12-31"], "ngày «1899-12-31» không hợp lệ: ngày 31/12/1899 nằm ngoài khoảng"),
    (["--deadline", ""], "ngày «» không hợp lệ"),
    (["--units", "{bad}"], "dòng 6: trường «kind» «hamlet» không hợp lệ"),
    (["--units", "{missing}"], "không tìm thấy tệp"),
    (["--key-file", "{shortkey}"], "khóa ngắn hơn 32 byte"),
    (["--bogus"], "Lỗi: không có tùy chọn «--bogus»"),
])
def test_bad_arguments_exit_2_with_a_vietnamese_message(tmp_path, args, fragment):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_REGISTRY, encoding="utf-8")
    short = tmp_path / "short.key"
    short.write_text("ab" * 8)
    args = [a.format(bad=bad, missing=tmp_path / "none.yaml", shortkey=short) for a in args]
    result = run("generate", "--out", str(tmp_path / "o"), *args)
    assert result.exit_code == 2
    assert "Lỗi: " in result.output and fragment in result.output
    assert not ENGLISH.search(result.output), result.output
    assert not list((tmp_path / "o").rglob("*.xlsx"))


@pytest.mark.parametrize("args", [["--help"], ["generate", "--help"], ["forms", "--help"], ["harvest", "--help"],
                                  ["mail", "--help"], ["feedback", "--help"], []])
def test_help_is_vietnamese(args):
    result = run(*args)
    assert result.exit_code in (0, 2)
    assert "Cách dùng:" in result.output
    assert not ENGLISH.search(result.output), result.output


def test_forms_lists_the_catalogue_and_fixes():
    result = run("forms", "--fixes")
    assert result.exit_code == 0
    assert sum(line.startswith("PL") and "  Phụ lục " in line for line in result.output.splitlines()) == 8
    assert "«thuế chẽ» → «thể chế»" in result.output
    assert "«kiểm nghị» → «kiến nghị»" in result.output


def test_user_registry(tmp_path):
    reg = tmp_path / "units.yaml"
    reg.write_text(DEFAULT_REGISTRY.read_text(encoding="utf-8").split("\nunits:")[0] + """
units:
  - {code: p-moi, kind: ward, name: "UBND phường Mới", email: "moi@x.example", forms: [PL1]}
""", encoding="utf-8")
    result = run("generate", "--units", str(reg), "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "o" / "p-moi" / "PL1_p-moi.xlsx")
    assert wb["Phụ lục 1"]["A2"].value == "UBND PHƯỜNG MỚI"


def test_console_script_is_declared():
    cfg = (Path(__file__).parents[1] / "setup.cfg").read_text()
    assert "cchc = cchc.cli:main" in cfg


def test_parallel_generation_gives_the_same_files(tmp_path, monkeypatch):
    """The worker-pool path (used from 32 workbooks) against the in-process one."""
    key_file = tmp_path / "k"
    key_file.write_text("cd" * 32)
    env = {"SOURCE_DATE_EPOCH": "1583971200"}
    run("generate", "--key-file", str(key_file), "--out", str(tmp_path / "one"), env=env)
    monkeypatch.setattr("xlsx_forms.generate.PARALLEL_FROM", 2)
    monkeypatch.setattr("oslayer.parallel.cores", lambda: 2)
    result = run("generate", "--key-file", str(key_file), "--out", str(tmp_path / "pool"), env=env)
    assert result.exit_code == 0, result.output
    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*") if p.is_file()}
    pool = {p.relative_to(tmp_path / "pool"): p.read_bytes() for p in (tmp_path / "pool").rglob("*") if p.is_file()}
    assert len(one) == 42 and one == pool   # 24 workbooks, 15 reports, manifest.csv, settings.json, .cchc-output


# Options that take seconds (config.Seconds): a finite number within the option's range,
# refused in Vietnamese quoting what was typed; nothing is read or written before.
SECONDS_OPTIONS = [(("watch", "{tmp}"), "--settle", 60), (("mail", "--send"), "--retry-delay", 600),
                   (("feedback", "--send"), "--retry-delay", 600)]


@pytest.mark.parametrize("command, option, high", SECONDS_OPTIONS)
@pytest.mark.parametrize("typed, said", [
    ("-1", "«-1» nằm ngoài khoảng từ 0 đến {high} giây"),
    ("nan", "«nan» không phải là số giây"),
    ("inf", "«inf» không phải là số giây"),
    ("1_0", "«1_0» không phải là số giây"),
    ("１０", "«１０» không phải là số giây"),
    ("٣", "«٣» không phải là số giây"),
    ("0x10", "«0x10» không phải là số giây"),
    ("1e400", "«1e400» nằm ngoài khoảng từ 0 đến {high} giây"),
    ("-0.5", "«-0.5» nằm ngoài khoảng từ 0 đến {high} giây"),
    ("1e9", "«1e9» nằm ngoài khoảng từ 0 đến {high} giây"),
    ("abc", "«abc» không phải là số giây"),
    ("", "«» không phải là số giây"),
])
def test_seconds_are_a_finite_number_within_the_range(tmp_path, command, option, high, typed, said):
    result = run(*[a.format(tmp=tmp_path) for a in command], f"{option}={typed}")
    assert result.exit_code == 2, result.output
    assert f"Lỗi: giá trị không hợp lệ cho «{option}»: {said.format(high=high)}" in result.output
    assert not ENGLISH.search(result.output), result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("typed, seconds", [("0", 0.0), ("2,5", 2.5), (" 60 ", 60.0), ("1e1", 10.0), (2.0, 2.0),
                                            ("+5", 5.0), (".5", 0.5), ("-0", 0.0), ("1e-400", 0.0)])
def test_seconds_accept_what_a_clerk_types(typed, seconds):
    from cchc.config import Seconds
    assert Seconds(0, 60).convert(typed, None, None) == seconds
