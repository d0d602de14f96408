"""``python -m cchc.demo [THƯ_MỤC]``: the main job end to end on the samples shipped with cchc.

What ``make demo`` does, without the repository: generate every workbook of the embedded
default into THƯ_MỤC/templates, then harvest the sample returns into THƯ_MỤC/summary, both
signed and checked with the published demo key (never to be used for real forms). The
samples are in the installed package (``cchc/samples``, put there by setup.py) or, in a
source tree, in ``samples/`` beside the packages.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEFAULT_FOLDER = Path("cchc-demo")


def samples_dir() -> Path:
    """The folder of the demo key and the sample inbox."""
    here = Path(__file__).resolve().parent
    installed = here / "samples"
    return installed if (installed / "inbox").is_dir() else here.parent / "samples"


def commands(folder: Path) -> list[list[str]]:
    """The two cchc command lines of the demo, writing below ``folder``."""
    samples = samples_dir()
    key = str(samples / "demo-hmac.key")
    templates = str(folder / "templates")
    return [["generate", "--key-file", key, "--out", templates],
            ["harvest", str(samples / "inbox"), "--key-file", key, "--templates", templates,
             "--out", str(folder / "summary")]]


def main(argv: list[str] | None = None) -> int:
    """Run the demo; the exit code of the first command that fails, else 0."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print("Cách dùng: python -m cchc.demo [THƯ_MỤC]  (mặc định: cchc-demo trong thư mục hiện tại)",
              file=sys.stderr)
        return 2
    folder = Path(args[0]) if args else DEFAULT_FOLDER
    for command in commands(folder):
        # A process of its own for each, as the user would run them (and spawn-safe).
        code = subprocess.call([sys.executable, "-m", "cchc", *command])
        if code:
            return code
    return 0   # harvest has said where the summary is


if __name__ == "__main__":
    sys.exit(main())
