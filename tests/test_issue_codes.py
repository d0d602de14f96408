"""The issue-code catalogue (harvest.issues.Code), the codes the code writes, and README's
"Issue codes" table agree: the same codes, with the same severities. The outcomes of a
file (ledger.csv) are one enum, documented in README."""
from __future__ import annotations

import ast
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest

from harvest.issues import CONFIRM_CODES, ERROR, LEFT_OUT_VI, WARNING, Code, issue
from harvest.reconcile import Outcome

ROOT = Path(__file__).parents[1]
PACKAGES = ("harvest", "mailer", "cchc", "xlsx_forms", "sheetio", "samples")
CODE = re.compile(r"[FVRPN]-[A-Z0-9]+(?:-[A-Z0-9]+)*")


@lru_cache(maxsize=1)
def _sources() -> tuple[tuple[str, ast.Module], ...]:
    """(path from the root, syntax tree) of every module of the packages."""
    return tuple((str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8")))
                 for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py")))


def _codes_in_source() -> dict[str, list[tuple[str, bool]]]:
    """code → (where, as a literal?) of every string literal that looks like a code and
    every ``Code.NAME`` in the packages, except in the catalogue itself."""
    found: dict[str, list[tuple[str, bool]]] = {}
    for path, tree in _sources():
        if path == str(Path("harvest", "issues.py")):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.fullmatch(node.value):
                code, literal = node.value, True
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Code":
                code, literal = getattr(Code, node.attr).value, False   # an unknown name fails here
            else:
                continue
            found.setdefault(code, []).append((f"{path}:{node.lineno}", literal))
    return found


def _readme_table() -> dict[str, str]:
    """code → severity, from README's "Issue codes" table (rows list several codes, with
    one severity or one per code: "warning / error")."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("### Issue codes", 1)[1].split("\n#", 1)[0]
    table: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        codes = [c for c in re.findall(r"`([^`]+)`", cells[0]) if CODE.fullmatch(c)]
        severities = [s.strip() for s in cells[1].split("/")]
        if not codes:
            assert cells[0] == "`PL…-R..`" and cells[1] == "per spec", line   # the forms' own rules
            continue
        assert len(severities) in (1, len(codes)), line
        for i, code in enumerate(codes):
            assert code not in table, f"{code} twice in README"
            table[code] = severities[0] if len(severities) == 1 else severities[i]
    return table


def test_the_code_writes_exactly_the_catalogued_codes():
    used = _codes_in_source()
    catalogued = {c.value for c in Code}
    assert set(used) - catalogued == set(), {c: used[c] for c in set(used) - catalogued}
    assert catalogued - set(used) == set(), "catalogued but never written"


def test_readme_lists_exactly_the_catalogue_with_its_severities():
    assert _readme_table() == {c.value: c.severity for c in Code}


@pytest.mark.parametrize("code", list(Code), ids=str)
def test_each_code_is_complete(code):
    assert CODE.fullmatch(code) and code.name == code.value.replace("-", "_")
    assert code.severity in (ERROR, WARNING)
    assert unicodedata.is_normalized("NFC", code.template)
    assert code.confirm == code.startswith("P-")   # plausibility: please confirm
    assert not (code.left_out and code.severity != ERROR)   # only errors leave a value out
    fields = dict.fromkeys(re.findall(r"\{(\w+)\}", code.template), "x")
    made = issue(code, **fields)
    assert (made.code, made.severity) == (code.value, code.severity) and type(made.code) is str


def test_views_of_the_catalogue():
    assert CONFIRM_CODES == {c.value for c in Code if c.confirm}
    assert LEFT_OUT_VI == {c.value: c.left_out for c in Code if c.left_out}
    assert all(type(c) is str for c in (*CONFIRM_CODES, *LEFT_OUT_VI))


def test_outcomes_are_one_enum_documented_in_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ledger = next(line for line in readme.splitlines() if line.startswith("| `ledger.csv` |"))
    assert f"(outcome: {', '.join(o.value for o in Outcome)};" in ledger
    assert len({o.label for o in Outcome}) == len(Outcome)
    assert all(unicodedata.is_normalized("NFC", o.label) for o in Outcome)


def test_no_outcome_string_is_written_outside_the_enum():
    """The outcome values appear as string literals only in their enum's definition."""
    values = {o.value for o in Outcome}
    stray = []
    for path, tree in _sources():
        defined = {id(n) for c in ast.walk(tree) if isinstance(c, ast.ClassDef) and c.name == "Outcome"
                   for n in ast.walk(c)}
        stray += [f"{path}:{n.lineno}" for n in ast.walk(tree)
                  if isinstance(n, ast.Constant) and n.value in values and id(n) not in defined]
    assert stray == []



# Modules still writing codes as string literals (checked against the catalogue above):
# the per-kind value checks, which the kinds work of issue 11 rewrites.
# xlsx_forms sits below harvest (it may not import harvest.issues): the kinds' value checks
# name their codes as text, still checked against the catalogue by the test above.
LITERALS_ALLOWED = {str(Path("xlsx_forms", "kinds.py"))}


def test_codes_are_written_as_catalogue_members():
    literal = sorted(where for places in _codes_in_source().values() for where, is_literal in places
                     if is_literal and where.rsplit(":", 1)[0] not in LITERALS_ALLOWED)
    assert literal == [], "write Code.NAME, not the code as a string"
