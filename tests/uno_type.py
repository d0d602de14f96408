"""Type into a workbook through LibreOffice (UNO) the way a clerk does, and save it.

Run by tests/test_percent_uno.py with a Python that has ``uno`` (the system's
``/usr/bin/python3`` with python3-uno, or LibreOffice's own): the project's virtual
environment has none, so this script imports nothing of the project.

    python3 uno_type.py JOB.json   → prints a JSON report on stdout

JOB: {"template": path, "out_dir": path, "locale": "vi-VN", "timeout": seconds,
      "sheet": name, "cells": {"D23": "85%", …}, "formats": ["xlsx", "ods", "xls"]}

One soffice per run, with a private profile whose locale is JOB's (the locale decides
whether "0,85" is a number), listening on a free loopback port; killed at the end
whatever happens. Each cell is typed three times, in three copies of the template:

- ``local``: the cell's ``FormulaLocal`` property, parsed as typing in the cell is, with
  the locale's separators (what a clerk's keystrokes give). LibreOffice stores "85%" as
  0.85 and keeps the template's format (it only replaces a type's standard format);
- ``formula``: ``XCell.setFormula``, parsed in en-US whatever the locale (what macros give);
- ``pasted``: as ``local``, in a cell whose format was reset to the standard one (what
  pasting from a plain workbook does): then "85%" also puts a percent format on the cell.

UNO writes bypass sheet protection and data validation, so the 0–100 validation does
not stop 0.85 here; it does not stop it in the office either (0.85 is in 0–100).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.lang import DisposedException
from com.sun.star.uno import RuntimeException as UnoRuntimeException

MODES = ("local", "formula", "pasted")
FILTERS = {"xlsx": "Calc MS Excel 2007 XML", "ods": "calc8", "xls": "MS Excel 97"}
XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">
<value>{locale}</value></prop></item>
</oor:items>
"""


def _prop(name: str, value) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise SystemExit("soffice not found")
    return found


def _connect(port: int, proc: subprocess.Popen, deadline: float):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    while True:
        try:
            ctx = resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except NoConnectException:
            if proc.poll() is not None:
                raise SystemExit(f"soffice exited with {proc.returncode} before accepting connections") from None
            if time.monotonic() > deadline:
                raise SystemExit("soffice did not accept a connection in time") from None
            time.sleep(0.25)


def _cell_report(doc, cell) -> dict:
    key = cell.NumberFormat
    fmt = doc.NumberFormats.getByKey(key)
    loc = fmt.Locale
    return {"content": cell.getType().value,    # EMPTY, VALUE, TEXT or FORMULA
            "value": cell.getValue(), "string": cell.getString(), "format": fmt.FormatString,
            "format_locale": f"{loc.Language}-{loc.Country}"}


def _fill(desktop, job: dict, mode: str, out_dir: Path) -> dict:
    copy = out_dir / f"template-{mode}.xlsx"
    shutil.copyfile(job["template"], copy)
    doc = desktop.loadComponentFromURL(copy.resolve().as_uri(), "_blank", 0, (_prop("Hidden", True),))
    try:
        sheet = doc.Sheets.getByName(job["sheet"])
        cells = {}
        for address, typed in job["cells"].items():
            cell = sheet.getCellRangeByName(address)
            if mode == "pasted":
                cell.NumberFormat = 0    # the standard format of the document's locale
            if mode == "formula":
                cell.setFormula(typed)
            else:
                cell.setPropertyValue("FormulaLocal", typed)
            cells[address] = {"typed": typed, **_cell_report(doc, cell)}
        saved = {}
        for fmt in job["formats"]:
            target = out_dir / f"typed-{mode}.{fmt}"
            doc.storeToURL(target.resolve().as_uri(), (_prop("FilterName", FILTERS[fmt]),))
            saved[fmt] = str(target)
        return {"cells": cells, "saved": saved}
    finally:
        doc.close(True)


def run(job: dict) -> dict:
    """Start soffice, type the cells in both modes, save every format, stop soffice."""
    out_dir = Path(job["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + float(job.get("timeout", 120))
    with tempfile.TemporaryDirectory(prefix="cchc-uno-") as tmp:
        profile = Path(tmp) / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(XCU.format(locale=job["locale"]),
                                                                   encoding="utf-8")
        port = _free_port()
        proc = subprocess.Popen(
            [_soffice(), "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
             f"-env:UserInstallation={profile.as_uri()}",
             f"--accept=socket,host=127.0.0.1,port={port};urp;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            desktop = _connect(port, proc, deadline)
            report = {mode: _fill(desktop, job, mode, out_dir) for mode in MODES}
            try:
                desktop.terminate()
            except (DisposedException, UnoRuntimeException):
                pass   # the bridge goes down with soffice: expected, _stop makes sure
            return report
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """End the soffice this run started, and its children (its own process group)."""
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    if os.name == "posix":
        try:
            os.killpg(proc.pid, signal.SIGKILL)   # the group we created: oosplash and soffice.bin
        except ProcessLookupError:
            pass
    elif proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)


if __name__ == "__main__":
    print(json.dumps(run(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))), ensure_ascii=False))
