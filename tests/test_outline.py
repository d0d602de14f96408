"""The Đề cương báo cáo as plan data (xlsx_forms/specs/outline.yaml): transcribed faithfully
from the seed, in the seed's order, and a malformed outline is a clear error naming its
file and line."""
from __future__ import annotations

import re
import unicodedata

import pytest

from tests.seed import SEED
from tests.specedit import spec_dir_with
from xlsx_forms.errors import CchcError
from xlsx_forms.outline import default_outline, load_outline


def _plain(text: str) -> str:
    """The seed as printed: markdown emphasis and heading marks dropped, white space as one
    space (its page breaks split words across lines)."""
    text = text.replace("\\*", "\0")
    text = re.sub(r"^#+\s*", "", text, flags=re.MULTILINE).replace("*", "").replace("\0", "*")
    return unicodedata.normalize("NFC", " ".join(text.split()))


@pytest.fixture(scope="module")
def seed_outline() -> str:
    text = SEED.read_text(encoding="utf-8")
    return _plain(text[text.index("ĐỀ CƯƠNG BÁO CÁO"):text.index("## Phụ lục 1")])


@pytest.fixture(scope="module")
def outline():
    return default_outline()


def _as_printed(text: str, fixes) -> str:
    for f in fixes:
        text = text.replace(f.right, f.wrong)
    return text


def test_every_heading_and_guidance_is_the_seed_text_in_the_seed_order(outline, seed_outline):
    at = 0
    for s in outline.sections:
        heading = _as_printed(s.printed, s.fixes)
        found = seed_outline.find(heading, at)
        assert found >= 0, (s.id, heading)
        at = found + len(heading)
        for line in s.guidance:
            printed = _as_printed(line, s.fixes)
            found = seed_outline.find(printed, at)
            assert found >= 0, (s.id, printed)
            at = found + len(printed)
    assert seed_outline.find(outline.note, at) > 0


def test_title_lines_and_every_fix_applied(outline, seed_outline):
    assert outline.title in seed_outline and outline.attachment in seed_outline
    assert seed_outline.startswith(outline.name)
    fixed = [f for s in outline.sections for f in s.fixes]
    assert len(fixed) == 6
    for s in outline.sections:
        for f in s.fixes:
            assert f.right in s.printed or any(f.right in g for g in s.guidance)
            assert f.wrong in seed_outline


def test_structure(outline):
    ids = [s.id for s in outline.sections]
    assert ids[:8] == ["P1", "I", "I.1", "I.2", "I.3", "I.4", "I.4.a", "I.4.b"]
    assert [s.id for s in outline.sections if s.level == 1] == ["P1", "P2", "P3"]
    assert [s.number for s in outline.sections if s.level == 2][:3] == ["I.", "II.", "III."]
    assert len(ids) == 42 and len(outline.leaves) == 29
    assert "II.1" not in outline.leaves and "II.1.1" in outline.leaves and "P3.3" in outline.leaves
    for s in outline.sections:
        for text in (s.number, s.heading, *s.guidance):
            assert text == unicodedata.normalize("NFC", text) and text == " ".join(text.split())


def test_fingerprint_follows_the_headings_only(tmp_path, outline):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    same = load_outline(spec_dir_with(tmp_path / "a", "outline.yaml", "Việc bố trí nguồn lực", "Việc bố trí"))
    assert same.fingerprint == outline.fingerprint
    other = load_outline(spec_dir_with(tmp_path / "b", "outline.yaml", '"Kiểm tra việc thực hiện"',
                                       '"Kiểm tra"'))
    assert other.fingerprint != outline.fingerprint


def test_a_plan_without_an_outline_asks_for_no_report(tmp_path):
    assert load_outline(tmp_path) is None


BAD = {  # what is changed → words of the message
    "level too deep": ('  - id: I\n    number: "I."\n    heading: "TÌNH HÌNH TRIỂN KHAI"\n    level: 2',
                       '  - id: I\n    number: "I."\n    heading: "TÌNH HÌNH TRIỂN KHAI"\n    level: 3',
                       "«level» 3 sâu hơn mục trước, P1 có «level» 1"),
    "level not a number": ("    level: 1\n", "    level: một\n", "«level» phải là số nguyên"),
    "duplicate id": ("  - id: I.2\n", "  - id: I.1\n", "mã mục «I.1» bị trùng"),
    "duplicate sibling heading": ('number: "2."\n    heading: "Kiểm tra việc thực hiện"',
                                  'number: "1."\n    heading: "Công tác chỉ đạo, điều hành"',
                                  "trùng với mục I.1 cùng cấp"),
    "missing heading": ('    heading: "Thông tin, tuyên truyền"\n', "", "«heading» thiếu hoặc không phải chữ"),
    "unknown field": ("    level: 3\n    guidance: |\n      - Việc xây dựng và tổ chức triển khai kế hoạch kiểm tra",
                      "    level: 3\n    hint: x\n    guidance: |\n      - Việc xây dựng và tổ chức triển khai kế "
                      "hoạch kiểm tra", "trường lạ «hint»; chỉ dùng «figures», «fixes»"),
    "bad version": ("version: 1\n", "version: 0\n", "«version» phải là số nguyên dương"),
    "bad fixes": ('fixes: [{from: "Bộ ngàng", to: "Bộ ngành"}]', "fixes: [Bộ ngàng]",
                  "«fixes» phải là các cặp «sai → đúng»"),
    "guidance not text": ("    guidance: |\n      Chỉ rõ", "    guidance: [1]\n    x: |\n      Chỉ rõ", "trường lạ"),
    "yaml syntax": ("sections:\n", "sections: [\n", "không đọc được YAML"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_malformed_outline_names_file_and_line(tmp_path, case):
    old, new, words = BAD[case]
    folder = spec_dir_with(tmp_path, "outline.yaml", old, new)
    with pytest.raises(CchcError) as err:
        load_outline(folder)
    message = str(err.value)
    assert message.startswith(str(folder / "outline.yaml")) and "dòng" in message, message
    assert words in message, message
