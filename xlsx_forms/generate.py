"""Generate the workbooks of every (unit, form) assignment into a folder.

The thin file layer over writer.build_workbook: output paths, the manifest, and the
folder written in a staging folder and swapped in whole (xlsx_forms.outwrite). Prints
nothing; reports progress through an optional callback.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from oslayer.fileio import atomic_write_bytes, csv_bytes
from oslayer.parallel import ordered_map

from .errors import CchcError
from .identity import Identity
from .model import Catalogue
from .outline import Outline
from .outwrite import LOCK_WAIT, replacing
from .registry import Registry, Unit
from .report_doc import build_report, report_path
from .writer import GenerateOptions, build_workbook

MANIFEST = "manifest.csv"
PARALLEL_FROM = 32   # workbooks; below this, starting workers costs more than it saves
MANIFEST_HEADER = ("unit_code", "unit_name", "email", "form", "file")


@dataclass(frozen=True, slots=True)
class GeneratedFile:
    """One written workbook; ``rel`` (and ``path``) relative to the output folder."""

    unit: Unit
    form: str
    rel: str
    identity: Identity

    @property
    def path(self) -> Path:
        """The relative path as a Path."""
        return Path(self.rel)


def parse_forms(text: str | None, catalogue: Catalogue) -> tuple[str, ...] | None:
    """``"PL1, pl3"`` → ``("PL1", "PL3")``; None or empty means every form."""
    if not text or not text.strip():
        return None
    forms = tuple(dict.fromkeys(p.strip().upper() for p in text.split(",") if p.strip()))
    for f in forms:
        if f not in catalogue.forms:
            raise CchcError("UNKNOWN_FORM", "--forms", form=f, known=", ".join(catalogue.forms))
    return forms


def plan(registry: Registry, forms: tuple[str, ...] | None) -> list[tuple[Unit, str, str]]:
    """Every (unit, form, relative path) to generate, in registry order."""
    work = [(u, f, f"{u.code}/{f}_{u.code}.xlsx") for u, f in registry.assignments(forms)]
    if not work:
        raise CchcError("NO_WORK", "--forms", forms=", ".join(forms or ()) or "tất cả")
    return work


# The workers return only the identity they signed: the unit and the path are the job's,
# already here, so a national run does not keep a second copy of them per file.
def _write_one(job: tuple[Unit, str, str], catalogue: Catalogue, registry: Registry,
               out_dir: Path, options: GenerateOptions) -> Identity:
    unit, form_id, rel = job
    data, identity = build_workbook(catalogue, registry, unit, catalogue.form(form_id), options)
    atomic_write_bytes(out_dir / rel, data)
    return identity


def _write_report(job: tuple[Unit, str, str], outline: Outline, registry: Registry, out_dir: Path,
                  options: GenerateOptions) -> Identity:
    unit, _, rel = job
    data, identity = build_report(outline, registry, unit, options.key, options.generated_at, options.deadline.year)
    atomic_write_bytes(out_dir / rel, data)
    return identity


def _compact(identity: Identity) -> Identity:
    """``identity`` sharing the strings that many files have (unpickled from a worker, each
    is a fresh copy): only its id and signature are its own."""
    return replace(identity, form=sys.intern(identity.form), unit=sys.intern(identity.unit),
                   generated_at=sys.intern(identity.generated_at), fingerprint=sys.intern(identity.fingerprint))


def generate_all(catalogue: Catalogue, registry: Registry, out_dir: Path, options: GenerateOptions,
                 forms: tuple[str, ...] | None = None,
                 progress: Callable[[GeneratedFile], None] | None = None, *,
                 wait: float = LOCK_WAIT, on_wait: Callable[[str], None] | None = None,
                 extra: Mapping[str, bytes] | None = None, outline: Outline | None = None) -> list[GeneratedFile]:
    """Write every assigned workbook, with ``outline`` every unit's narrative report
    template (when all forms are made: ``forms`` None), the manifest and the ``extra`` files
    (name → bytes, e.g. the settings: xlsx_forms.settings); return what was written
    (reports after the workbooks, their form the outline's id). ``out_dir`` is replaced
    as a whole once all are written (a folder of templates: see outdir for the rules, the
    lock and ``wait``/``on_wait``). Raises CchcError if it may not or cannot be written."""
    done = []
    jobs = plan(registry, forms)
    with replacing(out_dir, "templates", wait=wait, on_wait=on_wait) as staging:
        runs = [(_write_one, jobs, (catalogue, registry, staging, options))]
        if outline is not None and forms is None:
            reports = [(u, outline.id, report_path(u.code)) for u in registry.units]
            runs.append((_write_report, reports, (outline, registry, staging, options)))
        for func, todo, context in runs:
            for (unit, form, rel), identity in zip(todo, ordered_map(func, todo, context, min_jobs=PARALLEL_FROM),
                                                 strict=True):
                item = GeneratedFile(unit, form, rel, _compact(identity))
                done.append(item)
                if progress:
                    progress(item)
        atomic_write_bytes(staging / MANIFEST, manifest_csv(done))
        for name, data in (extra or {}).items():
            atomic_write_bytes(staging / name, data)
    return done


def manifest_csv(files: Iterable[GeneratedFile]) -> bytes:
    """The manifest: one row per workbook, paths with forward slashes."""
    return csv_bytes(MANIFEST_HEADER, [(g.unit.code, g.unit.name, g.unit.email, g.form, g.rel) for g in files])
