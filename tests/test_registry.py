"""The unit registry: the embedded default, and malformed files with their line."""
from __future__ import annotations

import pytest

from xlsx_forms.errors import CchcError
from xlsx_forms.registry import load_registry

OFFICES = ["vp", "tu-phap", "tckh", "tcnv", "kinh-te", "vhtt", "ttvhttdl"]
WARDS = ["p-quang-trung", "p-tran-phu", "p-nguyen-trai", "p-minh-khai", "p-ngoc-ha"]
COMMUNES = ["x-ngoc-duong", "x-phuong-do", "x-phuong-thien"]


def test_default_registry_is_the_city_of_the_seed(registry):
    assert [u.code for u in registry.units] == OFFICES + WARDS + COMMUNES
    kinds = {u.code: u.kind for u in registry.units}
    assert {c for c, k in kinds.items() if k == "office"} == set(OFFICES)
    assert {c for c, k in kinds.items() if k == "ward"} == set(WARDS)
    assert {c for c, k in kinds.items() if k == "commune"} == set(COMMUNES)
    assert registry.unit("p-tran-phu").name == "UBND phường Trần Phú"
    assert registry.consolidator.name == "Ban Tổ chức - Nội vụ thành phố"


@pytest.mark.parametrize("form, units", [
    ("PL1", OFFICES + WARDS + COMMUNES),
    ("PL2", ["tu-phap"]),
    ("PL3", ["vp"]),
    ("PL4", ["tcnv"]), ("PL5", ["tcnv"]), ("PL6", ["tcnv"]),
    ("PL7", ["vhtt"]),
    ("PL8", ["vp", "tcnv", "vhtt"]),
])
def test_assignments_follow_the_biểu_dành_cho_notes(registry, form, units):
    assert [u.code for u, f in registry.assignments() if f == form] == units


def test_pl8_each_unit_edits_only_its_targets(catalogue):
    form = catalogue.form("PL8")
    got = {code: [r.id for r in form.editable_rows(code)] for code in ("vp", "tcnv", "vhtt")}
    assert got["vp"] == ["PL8.1", "PL8.2", "PL8.5", "PL8.6", "PL8.11", "PL8.12"]
    assert got["tcnv"] == ["PL8.3", "PL8.4", "PL8.7"]
    assert got["vhtt"] == ["PL8.8", "PL8.9", "PL8.10", "PL8.13", "PL8.14", "PL8.15", "PL8.16"]
    assert sum(len(v) for v in got.values()) == 16


HEAD = """issuer: "UBND X"
place: "X"
consolidator: {name: "Ban", email: "ban@x.example"}
units:
"""
GOOD = '  - {code: a, kind: office, name: "A", email: "a@x.example", forms: [PL1]}\n'


