"""Record the layout fingerprint of each form at its spec version in tests/golden/fingerprints.json.

    python scripts/update_fingerprints.py           # add the fingerprints of new versions
    python scripts/update_fingerprints.py --check   # only say what is missing or wrong

A returned workbook is verified against the fingerprint of the layout it was generated
with, so one (form, version) must always mean one layout. The file keeps every version
ever recorded (returned files of an old version may still arrive) and this script only
adds: a form whose layout changed while its ``version`` stayed the same is refused, and
the fix is to bump ``version`` in the form's spec, then run this script again.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "fingerprints.json"
HOW = "python scripts/update_fingerprints.py"


def current(catalogue) -> dict[str, dict[str, str]]:
    """Form id → {spec version: fingerprint of its layout} for the catalogue as it is."""
    from xlsx_forms.identity import layout_fingerprint
    from xlsx_forms.layout import form_layout
    return {fid: {str(f.version): layout_fingerprint(form_layout(f))} for fid, f in catalogue.forms.items()}


def merge(recorded: dict[str, dict[str, str]], now: dict[str, dict[str, str]]
          ) -> tuple[dict[str, dict[str, str]], list[str], list[str]]:
    """(recorded plus the new versions of ``now``, what was added, what is refused): a
    (form, version) already recorded with another fingerprint is refused, never replaced."""
    merged = {fid: dict(versions) for fid, versions in recorded.items()}
    added, refused = [], []
    for fid, versions in now.items():
        for version, fingerprint in versions.items():
            old = merged.get(fid, {}).get(version)
            if old is None:
                merged.setdefault(fid, {})[version] = fingerprint
                added.append(f"{fid} version {version}")
            elif old != fingerprint:
                refused.append(f"{fid} version {version}: the layout changed but the version did not; bump "
                               f"`version` in xlsx_forms/specs/{fid.lower()}.yaml, then run {HOW}")
    return {fid: dict(sorted(v.items(), key=lambda kv: int(kv[0]))) for fid, v in sorted(merged.items())}, \
        added, refused


def dumps(fingerprints: dict) -> str:
    return json.dumps(fingerprints, indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything is missing")
    parser.add_argument("--golden", type=Path, default=GOLDEN, help=argparse.SUPPRESS)
    parser.add_argument("--specs", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from xlsx_forms.spec_loader import load_catalogue
    catalogue = load_catalogue(args.specs) if args.specs else load_catalogue()
    recorded = json.loads(args.golden.read_text(encoding="utf-8")) if args.golden.exists() else {}
    merged, added, refused = merge(recorded, current(catalogue))
    for line in refused:
        print(f"refused: {line}", file=sys.stderr)
    if refused:
        return 2
    if args.check:
        for line in added:
            print(f"missing: {line}", file=sys.stderr)
        return 1 if added else 0
    if added:
        args.golden.write_text(dumps(merged), encoding="utf-8")
    print(f"{args.golden}: " + (", ".join(added) + " added" if added else "up to date"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
