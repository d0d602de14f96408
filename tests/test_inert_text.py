"""Issue 9, class 8: text from files is inert everywhere it goes. Hostile strings typed
into a returned file (preparer, note, an input cell) reach values.csv, status.csv,
issues.csv, the summary workbook, a feedback workbook and the e-mails without one control,
line break (in a single-line field), bidi, zero-width or other invisible character, and
with their visible text intact."""
from __future__ import annotations

import csv
import io
import random
import re
import unicodedata
import zipfile
from dataclasses import replace
from datetime import datetime, timezone
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from xml.parsers import expat

import openpyxl
import pytest
from click.testing import CliRunner

from cchc.cli import cli
from mailer.messages import Letter, message
from samples.fill import valid_values
from tests.conftest import FIXED_TIME
from tests.hostile_env import harvest_cli
from tests.hostile_env import read_csv_rows as _csv
from tests.rawcells import hostile_file
from tests.test_safebook import INJECTION, SI_INJECTION
from xlsx_forms.inert import inert, sanitize
from xlsx_forms.layout import form_layout

FORM = "PL1"
# name → (hostile text, as one line, as a multi-line note)
CASES = {
    "bidi-override": ("Nguyễn\u202eVăn An\u202c", "NguyễnVăn An", "NguyễnVăn An"),
    "bidi-isolates": ("\u2066Trần\u2069 Thị \u2067Bé\u2069\u200e\u200f\u061c", "Trần Thị Bé", "Trần Thị Bé"),
    "crlf": ("Lê Văn\r\nChí", "Lê Văn Chí", "Lê Văn\nChí"),
    "header-injection": ("Phạm Duy\r\nBcc: ke-gian@evil.example", "Phạm Duy Bcc: ke-gian@evil.example",
                         "Phạm Duy\nBcc: ke-gian@evil.example"),
    "c0-escape": ("Hoàng\x01\x02\x1b[31mEm\x7f", "Hoàng[31mEm", "Hoàng[31mEm"),
    "c1-and-nel": ("Vũ\x85Phương\x9b\x9c", "Vũ Phương", "Vũ\nPhương"),
    "zero-width": ("Đỗ\u200bGiang\u200d\u2060\ufeff\u00ad", "ĐỗGiang", "ĐỗGiang"),
    "nul": ("Bùi\x00Ích", "BùiÍch", "BùiÍch"),
    "tags": ("Ngô\U000e0041\U000e0042Khải", "NgôKhải", "NgôKhải"),
    "noncharacter": ("Dương\ufdd0Lâm", "DươngLâm", "DươngLâm"),
    "breaks-and-tabs": ("Mai\tAnh\rHoa\x0b\x0cLan\u2028Cúc\u2029Huệ", "Mai Anh Hoa Lan Cúc Huệ",
                        "Mai\tAnh\nHoa\n\nLan\nCúc\nHuệ"),
    "decomposed": (unicodedata.normalize("NFD", "Nguyễn Thị Hằng"), "Nguyễn Thị Hằng", "Nguyễn Thị Hằng"),
    # Texts XlsxWriter alone writes as rich-text markup (xlsx_forms.safebook): a formula of
    # the sender's in the Board's workbooks, or a broken file.
    "markup-injection": (INJECTION, INJECTION, INJECTION),
    "markup-shared-string": (SI_INJECTION, SI_INJECTION, SI_INJECTION),
    "markup-run": ("<r><t>Nguyễn Văn An</t></r>", "<r><t>Nguyễn Văn An</t></r>", "<r><t>Nguyễn Văn An</t></r>"),
}


def forbidden(text: str, *, single_line: bool) -> list[str]:
    """The characters of ``text`` that must never reach an output."""
    bad = []
    for ch in text:
        code = ord(ch)
        if ch in "\t\n":
            if single_line:
                bad.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs") or 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
            bad.append(ch)
    return bad


# ---------------------------------------------------------------- the boundary itself

