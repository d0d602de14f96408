"""Issue 9, class 4 (values): nothing in a cell can stop the run, and every number that
leaves a file is finite and within its kind's bounds (catalogue ``max``)."""
from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import openpyxl
import pytest
from click.testing import CliRunner

from cchc.cli import cli
from harvest.cellvalues import parse
from harvest.issues import Code
from oslayer.fileio import NotReadable, read_csv, write_csv
from samples.fill import valid_values
from tests.conftest import FIXED_TIME
from tests.hostile_env import harvest_cli
from tests.hostile_env import read_csv_rows as _csv
from tests.rawcells import hostile_file
from xlsx_forms.errors import CchcError
from xlsx_forms.layout import form_layout

UNIT, FORM = "p-tran-phu", "PL1"


class ErrorValue:
    """What a reader may hand over for an error cell (#DIV/0!), or any unknown object."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text")


# raw value → the code expected for a count cell (None: accepted).
COUNT_CASES = [
    (math.nan, "V-NOT-NUMBER"), (math.inf, "V-MAGNITUDE"), (-math.inf, "V-NEGATIVE"),
    (1e308, "V-MAGNITUDE"), (1e10, "V-MAGNITUDE"), (1_000_000_001, "V-MAGNITUDE"),
    (1_000_000_000, None), (10 ** 400, "V-MAGNITUDE"), (-(10 ** 400), "V-NEGATIVE"),
    (Decimal("NaN"), "V-NOT-NUMBER"), (Decimal("1e999999"), "V-MAGNITUDE"), (Decimal("12"), None),
    (Fraction(1, 3), "V-NOT-INTEGER"),
    ("1e308", "V-NOT-NUMBER"), ("NaN", "V-NOT-NUMBER"), ("nan", "V-NOT-NUMBER"), ("inf", "V-NOT-NUMBER"),
    ("Infinity", "V-NOT-NUMBER"), ("-inf", "V-NOT-NUMBER"), ("∞", "V-NOT-NUMBER"),
    ("99999999999999999999", "V-MAGNITUDE"), ("9" * 5000, "V-MAGNITUDE"), ("1.000.000.000.000", "V-MAGNITUDE"),
    (True, "V-NOT-NUMBER"), (b"12", "V-NOT-NUMBER"), (bytearray(b"1"), "V-NOT-NUMBER"),
    (ErrorValue("#DIV/0!"), "V-NOT-NUMBER"), (ErrorValue("#VALUE!"), "V-NOT-NUMBER"),
    (Unprintable(), "V-NOT-NUMBER"), (object(), "V-NOT-NUMBER"), ([1, 2], "V-NOT-NUMBER"),
    (timedelta(days=3), "V-DATE-NUMBER"), (timedelta(days=-3), "V-NEGATIVE"),
    (time(6, 0), "V-NOT-INTEGER"), (datetime(9999, 12, 31, 23, 59), "V-DATE-NUMBER"),
    (datetime(2020, 3, 1, tzinfo=timezone(timedelta(hours=14))), "V-DATE-NUMBER"),
    (date(1, 1, 1), "V-NEGATIVE"),
]


@pytest.mark.parametrize("raw, code", COUNT_CASES, ids=[repr(c[0])[:24] for c in COUNT_CASES])
def test_count_cell_never_raises_and_bounds_every_number(catalogue, raw, code):
    value, problems = parse(raw, catalogue.kinds["count"])
    codes = [p.code for p in problems]
    if code is None:
        assert codes == [] and isinstance(value, int) and 0 <= value <= catalogue.kinds["count"].max
    else:
        assert code in codes
        if problems[-1].code != "V-DATE-NUMBER":
            assert value is None
    assert value is None or (math.isfinite(value) and 0 <= value <= catalogue.kinds["count"].max)


@pytest.mark.parametrize("kind", ["count", "percent", "flag", "rating"])
def test_every_kind_returns_only_bounded_values(catalogue, kind):
    """Every raw value of the table, and random magnitudes, in every kind of cell."""
    rnd = random.Random(9)
    raws = [r for r, _ in COUNT_CASES] + [rnd.choice([-1, 1]) * 10 ** rnd.uniform(-300, 308) for _ in range(300)]
    k = catalogue.kinds[kind]
    for raw in raws:
        value, problems = parse(raw, k)
        assert all(p.code in {c.value for c in Code} for p in problems)
        if kind == "rating":
            assert value in (None, *k.choices)
        else:
            assert value is None or (math.isfinite(value) and 0 <= value <= k.max), (raw, value)


def test_the_bounds_live_in_the_catalogue(catalogue):
    kinds = catalogue.kinds
    assert (kinds["count"].max, kinds["percent"].max, kinds["flag"].max) == (1_000_000_000, 100, 1)
    assert kinds["note"].max_length == 1000 and kinds["count"].max < 2 ** 53 / 100_000


def test_magnitude_message_quotes_the_value(catalogue):
    _, problems = parse("99999999999999999999", catalogue.kinds["count"])
    from harvest.issues import issue
    message = issue(problems[-1].code, **problems[-1].fields).message
    assert "«99999999999999999999»" in message and "1.000.000.000" in message


# ---------------------------------------------------------------- end to end, in a subprocess

# A number element's raw text → how messages and values.csv show it: a finite number as
# the number read, anything else (a damaged cell) as the very text stored.
NUMBERS = {b"NaN": "NaN", b"nan": "nan", b"Infinity": "Infinity", b"-inf": "-inf", b"1e308": "1e+308",
           b"1e309": "1e309", b"99999999999999999999999": "1e+23", b"1e10": "10000000000"}
TEXTS = ["1e308", "NaN", "inf", "∞", "99999999999999999999", "1.000.000.000.000"]
PERCENTS = {b"NaN": "NaN", b"1e308": "1e+308", b"Infinity": "Infinity"}
LONG_NOTE = "Số liệu đã được rà soát. " * 8000 + "Hết."   # 200,004 characters


@pytest.fixture(scope="module")
def absurd(good_inbox, generated, key_file, catalogue, tmp_path_factory):
    """The good inbox with one unit's PL1 replaced by a file full of absurd numbers and a
    200,000-character note, harvested in a subprocess."""
    out_dir, files = generated
    form = catalogue.form(FORM)
    layout = form_layout(form)
    counts = [c.a1 for c in layout.inputs if c.kind == "count"]
    percents = [c.a1 for c in layout.inputs if c.kind == "percent"]
    # The first cells of each kind take the absurd values; the form has more cells than values.
    numbers = dict(zip(counts, NUMBERS, strict=False))
    numbers.update(zip(percents, PERCENTS, strict=False))
    texts = dict(zip(counts[len(NUMBERS):], TEXTS, strict=False))
    root = tmp_path_factory.mktemp("absurd")
    inbox = root / "inbox"
    for path in good_inbox.rglob("*.xlsx"):
        (inbox / path.relative_to(good_inbox)).parent.mkdir(parents=True, exist_ok=True)
        (inbox / path.relative_to(good_inbox)).write_bytes(path.read_bytes())
    template = out_dir / next(g.path for g in files if g.form == FORM and g.unit.code == UNIT)
    bad = inbox / UNIT / f"{FORM}.xlsx"
    hostile_file(template, form, valid_values(form, UNIT, random.Random(4)), bad, saved_at=FIXED_TIME,
                 numbers=numbers, texts=texts, notes={layout.notes[0].key: LONG_NOTE})
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in inbox.rglob("*") if p.is_file()}
    out = root / "out"
    run = harvest_cli(inbox, out, key_file)
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in inbox.rglob("*") if p.is_file()}
    assert before == after and sorted(p.name for p in root.iterdir()) == ["inbox", "out"]
    shown = {a: {**NUMBERS, **PERCENTS}[v] for a, v in numbers.items()}
    return out, run, {**shown, **texts}, f"{UNIT}/{FORM}.xlsx"


def test_absurd_numbers_never_stop_the_harvest(absurd):
    out, run, _, _ = absurd
    assert run.returncode == 0, run.stderr[-3000:]
    assert {"tong-hop-cchc.xlsx", "values.csv", "issues.csv", "ledger.csv", "status.csv"} <= \
        {p.name for p in out.iterdir()}


def test_other_files_rows_are_exactly_as_without_it(absurd, baseline):
    out, _, _, rel = absurd
    mine = [r for r in _csv(out / "values.csv") if r["file"] != rel]
    theirs = [r for r in _csv(baseline / "values.csv") if r["file"] != rel]
    assert mine == theirs and mine


def test_each_absurd_cell_is_an_error_quoting_it_and_never_a_number(absurd, catalogue):
    out, _, cells, rel = absurd
    ledger = {r["path"]: r for r in _csv(out / "ledger.csv")}
    assert ledger[rel]["outcome"] == "used"
    issues = [i for i in _csv(out / "issues.csv") if i["file"] == rel]
    values = {r["cell"]: r["value"] for r in _csv(out / "values.csv") if r["file"] == rel}
    for address, raw in cells.items():
        errors = [i for i in issues if i["cell"] == address and i["severity"] == "error"]
        assert errors, address
        shown = raw
        assert any(shown in e["message"] for e in errors), (address, raw, errors)
        assert errors[0]["message"].startswith(f"{rel}, trang «Phụ lục 1», ô {address}: ")
        # Kept as text (what the file held); quoted when a reader would take it for a number.
        try:
            float(shown)
            assert values[address] == "'" + shown, (address, values[address])
        except ValueError:
            assert values[address] == shown, (address, values[address])


def test_every_number_written_is_finite_and_the_summary_opens(absurd, catalogue):
    out, _, _, _ = absurd
    bounds = {(f.id, r.id): catalogue.kinds[r.kind].max for f in catalogue.forms.values() for r in f.input_rows}
    for row in _csv(out / "values.csv"):
        try:
            number = float(row["value"])
        except ValueError:
            continue
        assert math.isfinite(number)
        if row["period"] != "ghi_chu":
            assert abs(number) <= bounds[(row["form"], row["row_id"])], row
    wb = openpyxl.load_workbook(out / "tong-hop-cchc.xlsx", read_only=True)
    numbers = [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
               if isinstance(c, (int, float))]
    assert numbers and all(math.isfinite(n) and abs(n) <= 1e14 for n in numbers)


def test_long_note_is_cut_to_the_template_limit_with_a_warning(absurd, catalogue):
    out, _, _, rel = absurd
    limit = catalogue.kinds["note"].max_length
    note = next(r for r in _csv(out / "values.csv") if r["file"] == rel and r["period"] == "ghi_chu")
    assert len(note["value"]) == limit and LONG_NOTE.startswith(note["value"][:-1])
    warning = next(i for i in _csv(out / "issues.csv") if i["file"] == rel and i["code"] == "V-TEXT-LONG")
    assert warning["severity"] == "warning" and f"{len(LONG_NOTE)} ký tự" in warning["message"] \
        and f"{limit} ký tự" in warning["message"]


def test_feedback_reads_the_outputs_and_writes_text_not_nan(absurd, key_file, tmp_path):
    out, _, cells, _ = absurd
    result = CliRunner().invoke(cli, ["feedback", "--summary", str(out), "--key-file", str(key_file),
                                      "--out", str(tmp_path / "fb"), "--outbox", str(tmp_path / "ob")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "fb" / UNIT / f"{FORM}_{UNIT}_sua-loi.xlsx")
    ws = wb["Phụ lục 1"]
    for address in cells:
        value = ws[address].value
        assert value is None or isinstance(value, str) or (math.isfinite(value) and value <= 1e9), \
            (address, value)


# ---------------------------------------------------------------- reading CSV files back

def test_read_csv_takes_huge_fields(tmp_path):
    path = tmp_path / "values.csv"
    write_csv(path, ("a", "b"), [("x" * 1_000_000, "y")])
    assert read_csv(path) == [{"a": "x" * 1_000_000, "b": "y"}]


BROKEN_CSV = [
    ("a,b\r\n\"x\x00y,1\r\n".encode("cp1258", "replace") + b"\xff\xfe", "UTF-8"),
    (b'a,b\r\n"x"y"z,1\r\n\xc3', "UTF-8"),
]


@pytest.mark.parametrize("content, words", BROKEN_CSV)
def test_a_broken_csv_is_refused_with_a_reason(tmp_path, content, words):
    path = tmp_path / "status.csv"
    path.write_bytes(content)
    with pytest.raises(NotReadable) as err:
        read_csv(path)
    assert words in str(err.value)


def _readers():
    """Every place cchc reads back a CSV it wrote: (name, reader of the file at a path)."""
    from cchc import mail_commands, report_command
    from harvest.citycsv import read_city_csv
    from mailer import feedback, outbox
    from xlsx_forms.spec_loader import load_catalogue
    return [
        ("mail", lambda path: mail_commands._rows(path, "--summary")),
        ("report", report_command._rows),
        ("feedback", feedback._rows),
        ("outbox", lambda path: outbox.records(path.parent)),
        ("city", lambda path: read_city_csv(path, load_catalogue())),
    ]


@pytest.mark.parametrize("reader", [name for name, _ in _readers()])
@pytest.mark.parametrize("content, words", BROKEN_CSV)
def test_a_broken_csv_is_a_message_naming_the_file(tmp_path, reader, content, words):
    path = tmp_path / "sent.csv"   # the name outbox.records reads; the others take any path
    path.write_bytes(content)
    with pytest.raises(CchcError) as err:
        dict(_readers())[reader](path)
    assert err.value.code == "CSV_INVALID" and str(path) in str(err.value) and words in str(err.value)


def test_feedback_on_a_broken_summary_says_loi(tmp_path, key_file):
    summary = tmp_path / "summary"
    summary.mkdir()
    (summary / "status.csv").write_bytes(b"unit_code,status\r\n\xff\xfe\x00bad")
    result = CliRunner().invoke(cli, ["feedback", "--summary", str(summary), "--key-file", str(key_file),
                                      "--out", str(tmp_path / "fb"), "--outbox", str(tmp_path / "ob")])
    assert result.exit_code == 2 and "Lỗi:" in result.output and "status.csv" in result.output


@pytest.mark.parametrize("code", ["V-MAGNITUDE", "V-TEXT-LONG", "V-TEXT-HIDDEN", "F-SAVED-TIME", "R-CLOCK"])
def test_new_codes_are_catalogued_and_documented(code):
    from pathlib import Path
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert Code(code) and f"`{code}`" in readme.split("### Issue codes", 1)[1]
