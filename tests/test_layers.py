"""The packages depend on each other in one direction only: cchc (the CLI) → mailer, harvest
→ xlsx_forms → sheetio (the bounded spreadsheet readers), oslayer. A package that imported
one above it would make the layer below unusable alone (oslayer in a script, the readers
without the forms, harvest without the CLI), would make a cycle of imports (the readers
and the forms, each needing the other to be loaded first) and, for oslayer, would drag the
whole application into every spawned worker."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile_env import REPO

# package → the first-party packages it must never import.
ABOVE = {
    "oslayer": {"cchc", "mailer", "harvest", "xlsx_forms", "samples", "sheetio"},
    "sheetio": {"cchc", "mailer", "harvest", "xlsx_forms", "samples"},
    "xlsx_forms": {"cchc", "mailer", "harvest"},
    "mailer": {"cchc"},
    "harvest": {"cchc", "mailer"},
}
# The packages a module can be loaded alone from: what importing each of their modules
# loads of the application is checked at run time too.
ALONE = {"oslayer": {"oslayer.parallel", "oslayer.portable", "oslayer.fileio"},
         "sheetio": {"sheetio.reader", "sheetio.cells", "sheetio.textnumber"}}


def _imported(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports (absolute imports, at any depth)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(ABOVE))
def test_no_package_imports_one_above_it(package):
    wrong = {str(path.relative_to(REPO)): sorted(_imported(path) & ABOVE[package])
             for path in sorted((REPO / package).rglob("*.py"))}
    assert {k: v for k, v in wrong.items() if v} == {}


@pytest.mark.parametrize("package", sorted(ALONE))
def test_package_alone_loads_no_application_module(package):
    # The run-time view of the same rule: what importing every module of the package loads
    # (an import made through importlib or by a third-party module in turn shows here).
    modules = sorted(f"{package}.{p.stem}" for p in (REPO / package).glob("*.py") if p.stem != "__init__")
    assert ALONE[package] <= set(modules)
    code = (f"import sys\nfor m in {modules!r}: __import__(m)\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(ABOVE[package])!r})))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_workbook_cchc_writes_keeps_texts_as_texts():
    # xlsx_forms.safebook is the one place an XlsxWriter workbook or worksheet class is
    # taken from xlsxwriter: any other would write a text that looks like rich-text markup
    # as markup (a formula of the sender's in the Board's workbook).
    wrong = []
    for package in ("cchc", "mailer", "harvest", "xlsx_forms", "samples"):
        for path in sorted((REPO / package).rglob("*.py")):
            if path == REPO / "xlsx_forms" / "safebook.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("xlsxwriter"):
                    wrong += [f"{path.relative_to(REPO)}: {a.name}" for a in node.names
                              if a.name in ("Workbook", "Worksheet", "workbook", "worksheet", "*")]
                elif isinstance(node, ast.Import):
                    wrong += [f"{path.relative_to(REPO)}: {a.name}" for a in node.names
                              if a.name.split(".")[0] == "xlsxwriter"]
    assert wrong == []


# Libraries that take a tenth of a second or more to import (openpyxl with numpy: a third),
# each needed by a few commands only: the start of every command, and the harvest, the
# command run most, load none of them (they are imported where they are used).
HEAVY = ("openpyxl", "numpy", "pandas", "matplotlib", "docx", "docxtpl", "lxml", "PIL", "urllib.request")


@pytest.mark.parametrize("command", [
    (),                       # the CLI loaded, as by «cchc --help»
    ("harvest", "samples/inbox", "--key-file", "samples/demo-hmac.key", "--out", "{out}"),
])
def test_a_command_starts_without_the_heavy_libraries(tmp_path, command):
    args = [a.format(out=tmp_path / "out") for a in command]
    code = ("import sys, atexit\n"
            f"atexit.register(lambda: print('LOADED', sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
            "from cchc.cli import main\n"
            f"sys.argv = ['cchc', *{args!r}]\n"
            + ("main()\n" if args else ""))
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          encoding="utf-8")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "LOADED []", done.stdout[-2000:]
