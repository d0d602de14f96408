"""Check that ``pip install`` alone gives a working cchc: build the wheel, install it into a
fresh virtual environment (no system packages, no source tree on the path), and run the
demo from a folder outside the repository.

    python scripts/check_wheel.py [--keep]

Fails (exit 1, saying what) when the wheel lacks a module or a data file of the source tree
(a package, specs, plans, registries, the samples), when the installed cchc reads anything from the source
tree, or when generate or harvest do not write their outputs. Runs on Linux, macOS and
Windows; needs the package index (or a pip configured with a local one) for the
dependencies. ``--keep`` leaves the temporary folder for a look.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# source folder -> where it is in the wheel
PACKAGES = {"cchc": "cchc", "xlsx_forms": "xlsx_forms", "harvest": "harvest", "mailer": "mailer",
            "oslayer": "oslayer", "sheetio": "sheetio", "samples": "cchc/samples"}
HARVEST_OUTPUTS = ("tong-hop-cchc.xlsx", "values.csv", "issues.csv", "ledger.csv", "status.csv")


def fail(message: str) -> None:
    sys.exit(f"check_wheel: {message}")


def run(args: list, cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run([str(a) for a in args], check=False, cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", errors="replace")
    if done.returncode != 0:
        fail(f"{' '.join(map(str, args))} (exit {done.returncode})\n{done.stdout}\n{done.stderr}")
    return done.stdout


def tracked_files() -> set[str]:
    """Every file of the source tree's packages, modules and data, as the wheel names it
    (NFC: git may hold a name in NFD, the wheel as the build read it)."""
    listed = run(["git", "ls-files", "-z", *PACKAGES], REPO).split("\0")
    out = set()
    for rel in filter(None, listed):
        top, _, rest = rel.partition("/")
        if not rel.endswith(".pyc") and rest:
            out.add(unicodedata.normalize("NFC", f"{PACKAGES[top]}/{rest}"))
    return out


def check_contents(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = {unicodedata.normalize("NFC", n) for n in z.namelist()}
    missing = sorted(tracked_files() - names)
    if missing:
        fail("the wheel lacks " + ", ".join(missing))


def clean_env() -> dict:
    """This environment without anything that would put the source tree on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def main() -> None:
    keep = "--keep" in sys.argv[1:]
    work = Path(tempfile.mkdtemp(prefix="cchc-wheel-"))
    try:
        # From a copy of the tracked files: neither a stale build/ nor an untracked file
        # of this tree can make up for a file the repository lacks.
        source = work / "source"
        for rel in filter(None, run(["git", "ls-files", "-z"], REPO).split("\0")):
            if (REPO / rel).is_file():
                (source / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / rel, source / rel)
        run([sys.executable, "-m", "pip", "wheel", source, "--no-deps", "-q", "-w", work / "dist"], work)
        [wheel] = (work / "dist").glob("cchc-*.whl")
        check_contents(wheel)
        run([sys.executable, "-m", "venv", work / "venv"], work)
        scripts = work / "venv" / ("Scripts" if os.name == "nt" else "bin")
        python = scripts / ("python.exe" if os.name == "nt" else "python")
        env = clean_env()
        run([python, "-m", "pip", "install", "-q", wheel], work, env)
        here = work / "elsewhere"
        here.mkdir()
        samples = Path(run([python, "-c", "from cchc.demo import samples_dir; print(samples_dir())"], here, env)
                       .strip())
        if REPO in samples.parents or not (samples / "inbox").is_dir():
            fail(f"the installed cchc finds its samples at {samples}, not in the installed package")
        cchc = scripts / ("cchc.exe" if os.name == "nt" else "cchc")
        key = samples / "demo-hmac.key"
        run([cchc, "generate", "--key-file", key, "--out", "templates"], here, env)
        run([cchc, "harvest", samples / "inbox", "--key-file", key, "--templates", "templates", "--out", "summary"],
            here, env)
        workbooks = list((here / "templates").rglob("*.xlsx"))
        if not (here / "templates" / "manifest.csv").is_file() or not workbooks:
            fail("cchc generate wrote no workbook or no manifest")
        missing = [n for n in HARVEST_OUTPUTS if not (here / "summary" / n).is_file()]
        if missing:
            fail(f"cchc harvest did not write {', '.join(missing)}")
        # The same demo through python -m cchc.demo, with every fallback of the portable mode.
        run([python, "-m", "cchc.demo", "demo"], here, {**env, "CCHC_PORTABLE": "1"})
        for name in (n for n in HARVEST_OUTPUTS if n.endswith(".csv")):
            if (here / "demo" / "summary" / name).read_bytes() != (here / "summary" / name).read_bytes():
                fail(f"python -m cchc.demo (CCHC_PORTABLE=1) wrote another {name} than cchc harvest")
        print(f"check_wheel: {wheel.name} installs and runs: {len(workbooks)} workbooks, "
              f"{len(HARVEST_OUTPUTS)} harvest outputs, from {here}")
    finally:
        if keep:
            print(f"check_wheel: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
