"""Generate the workbooks of every (unit, form) assignment into a folder.

The thin file layer over writer.build_workbook: output paths, the manifest, and the
folder written in a staging folder and swapped in whole (xlsx_forms.outwrite). Prints
nothing; reports progress through an optional callback.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
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


def _write_one(job: tuple[Unit, str, str], catalogue: Catalogue, registry: Registry,
               out_dir: Path, options: GenerateOptions) -> GeneratedFile:
    unit, form_id, rel = job
    data, identity = build_workbook(catalogue, registry, unit, catalogue.form(form_id), options)
    atomic_write_bytes(out_dir / rel, data)
    return GeneratedFile(unit, form_id, rel, identity)


def _write_report(unit: Unit, outline: Outline, registry: Registry, out_dir: Path,
                  options: GenerateOptions) -> GeneratedFile:
    rel = report_path(unit.code)
    data, identity = build_report(outline, registry, unit, options.key, options.generated_at, options.deadline.year)
    atomic_write_bytes(out_dir / rel, data)
    return GeneratedFile(unit, outline.id, rel, identity)


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
        for item in ordered_map(_write_one, jobs, (catalogue, registry, staging, options),
                                min_jobs=PARALLEL_FROM):
            done.append(item)
            if progress:
                progress(item)
        if outline is not None and forms is None:
            for item in ordered_map(_write_report, registry.units, (outline, registry, staging, options),
                                    min_jobs=PARALLEL_FROM):
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