@pytest.mark.parametrize("body, fragment", [
    ('  - {code: A B, kind: office, name: "A", email: "a@x.example", forms: [PL1]}\n', "«A B» không hợp lệ"),
    ('  - {code: a, kind: town, name: "A", email: "a@x.example", forms: [PL1]}\n', "«town» không hợp lệ"),
    ('  - {code: a, kind: office, name: "A", email: "not-mail", forms: [PL1]}\n', "không phải địa chỉ email"),
    ('  - {code: a, kind: office, name: "A", email: "a@x.example", forms: [PL9]}\n', "phụ lục lạ «PL9»"),
    ('  - {code: a, kind: office, name: "A", email: "a@x.example", forms: []}\n', "«forms» thiếu hoặc rỗng"),
    ('  - {code: a, kind: office, email: "a@x.example", forms: [PL1]}\n', "«name» thiếu"),
    ('  - {code: a, kind: office, name: "A", email: "a@x.example", forms: [PL8]}\n', "không chịu trách nhiệm"),
    (GOOD + '  - {code: a, kind: ward, name: "B", email: "b@x.example", forms: [PL1]}\n', "bị trùng (đã có ở dòng 5)"),
    ('  - {code: a, kind: office, name: "A", email: "a@x.example", forms: [PL1]\n', "không đọc được YAML"),
    # Characters no workbook or document can hold (through YAML's escapes), in any text.
    *[(f'  - {{code: a, kind: office, {field}: "{text}", email: "a@x.example", forms: [PL1]}}\n',
       f"ký tự điều khiển {shown}") for field, text, shown in [
        ("name", "Đơn vị\\x01 A", "U+0001"), ("name", "\\x1f", "U+001F"), ("name", "A\\0", "U+0000"),
        ("name", "A\\ufffe", "U+FFFE"), ("name", "A\\uffff", "U+FFFF"),
        ("name", "A\\x0b", "U+000B"), ("contact", "\\x08", "U+0008")]],
    ('  - {code: a, kind: office, name: "A\\ud800", email: "a@x.example", forms: [PL1]}\n', "không đọc được YAML"),
    # Typed into the file itself, not escaped (Word's soft line break, a pasted control).
    *[(f'  - {{code: a, kind: office, name: "A{ch}B", email: "a@x.example", forms: [PL1]}}\n',
       f"ký tự điều khiển {shown}") for ch, shown in [("\x0b", "U+000B"), ("\x01", "U+0001"), ("\x1f", "U+001F")]],
])
def test_malformed_registry_names_the_line(tmp_path, catalogue, body, fragment):
    path = tmp_path / "units.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    with pytest.raises(CchcError) as err:
        load_registry(path, catalogue)
    message = str(err.value)
    assert fragment in message
    assert f"{path}, dòng " in message


# An optional text of the consolidator that YAML reads as something else: refused at its line,
# never shown as Python writes it (b'...', 2020-03-23 00:00, nan).
@pytest.mark.parametrize("field", ["contact", "channel"])
@pytest.mark.parametrize("value, shown", [
    ("2020-03-23", "«2020-03-23» không phải chữ"), ("!!binary AAA=", "không phải chữ"),
    ("!!float nan", "«nan» không phải chữ"), ("123", "«123» không phải chữ"),
    ("[a, b]", "không phải chữ"), ("{a: b}", "không phải chữ")])
def test_an_optional_text_that_is_no_text_is_refused(tmp_path, catalogue, field, value, shown):
    path = tmp_path / "units.yaml"
    head = HEAD.replace('consolidator: {name: "Ban", email: "ban@x.example"}',
                        f'consolidator:\n  name: "Ban"\n  email: "ban@x.example"\n  {field}: {value}')
    path.write_text(head + GOOD, encoding="utf-8")
    with pytest.raises(CchcError) as err:
        load_registry(path, catalogue)
    assert f"{path}, dòng 6: " in str(err.value) and shown in str(err.value), str(err.value)


@pytest.mark.parametrize("email", ["bad-email", "a@b", "x y@z.example"])
def test_the_consolidators_email_is_checked_as_a_units(tmp_path, catalogue, email):
    path = tmp_path / "units.yaml"
    path.write_text(HEAD.replace('email: "ban@x.example"', f'email: "{email}"') + GOOD, encoding="utf-8")
    with pytest.raises(CchcError) as err:
        load_registry(path, catalogue)
    assert f"{path}, dòng 3: " in str(err.value) and f"«{email}» không phải địa chỉ email" in str(err.value)


@pytest.mark.parametrize("text", ["", "units: []\n", "- just\n- a list\n"])
def test_registry_without_units(tmp_path, catalogue, text):
    path = tmp_path / "units.yaml"
    path.write_text(HEAD.replace("units:\n", "") + text if text else text, encoding="utf-8")
    with pytest.raises(CchcError):
        load_registry(path, catalogue)


def test_good_registry(tmp_path, catalogue):
    path = tmp_path / "units.yaml"
    path.write_text(HEAD + GOOD, encoding="utf-8")
    reg = load_registry(path, catalogue)
    assert [(u.code, u.forms) for u in reg.units] == [("a", ("PL1",))]