@pytest.mark.parametrize("name", list(CASES))
def test_sanitize_table(name):
    hostile, one_line, lines = CASES[name]
    assert inert(hostile, single_line=True) == one_line
    assert inert(hostile, single_line=False) == lines
    assert not forbidden(one_line, single_line=True) and not forbidden(lines, single_line=False)


@pytest.mark.parametrize("text", ["a\ud800b", "\udfff", "x\ud83d", "\ud83d\ude00"])
def test_lone_surrogates_are_removed(text):
    clean = sanitize(text, single_line=True)
    assert not forbidden(clean.text, single_line=True) and clean.removed == len(text) - len(clean.text)
    clean.text.encode("utf-8")   # always encodable


def test_every_control_and_format_character_is_removed():
    every = "".join(chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs"))
    for single_line in (True, False):
        assert not forbidden(inert("a" + every + "b", single_line=single_line), single_line=single_line)


@pytest.mark.parametrize("limit", [1, 2, 5, 1000])
def test_limit_cuts_with_an_ellipsis_and_keeps_letters_whole(limit):
    text = unicodedata.normalize("NFD", "Đề nghị đơn vị bổ sung số liệu ") * 100
    clean = sanitize(text, single_line=False, limit=limit)
    assert len(clean.text) <= limit and clean.text.endswith("…") and clean.truncated
    assert not unicodedata.combining(clean.text[-2:-1] or "a")
    assert clean.length == len(unicodedata.normalize("NFC", text))


def test_plain_text_is_unchanged_and_fast_path_agrees():
    for text in ["Nguyễn Văn A", "0219 3866 123", "ten@donvi.gov.vn", "=1+1", "  lề  "]:
        assert inert(text, single_line=True) == unicodedata.normalize("NFC", text)


HOSTILE_NAME = "Phường X\r\nBcc: ke-gian@evil.example\u202e\u200b\u2066\x00"
# Texts a reader would decode as RFC 2047 encoded words: another name, a hidden line break.
ENCODED_LOOKING = ["=?utf-8?q?evil=0D=0ABcc:_x?=", "X =?utf-8?q?a=0Ab?= Y", "=?utf-8?b?R2nDoW0gxJHhu5FjIFPhu58=?="]
HEADER_TEXTS = [(HOSTILE_NAME, "Phường X Bcc: ke-gian@evil.example"), *[(t, t) for t in ENCODED_LOOKING]]


# Every text of the plan or the registry that reaches a header: the unit's name, the
# consolidator's name, the plan's short name and code (the subject's tag), a letter's subject.
@pytest.mark.parametrize("text, shown", HEADER_TEXTS, ids=["hostile", "q-crlf", "q-lf", "b-name"])
@pytest.mark.parametrize("where", ["unit", "consolidator", "plan.short", "plan.code", "letter.subject"])
def test_headers_never_carry_a_line_break_or_an_invisible_character(catalogue, registry, where, text, shown):
    unit = registry.units[0]
    subject = ""
    if where == "unit":
        unit = replace(unit, name=text)
    elif where == "consolidator":
        registry = replace(registry, consolidator=replace(registry.consolidator, name=text))
    elif where == "letter.subject":
        subject = text
    else:
        field = where.split(".")[1]
        catalogue = replace(catalogue, plan=replace(catalogue.plan, **{field: text}))
        if field == "code":
            catalogue = replace(catalogue, plan=replace(catalogue.plan, short=""))
    msg = message(Letter("mau", unit, ("Dòng\r\nBcc: khác@evil.example",), subject=subject), catalogue, registry,
                  datetime(2020, 3, 12, tzinfo=timezone.utc))
    raw = msg.as_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ").replace(b"\r\n\t", b" ")
    assert not [line for line in head.split(b"\r\n") if line.lower().startswith(b"bcc")]
    parsed = message_from_bytes(raw, policy=default)
    assert "Bcc" not in parsed and parsed["To"].addresses[0].addr_spec == unit.email
    # Read back as written: a text that looks encoded is not decoded into another one.
    assert shown in str(parsed["From" if where == "consolidator" else "Subject"])
    if where in ("unit", "consolidator"):
        header = "To" if where == "unit" else "Reply-To"
        assert parsed[header].addresses[0].display_name.replace("  ", " ") == shown
    assert all(not forbidden(str(v), single_line=True) for v in parsed.values()), dict(parsed.items())


# ---------------------------------------------------------------- end to end

@pytest.fixture(scope="module")
def hostile(good_inbox, generated, key_file, catalogue, registry, tmp_path_factory):
    """The good inbox with one unit's PL1 per case, each carrying the hostile text in the
    preparer's name, phone and e-mail, the first note and an input cell; harvested in a
    subprocess, then fed to ``cchc feedback`` and ``cchc mail --reminders``."""
    out_dir, files = generated
    form = catalogue.form(FORM)
    layout = form_layout(form)
    units = [u.code for u in registry.units if FORM in u.forms][: len(CASES)]
    assert len(units) == len(CASES)
    root = tmp_path_factory.mktemp("inert")
    inbox = root / "inbox"
    for path in good_inbox.rglob("*.xlsx"):
        (inbox / path.relative_to(good_inbox)).parent.mkdir(parents=True, exist_ok=True)
        (inbox / path.relative_to(good_inbox)).write_bytes(path.read_bytes())
    cell = layout.inputs[0].a1
    placed = {}
    for unit, (name, (text, _, _)) in zip(units, CASES.items(), strict=True):
        template = out_dir / next(g.path for g in files if g.form == FORM and g.unit.code == unit)
        hostile_file(template, form, valid_values(form, unit, random.Random(4)), inbox / unit / f"{FORM}.xlsx",
                     saved_at=FIXED_TIME, texts={cell: text}, notes={layout.notes[0].key: text},
                     preparer=(text, text, text))
        placed[name] = (unit, f"{unit}/{FORM}.xlsx")
    before = {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()}
    out = root / "out"
    run = harvest_cli(inbox, out, key_file)
    assert run.returncode == 0, run.stderr[-3000:]
    assert before == {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()}
    assert sorted(p.name for p in root.iterdir()) == ["inbox", "out"]
    invoke = CliRunner().invoke
    fb = invoke(cli, ["feedback", "--summary", str(out), "--key-file", str(key_file), "--out", str(root / "fb"),
                      "--outbox", str(root / "ob")], catch_exceptions=False)
    assert fb.exit_code == 0, fb.output
    rm = invoke(cli, ["mail", "--reminders", "--summary", str(out), "--templates", str(root / "none"),
                      "--out", str(root / "ob")], catch_exceptions=False)
    assert rm.exit_code == 0, rm.output
    return root, out, placed, cell, layout


def _fields(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_good_files_are_untouched_and_hostile_ones_used(hostile, baseline):
    _, out, placed, _, _ = hostile
    ours = {rel for _, rel in placed.values()}
    assert [r for r in _csv(out / "values.csv") if r["file"] not in ours] == \
        [r for r in _csv(baseline / "values.csv") if r["file"] not in ours]
    ledger = {r["path"]: r["outcome"] for r in _csv(out / "ledger.csv")}
    assert all(ledger[rel] == "used" for rel in ours)


@pytest.mark.parametrize("name", list(CASES))
def test_csv_outputs(hostile, name):
    _, out, placed, cell, layout = hostile
    unit, rel = placed[name]
    _, one_line, lines = CASES[name]
    for file in ("values.csv", "status.csv", "issues.csv", "ledger.csv"):
        rows = _fields(out / file)
        for row in rows[1:]:
            for column, field in zip(rows[0], row, strict=True):
                # Only a note keeps its line breaks and tabs.
                note = file == "values.csv" and column == "value" and row[rows[0].index("period")] == "ghi_chu"
                assert not forbidden(field, single_line=not note), (file, column, field)
    values = {(r["cell"], r["period"]): r["value"] for r in _csv(out / "values.csv") if r["file"] == rel}
    assert values[(cell, layout.inputs[0].period_id)] == one_line
    assert values[(layout.notes[0].a1, "ghi_chu")] == lines
    status = next(s for s in _csv(out / "status.csv") if s["unit_code"] == unit and s["form"] == FORM)
    assert status["preparer"] == one_line and status["email"] == one_line
    assert status["phone"] == inert(one_line, single_line=True, limit=30)
    quoted = [i["message"] for i in _csv(out / "issues.csv") if i["file"] == rel and i["cell"] == cell]
    assert any(f"«{one_line}»" in m for m in quoted)


@pytest.fixture(scope="module")
def summary_texts(hostile):
    _, out, _, _, _ = hostile
    wb = openpyxl.load_workbook(out / "tong-hop-cchc.xlsx")
    return {ws.title: [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
            for ws in wb.worksheets}


@pytest.mark.parametrize("name", list(CASES))
def test_summary_workbook(hostile, summary_texts, name):
    _, _, _, _, _ = hostile
    _, one_line, _ = CASES[name]
    for sheet, texts in summary_texts.items():
        for text in texts:
            # Only the cchc's own multi-line texts (labels, messages) may break lines.
            assert not forbidden(text.replace("\n", " "), single_line=True), (sheet, text)
    assert one_line in summary_texts["Tình trạng nộp"]
    assert one_line in summary_texts["PL1 theo đơn vị"]
    assert any(f"«{one_line}»" in t for t in summary_texts["Vấn đề"])


def test_no_text_becomes_markup_in_a_workbook(hostile):
    root, _, _, _, _ = hostile
    books = sorted(Path(root).rglob("*.xlsx"))
    assert any(b.name == "tong-hop-cchc.xlsx" for b in books) and any("sua-loi" in b.name for b in books)
    for book in (b for b in books if "inbox" not in b.parts):
        with zipfile.ZipFile(book) as z:
            for name in (n for n in z.namelist() if n.endswith(".xml")):
                xml = z.read(name)
                expat.ParserCreate().Parse(xml, True)
                formulas = re.findall(rb"<f[ >][^<]*", xml)
                assert not [f for f in formulas if b"ke-gian" in f] and b'<c r="Z1"' not in xml, (book, name)


@pytest.mark.parametrize("name", list(CASES))
def test_feedback_workbook(hostile, name):
    root, _, placed, cell, layout = hostile
    unit, _ = placed[name]
    _, one_line, lines = CASES[name]
    wb = openpyxl.load_workbook(root / "fb" / unit / f"{FORM}_{unit}_sua-loi.xlsx")
    ws = wb[layout.sheet_name]
    for row in ws.iter_rows():
        for c in row:
            for text in (c.value, c.comment.text if c.comment else None):
                if isinstance(text, str):
                    assert not forbidden(text, single_line=False), (c.coordinate, text)
    assert ws[cell].value == one_line and ws[layout.notes[0].a1].value == lines
    assert ws[layout.preparer[0].a1].value == one_line


@pytest.mark.parametrize("name", list(CASES))
def test_emails(hostile, name):
    root, _, placed, _, _ = hostile
    unit, _ = placed[name]
    _, one_line, _ = CASES[name]
    for kind in ("nhac", "phan-hoi"):
        raw = (root / "ob" / f"{kind}-{unit}.eml").read_bytes()
        assert b"\r" not in raw.replace(b"\r\n", b"") and b"\n" not in raw.replace(b"\r\n", b"")
        msg = message_from_bytes(raw, policy=default)
        assert "Bcc" not in msg and "Cc" not in msg
        for key, value in msg.items():
            assert not forbidden(str(value), single_line=True), (kind, key, value)
        body = msg.get_body(("plain",)).get_content()
        assert not forbidden(body.replace("\r\n", ""), single_line=True), (kind, body)
        if kind == "nhac":
            assert f"«{one_line}»" in body
