"""A plan: the forms of one reporting exercise and the units that return them.

A plan is a file the user owns, in one of two shapes that give the same dicts:
- a folder in the text format: ``catalogue.yaml`` (plan facts, period sets, kinds,
  preparer fields, plausibility, unit kinds), one ``pl*.yaml`` per form, ``units.yaml``
  (the registry: issuer, place, consolidator, units and their forms) and, when the plan
  asks for a narrative report, ``outline.yaml`` (its Đề cương, ``xlsx_forms.outline``);
- an authoring workbook (.xlsx, .ods or .xls), written by ``cchc plan new`` or
  ``cchc plan export`` and read by ``xlsx_forms.authoring``.
Without a path, the plan embedded in the package (``xlsx_forms/specs``) is used.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import CchcError, read_input
from .model import Catalogue
from .outline import OUTLINE_FILE, Outline
from .registry import Registry, build_registry, load_registry
from .spec_loader import SPEC_DIR, load_catalogue, spec_files
from .yamlio import load_yaml

UNITS_FILE = "units.yaml"
PLAN_LIMIT = 64 << 20   # bytes per file of a plan; a national registry is a few MB


@dataclass(frozen=True)
class PlanBundle:
    """A loaded plan. ``path`` is where it came from (None: the embedded plan); ``sha256``
    the hash of its content (every file of a folder); ``registry`` its own units, None when
    a folder has no units.yaml (then ``--units`` must name them)."""

    catalogue: Catalogue
    registry: Registry | None
    path: Path | None
    sha256: str

    @property
    def outline(self) -> Outline | None:
        """The plan's Đề cương (None: the plan asks for no narrative report)."""
        return self.catalogue.outline

    @property
    def shown(self) -> str:
        """The plan as messages name it (Vietnamese)."""
        return str(self.path) if self.path else default_plan_name()

    def units(self, option: Path | None) -> Registry:
        """The registry to use: the file ``option`` (``--units``) if given, else the plan's
        own. Raises CchcError."""
        if option is not None:
            return load_registry(option, self.catalogue)
        if self.registry is None:
            raise CchcError("PLAN_NO_UNITS", self.shown)
        return self.registry


def read_plan_bytes(path: Path) -> bytes:
    """A plan file's bytes, read with a bound. Raises CchcError."""
    return _read(path)


def _read(path: Path) -> bytes:
    return read_input(path, PLAN_LIMIT, "Chỉ định đúng tệp hoặc thư mục kế hoạch bằng --plan")


def folder_files(folder: Path) -> list[Path]:
    """The files of a plan folder, in a fixed order: catalogue, forms, units and outline
    (if any)."""
    optional = [folder / name for name in (UNITS_FILE, OUTLINE_FILE) if (folder / name).exists()]
    return [folder / "catalogue.yaml", *spec_files(folder), *optional]


def content_sha256(path: Path) -> str:
    """The hash of a plan's content: of the workbook's bytes, or of every file of a folder
    (names and bytes). Raises CchcError when a file cannot be read."""
    if not path.is_dir():
        return hashlib.sha256(_read(path)).hexdigest()
    digest = hashlib.sha256()
    for file in folder_files(path):
        digest.update(file.name.encode("utf-8") + b"\0" + hashlib.sha256(_read(file)).digest())
    return digest.hexdigest()


def _load_folder(folder: Path) -> tuple[Catalogue, Registry | None]:
    if not (folder / "catalogue.yaml").is_file():
        raise CchcError("PLAN_FORMAT", str(folder), problem="thư mục không có catalogue.yaml")
    catalogue = load_catalogue(folder)
    units = folder / UNITS_FILE
    return catalogue, (load_registry(units, catalogue) if units.exists() else None)


def load_plan(path: Path | None = None) -> PlanBundle:
    """The plan at ``path`` (a folder or an authoring workbook), or the embedded plan.
    Raises CchcError listing what is wrong with it."""
    if path is None:
        return _embedded()
    if path.is_dir():
        catalogue, registry = _load_folder(path)
        return PlanBundle(catalogue, registry, path, content_sha256(path))
    from .authoring.reader import (
        load_workbook_plan,  # imported here: only --plan FILE needs it
    )
    data = _read(path)
    catalogue, registry = load_workbook_plan(data, path)
    return PlanBundle(catalogue, registry, path, hashlib.sha256(data).hexdigest())


@lru_cache(maxsize=1)
def _embedded() -> PlanBundle:
    catalogue, registry = _load_folder(SPEC_DIR)
    return PlanBundle(catalogue, registry, None, content_sha256(SPEC_DIR))


def default_plan_name() -> str:
    """How messages and help texts name the embedded plan, from its own data:
    «kế hoạch có sẵn 372/KH-UBND» (no brackets: messages add their own)."""
    facts = load_yaml(SPEC_DIR / "catalogue.yaml")["plan"]
    code = facts.get("code") or facts.get("reference", "")
    return f"kế hoạch có sẵn {code}" if code else "kế hoạch có sẵn"


def embedded_sources() -> tuple[dict, list[tuple[Path, dict]], dict, dict | None]:
    """The embedded plan's dicts, as read (catalogue, [(path, form spec)], registry, outline)."""
    return folder_sources(SPEC_DIR)


def folder_sources(folder: Path) -> tuple[dict, list[tuple[Path, dict]], dict | None, dict | None]:
    """A plan folder's dicts as read from its YAML files: (catalogue, [(path, form spec)],
    registry or None, outline or None). Raises CchcError."""
    units, outline = folder / UNITS_FILE, folder / OUTLINE_FILE
    return (load_yaml(folder / "catalogue.yaml"), [(p, load_yaml(p)) for p in spec_files(folder)],
            load_yaml(units) if units.exists() else None, load_yaml(outline) if outline.exists() else None)


def build_plan(base: dict, forms: list[tuple[Path | str, dict]], registry: dict | None,
               source: Path | str, problems: list | None = None, outline: dict | None = None,
               ) -> tuple[Catalogue | None, Registry | None]:
    """Validate a plan's dicts (as ``folder_sources`` or the authoring reader give them;
    ``outline`` None: no narrative report). With ``problems``, every problem is added to it
    and both results are None when there is any; without, they are raised as one CchcError."""
    from .spec_loader import Declared, Problems, build_catalogue
    found = Problems()
    catalogue = build_catalogue(base, source, forms, found, outline)   # what loaded, even with problems
    # The units are checked against the forms that loaded, so a bad row hides no unit; a
    # form declared but not loaded (or without an id) is reported there, not at each unit.
    declared = Declared(spec.get("id") if isinstance(spec, dict) else None for _p, spec in forms)
    units = build_registry(registry, catalogue, source, found, declared) if registry is not None else None
    if problems is None:
        found.raise_any(source)
    problems.extend(found)
    return (None, None) if found else (catalogue, units)
