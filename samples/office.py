"""Save workbooks through LibreOffice headless, as an office using LibreOffice would."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

FILTERS = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "pdf": "pdf", "ods": "ods", "xls": "xls:MS Excel 97"}


def soffice_path() -> str | None:
    """Path of the soffice binary, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(sources: list[Path], out_dir: Path, target: str, profile: Path | None = None) -> list[Path]:
    """Convert ``sources`` to ``target`` in ``out_dir`` with one soffice run and a private
    profile. Works on copies, so no ``.~lock`` file ever lands beside the originals."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cchc-lo-") as tmp:
        work = Path(tmp)
        copies = []
        for src in sources:
            copy = work / src.name
            shutil.copyfile(src, copy)
            copies.append(copy)
        profile = profile or work / "profile"
        cmd = [soffice_path(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", FILTERS[target], "--outdir", str(out_dir), *map(str, copies)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    results = [out_dir / f"{src.stem}.{target}" for src in sources]
    missing = [r for r in results if not r.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice produced nothing for {missing}")
    return results
