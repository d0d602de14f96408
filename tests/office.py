"""LibreOffice headless helpers for tests: save as a real office suite would."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def soffice_path() -> str | None:
    """Path of the soffice binary, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(src: Path, out_dir: Path, target: str, profile: Path) -> Path:
    """Convert ``src`` (a copy, so no .~lock file lands beside it) to ``target``
    ('xlsx', 'pdf', 'ods', 'xls') in ``out_dir`` with a private profile."""
    work = out_dir / "in"
    work.mkdir(parents=True, exist_ok=True)
    copy = work / src.name
    shutil.copyfile(src, copy)
    filters = {"xlsx": 'xlsx:"Calc MS Excel 2007 XML"', "pdf": "pdf", "ods": "ods",
               "xls": 'xls:"MS Excel 97"'}
    cmd = [soffice_path(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
           "--norestore", "--convert-to", filters[target].replace('"', ""), "--outdir", str(out_dir),
           str(copy)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=180)
    result = out_dir / f"{src.stem}.{target}"
    if not result.exists():
        raise RuntimeError(f"LibreOffice produced no {target} for {src}")
    return result
