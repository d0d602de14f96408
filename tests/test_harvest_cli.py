"""cchc harvest as a user runs it; the folder-level guarantees."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import harvest.run
from cchc.cli import cli
from samples.build_samples import DEMO_KEY

SAMPLES = Path(__file__).parents[1] / "samples" / "inbox"


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _state(folder: Path) -> dict[str, tuple[str, int]]:
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def inbox(tmp_path):
    target = tmp_path / "inbox"
    shutil.copytree(SAMPLES, target)
    return target


def test_harvest_the_samples(inbox, tmp_path):
    before = _state(inbox)
    out = tmp_path / "summary"
    result = run("harvest", str(inbox), "--key-file", str(DEMO_KEY), "--out", str(out))
    assert result.exit_code == 0, result.output
    # 28 workbooks and others, 5 narrative reports (2 used, 1 superseded, a signed PDF not read)
    assert "Đã đọc 33 tệp: 26 được dùng, 2 bị thay bằng bản mới hơn, 1 trùng lặp, 4 bị loại." in result.output
    assert ("Đơn vị: 12/15 đã nộp đủ phụ lục, không lỗi; 2 có lỗi, 1 còn thiếu phụ lục; "
            "12 chưa gửi báo cáo theo Đề cương.") in result.output
    assert "Chưa nộp: UBND xã Phương Thiện (PL1)." in result.output
    assert "Báo cáo theo Đề cương: 3/15 đơn vị đã gửi; chưa gửi: Phòng Tài chính - Kế hoạch;" in result.output
    assert f"Bảng tổng hợp: {out.resolve() / 'tong-hop-cchc.xlsx'}" in result.output
    assert sorted(p.name for p in out.iterdir()) == [".cchc-output", "city.csv", "issues.csv", "ledger.csv",
                                                     "phu-luc-thanh-pho.xlsx", "sections.csv", "status.csv",
                                                     "tong-hop-cchc.xlsx", "values.csv"]
    assert _state(inbox) == before  # returned files are never modified or moved
    assert not list(inbox.rglob(".~lock*"))


def test_same_inbox_twice_gives_identical_csvs(inbox, tmp_path):
    for name in ("a", "b"):
        run("harvest", str(inbox), "--key-file", str(DEMO_KEY), "--out", str(tmp_path / name))
    for csv_name in ("values.csv", "issues.csv", "ledger.csv", "status.csv", "sections.csv"):
        assert (tmp_path / "a" / csv_name).read_bytes() == (tmp_path / "b" / csv_name).read_bytes()


def test_failed_run_leaves_previous_outputs_intact(inbox, tmp_path, monkeypatch):
    out = tmp_path / "summary"
    run("harvest", str(inbox), "--key-file", str(DEMO_KEY), "--out", str(out))
    before = _state(out)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(harvest.run, "write_summary", broken)
    with pytest.raises(RuntimeError):
        run("harvest", str(inbox), "--key-file", str(DEMO_KEY), "--out", str(out))
    assert _state(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".summary")] == []


def test_wrong_key_stops_the_harvest(inbox, tmp_path):
    """Every signed file failing its signature is the key's fault, not the files' (issue 10):
    the harvest stops before writing anything (tests/test_loop.py has the details)."""
    other = tmp_path / "other.key"
    other.write_text("ef" * 32)
    result = run("harvest", str(inbox), "--key-file", str(other), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "Lỗi:" in result.output and "khóa" in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("args, fragment", [
    (["{missing_dir}"], "không tồn tại"),
    (["{inbox}", "--key-file", "{missing_key}"], "tệp không tồn tại"),
    (["{inbox}", "--deadline", "32/3/2020"], "ngày «32/3/2020» không hợp lệ"),
    (["{inbox}", "--units", "{missing_key}"], "không tìm thấy tệp"),
])
def test_usage_errors_exit_2(inbox, tmp_path, args, fragment):
    args = [a.format(inbox=inbox, missing_dir=tmp_path / "nope", missing_key=tmp_path / "nokey")
            for a in args]
    result = run("harvest", *args, "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "Lỗi: " in result.output and fragment in result.output
    assert not (tmp_path / "o").exists()


def test_default_key_must_exist_for_harvest(inbox, tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_HOME", str(tmp_path / "fresh"))
    result = run("harvest", str(inbox), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "hmac.key" in result.output
    assert not (tmp_path / "fresh" / "hmac.key").exists()


def test_harvest_help_is_vietnamese():
    result = run("harvest", "--help")
    assert "Cách dùng: cchc harvest [TÙY CHỌN] THƯ_MỤC_NHẬN" in result.output
    assert "Usage" not in result.output and "Options" not in result.output


def test_parallel_harvest_gives_the_same_outputs(inbox, tmp_path, monkeypatch):
    """The worker-pool path (used from 64 files) against the in-process one."""
    run("harvest", str(inbox), "--key-file", str(DEMO_KEY), "--out", str(tmp_path / "one"))
    monkeypatch.setattr(harvest.run, "PARALLEL_FROM", 2)
    monkeypatch.setattr("oslayer.parallel.cores", lambda: 2)
    result = run("harvest", str(inbox), "--key-file", str(DEMO_KEY), "--out", str(tmp_path / "pool"))
    assert result.exit_code == 0, result.output
    for name in ("values.csv", "issues.csv", "ledger.csv", "status.csv", "sections.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "pool" / name).read_bytes(), name
