"""What ``cchc plan new``, ``export`` and ``check`` do, without printing anything."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import CchcError
from ..model import Catalogue
from ..plan import build_plan, embedded_sources, folder_sources, read_plan_bytes
from ..registry import Registry
from .assemble import flatten
from .reader import WorkbookPlan, read_workbook
from .writer import unknown_keys, write_workbook


def blank_workbook(created: datetime) -> bytes:
    """A blank authoring workbook (headers, drop-downs, the guide), holding what every plan
    needs and a new user cannot guess: the signature block's three inputs (name, phone,
    e-mail, in the order the layout prints them) and the ``note`` kind of the Ghi chú
    column, as the embedded plan has them (the user may edit their texts)."""
    base, forms, registry, outline = embedded_sources()
    rows = flatten(base, [spec for _p, spec in forms], registry, outline)
    return write_workbook({"preparer": rows["preparer"],
                           "kinds": [k for k in rows["kinds"] if k.get("id") == "note"]}, created)


def plan_sources(path: Path | None) -> tuple[dict, list[dict], dict | None, dict | None]:
    """The dicts of the plan at ``path`` (a folder or a workbook; None: the embedded
    plan), as read, before validation: (catalogue, forms, registry, outline). Raises
    CchcError (a workbook's cell problems)."""
    if path is None or path.is_dir():
        base, forms, registry, outline = embedded_sources() if path is None else folder_sources(path)
        return base, [spec for _p, spec in forms], registry, outline
    found = read_workbook(read_plan_bytes(path), path)
    if found.problems:
        raise CchcError("PLAN_INVALID", str(path), count=len(found.problems),
                        problems="\n".join(f"  {w}: {p}" for w, p in found.problems))
    return found.base, found.forms, found.registry, found.outline


def export_workbook(path: Path | None, created: datetime) -> bytes:
    """The plan at ``path`` (None: the embedded plan) as an authoring workbook. The plan
    must load (an invalid plan is not exported); a field no column holds is an error
    rather than a silent loss. Raises CchcError."""
    from ..plan import load_plan
    load_plan(path)
    base, forms, registry, outline = plan_sources(path)
    try:
        rows = flatten(base, forms, registry, outline)
    except ValueError as exc:
        rows, missing = {}, [str(exc)]
    else:
        missing = unknown_keys(rows)
    if missing:
        raise CchcError("PLAN_FORMAT", str(path or "kế hoạch mặc định"),
                        problem=f"sổ Excel chưa có cột cho {', '.join(missing)}")
    return write_workbook(rows, created)


@dataclass
class CheckResult:
    """A checked plan: its problems (where, what), and when there are none its catalogue,
    registry (the outline is the catalogue's)."""

    problems: list[tuple[str, str]]
    catalogue: Catalogue | None = None
    registry: Registry | None = None


def check_workbook(path: Path) -> CheckResult:
    """Every problem of the authoring workbook at ``path``. Raises CchcError only when the
    file cannot be read as a workbook at all."""
    return checked(read_workbook(read_plan_bytes(path), path), path)


def checked(found: WorkbookPlan, path: Path | str) -> CheckResult:
    """The workbook's dicts ``found`` (read from ``path``) validated by the plan's loader."""
    if found.structural:   # sheets or columns wrong: the loader would only see things missing
        return CheckResult(list(found.problems) + found.blank)
    errors: list[CchcError] = []
    catalogue, registry = build_plan(found.base, [(str(path), f) for f in found.forms], found.registry,
                                     str(path), errors, found.outline)
    problems = one_each(found.problems, errors)
    if problems:
        return CheckResult(problems)
    return CheckResult(problems, catalogue, registry)


def one_each(cells: list[tuple[str, str]], errors: list[CchcError]) -> list[tuple[str, str]]:
    """The reader's problems (of cells that say nothing usable: empty where required, not a
    number, not in a drop-down list), then the loader's, less those at a cell the reader
    reported, or at the row of one: the loader then only saw the value missing, and the
    one mistake is one message."""
    reported = {where for where, _p in cells}
    rows = {where.split(", cột ")[0] for where in reported}
    return list(cells) + [(e.where, problem_text(e)) for e in errors
                          if e.where not in reported and e.where not in rows]


def problem_text(error: CchcError) -> str:
    """What a loader error says after its place: for a form spec, only the problem (the
    rest speaks of YAML files); for the registry, the whole message."""
    if error.code in ("SPEC_INVALID", "OUTLINE_INVALID"):
        return str(error.fields["problem"])
    return str(error)[len(error.where) + 2:]
