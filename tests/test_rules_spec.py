"""Rules read from a spec: the loader builds every type from its fields (rules.RULE_TYPES),
and each way of getting a rule wrong is a Vietnamese SPEC_INVALID naming the file."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from tests.specedit import load_error, spec_dir_with
from xlsx_forms.rules import RULE_TYPES
from xlsx_forms.spec_loader import load_catalogue

PL2_R02 = "    type: le\n    left: PL2.3\n    right: PL2.2\n"


@pytest.mark.parametrize("old, new, fragments", [
    # a type that does not exist, or none
    ("type: le\n    left: PL2.3", "type: lt\n    left: PL2.3",
     ["PL2-R02", "«type» «lt» không có; dùng một trong «sum», «le», «ge», «requires»"]),
    ("    type: le\n    left: PL2.3", "    left: PL2.3", ["PL2-R02", "thiếu «type»"]),
    # an operand missing, or one the type does not have
    ("    right: PL2.2\n", "", ["PL2-R02", "thiếu «right», loại quy tắc «le» cần có"]),
    ("    right: PL2.2\n", "    right: PL2.2\n    needs: PL2.4\n", ["PL2-R02", "loại quy tắc «le» không dùng «needs»"]),
    ("    right: PL2.2\n", "    right: PL2.2\n    parts: [PL2.4]\n",
     ["PL2-R02", "loại quy tắc «le» không dùng «parts»"]),
    # a one-row field given a list, a list field given one row or nothing
    ("right: PL2.2", "right: [PL2.2, PL2.4]", ["PL2-R02", "«right»", "chỉ nhận một dòng"]),
    ("parts: [PL2.1.a, PL2.1.b, PL2.1.c, PL2.1.d]", "parts: PL2.1.a", ["PL2-R01", "«parts»", "danh sách"]),
    ("parts: [PL2.1.a, PL2.1.b, PL2.1.c, PL2.1.d]", "parts: []", ["PL2-R01", "thiếu «parts»"]),
    # a row that is not there, a header, a row without numbers
    ("right: PL2.2", "right: PL2.99", ["PL2-R02", "«PL2.99» không có trong biểu"]),
    ("right: PL2.2", "right: PL2.1", ["PL2-R02", "«PL2.1» là dòng đề mục"]),
    ("parts: [PL2.1.a, PL2.1.b, PL2.1.c, PL2.1.d]", "parts: [PL2.1.a, PL2.1]",
     ["PL2-R01", "«PL2.1» là dòng đề mục"]),
    ('label: "Nghị quyết của HĐND cấp huyện", kind: count', 'label: "Nghị quyết của HĐND cấp huyện", kind: rating',
     ["PL2-R01", "«PL2.1.a» có loại ô «rating»", "không phải loại ô số"]),
    # the texts every rule needs
    ('    short: "Đã xử lý > được đề nghị"\n', "", ["PL2-R02", "thiếu «short»"]),
    ("  - code: PL2-R02\n", "  - code: ''\n", ["quy tắc", "thiếu «code»"]),
])
def test_a_wrong_rule_is_a_clear_error(tmp_path, old, new, fragments):
    message = load_error(tmp_path, "pl2.yaml", old, new)
    assert "pl2.yaml" in message and "dòng" in message
    for fragment in fragments:
        assert fragment in message, message
    assert unicodedata.is_normalized("NFC", message)


@pytest.mark.parametrize("rtype", sorted(RULE_TYPES))
def test_every_type_loads_from_its_fields(tmp_path, rtype):
    """A rule of each type, written with its fields only (a list for a many-field), loads
    with its operands in field order: the loader knows no type by name."""
    meaning = RULE_TYPES[rtype]
    rows = iter(["PL2.2", "PL2.3", "PL2.4", "PL2.5"])
    lines, expected = [], []
    for f in meaning.fields:
        ids = (next(rows), next(rows)) if f.many else (next(rows),)
        lines.append(f"    {f.name}: [{', '.join(ids)}]" if f.many else f"    {f.name}: {ids[0]}")
        expected.append((f.name, ids))
    spec = spec_dir_with(tmp_path, "pl2.yaml", PL2_R02, f"    type: {rtype}\n" + "\n".join(lines) + "\n")
    rule = next(r for r in load_catalogue(spec).form("PL2").rules if r.code == "PL2-R02")
    assert (rule.type, rule.operands) == (rtype, tuple(expected))
    assert rule.row_ids == tuple(r for _, ids in expected for r in ids)
    assert rule.anchor == expected[0][1][0]


def test_readme_lists_every_rule_type_with_its_fields():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in readme.splitlines() if line.startswith("| `")}
    for rtype, meaning in RULE_TYPES.items():
        line = rows[f"`{rtype}`"]
        assert meaning.label in line
        assert all(f"`{f.name}` ({f.label}" in line for f in meaning.fields), line
