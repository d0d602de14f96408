"""Write a narrative report in LibreOffice Writer (UNO) the way a clerk does, and save it.

Run by tests/test_narrative_uno.py with a Python that has ``uno`` (see tests/uno_type.py,
whose soffice handling this reuses: one soffice per run, a private profile, a free
loopback port, killed at the end whatever happens). Imports nothing of the project.

    python3 uno_write.py JOB.json   → prints a JSON report on stdout

JOB: {"template": path, "out_dir": path, "locale": "vi-VN", "timeout": seconds,
      "write": {heading: text}, "overwrite": {guidance line: text}, "formats": ["docx", "odt"]}

``write``: the text is typed into the first empty paragraph under the heading (each line
of it a paragraph, Enter between them); ``overwrite``: the guidance paragraph is typed
over (it keeps the guidance's style, as it does when a clerk selects it and types).
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno  # noqa: F401 - first: it lets Python import the com.sun.star names below
from com.sun.star.lang import DisposedException
from com.sun.star.text.ControlCharacter import PARAGRAPH_BREAK
from com.sun.star.uno import RuntimeException as UnoRuntimeException
from uno_type import XCU, _connect, _free_port, _prop, _soffice, _stop

FILTERS = {"docx": "MS Word 2007 XML", "odt": "writer8"}


def _paragraphs(doc):
    """Top-level paragraphs of the body, in order (tables skipped)."""
    found = []
    items = doc.Text.createEnumeration()
    while items.hasMoreElements():
        item = items.nextElement()
        if item.supportsService("com.sun.star.text.Paragraph"):
            found.append(item)
    return found


def _write(doc, job: dict) -> dict:
    text = doc.Text
    paragraphs = _paragraphs(doc)
    written = {}
    for heading, content in job.get("write", {}).items():
        at = next(i for i, p in enumerate(paragraphs) if " ".join(p.getString().split()) == heading)
        target = next(p for p in paragraphs[at + 1:] if not p.getString())
        cursor = text.createTextCursorByRange(target.getStart())
        for n, line in enumerate(content.split("\n")):
            if n:
                text.insertControlCharacter(cursor, PARAGRAPH_BREAK, False)
            text.insertString(cursor, line, False)
        written[heading] = content
    for guidance, content in job.get("overwrite", {}).items():
        target = next(p for p in paragraphs if " ".join(p.getString().split()) == guidance)
        target.setString(content)
        written[guidance] = content
    return written


def run(job: dict) -> dict:
    """Start soffice, write into the template, save every format, stop soffice."""
    out_dir = Path(job["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + float(job.get("timeout", 120))
    with tempfile.TemporaryDirectory(prefix="cchc-uno-") as tmp:
        profile = Path(tmp) / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(XCU.format(locale=job.get("locale", "vi-VN")),
                                                                   encoding="utf-8")
        port = _free_port()
        proc = subprocess.Popen(
            [_soffice(), "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
             f"-env:UserInstallation={profile.as_uri()}",
             f"--accept=socket,host=127.0.0.1,port={port};urp;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            desktop = _connect(port, proc, deadline)
            copy = out_dir / "template.docx"
            copy.write_bytes(Path(job["template"]).read_bytes())
            doc = desktop.loadComponentFromURL(copy.resolve().as_uri(), "_blank", 0, (_prop("Hidden", True),))
            try:
                written = _write(doc, job)
                saved = {}
                for fmt in job["formats"]:
                    target = out_dir / f"written.{fmt}"
                    doc.storeToURL(target.resolve().as_uri(), (_prop("FilterName", FILTERS[fmt]),))
                    saved[fmt] = str(target)
            finally:
                doc.close(True)
            try:
                desktop.terminate()
            except (DisposedException, UnoRuntimeException):
                pass   # the bridge goes down with soffice: expected, _stop makes sure
            return {"written": written, "saved": saved}
        finally:
            _stop(proc)


if __name__ == "__main__":
    print(json.dumps(run(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))), ensure_ascii=False))
