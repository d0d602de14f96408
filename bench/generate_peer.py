"""``cchc generate`` against a minimal XlsxWriter script writing the same workbooks, in one
run, interleaved.

    python bench/generate_peer.py --units 1000 --repeat 5

For N units (the registry of ``run_bench.py``: 1,000 units give 1,603 workbooks) each
round runs, each in its own process, in turn:

- ``minimal``: a plain XlsxWriter loop (this file with ``--worker``) writing every
  (unit, form) workbook straight to its file, one process;
- ``generate-1``, ``generate-2``: ``cchc generate`` end to end (plan, registry and key
  read, layout, validations, signatures, atomic writes, manifest, settings) on one core
  (``taskset -c 0``) and on two. All forms are named (``--forms PL1,…``): the workbooks
  alone, without the narrative report (.docx) made when no form is named.

What "the same sheets" means, and how the minimal script gets them. Reading a generated
template back (openpyxl) loses what a script must write (which cells share a format, the
order of the calls, conditional formats, print set-up) and so cannot prove it writes the
same thing. Instead, once per *variant* (a form and the rows the unit may edit: PL8's rows
belong to one office each) and not timed, cchc's own ``writer.build_workbook`` is run for
one reference unit with a recording XlsxWriter workbook: every top-level call cchc makes
into XlsxWriter (cells written as text, numbers, formulas with their cached values; merged
ranges; column widths and row heights; data validations; conditional formats; sheet and
structure protection; page set-up; the very hidden identity sheet; document and custom
properties) is kept with its arguments, each format by the properties it was made with.
The minimal script replays those calls: per workbook it makes only the formats the calls
use (one XlsxWriter format per distinct cell format), then calls XlsxWriter exactly as
the recording says, as a hand-written script would from its own lists of cells; the
per-unit texts (the unit's name, in capitals on the form, in the instructions and the
title; its code in the identity) are put in for each unit. It does none of cchc's work:
no layout, no checks, no signing (the identity's hash fields are the reference's, texts
of the same length), no atomic write, no manifest.

Two checks, before anything is timed, make "the same" a fact rather than a claim: the
replay for the reference unit gives cchc's workbook byte for byte, and for a second unit
of each variant the recording with that unit's texts put in equals cchc's own calls for
it (the hash fields aside).

Timing: ``cchc generate`` is timed end to end (starting Python included); the minimal
script over its writing loop only (starting Python, importing XlsxWriter and loading the
calls not counted: that flatters it), with its whole process beside. CPU time (the process
and its workers) is given beside wall time: the machine has 2 cores and is shared.
"""
from __future__ import annotations

import argparse
import inspect
import io
import os
import pickle
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import timing  # noqa: E402

WORKBOOK_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}


class Ref:
    """A format in a recorded call: the index of its properties in the recording."""

    __slots__ = ("i",)

    def __init__(self, i: int) -> None:
        self.i = i

    def __eq__(self, other) -> bool:
        return isinstance(other, Ref) and other.i == self.i

    def __hash__(self) -> int:
        return hash(("Ref", self.i))

    def __reduce__(self):
        return (Ref, (self.i,))


# --- the minimal script (what runs timed, in the worker) -----------------------------

class MinimalWorkbook(Workbook):
    """XlsxWriter has no call for a locked workbook structure: the few lines anyone would
    add (the same as cchc's writer.ProtectedWorkbook)."""

    structure_password = ""

    def _write_book_views(self) -> None:
        digest = self.worksheets_objs[0]._encode_password(self.structure_password)
        self._xml_empty_tag("workbookProtection", [("workbookPassword", digest), ("lockStructure", 1)])
        super()._write_book_views()


def _put(obj, fmts, pairs):
    """``obj`` with each Ref replaced by this workbook's format and, if ``pairs`` is given,
    the reference unit's texts replaced by this unit's."""
    if type(obj) is Ref:
        return obj if fmts is None else fmts[obj.i]
    if type(obj) is str:
        if pairs:
            for old, new, whole in pairs:
                if whole:
                    if obj == old:
                        return new
                elif old in obj:
                    obj = obj.replace(old, new)
        return obj
    if type(obj) is tuple:
        return tuple(_put(x, fmts, pairs) for x in obj)
    if type(obj) is list:
        return [_put(x, fmts, pairs) for x in obj]
    if type(obj) is dict:
        return {k: _put(v, fmts, pairs) for k, v in obj.items()}
    return obj


def write_one(target, program: dict, code: str, name: str) -> None:
    """One workbook of ``program`` for the unit (``code``, ``name``) into ``target`` (a
    path or a BytesIO)."""
    ref_code, ref_name = program["unit"]
    pairs = ((ref_name.upper(), name.upper(), False), (ref_name, name, False), (ref_code, code, True))
    wb = MinimalWorkbook(target, {**WORKBOOK_OPTIONS, "in_memory": True})
    wb.structure_password = program["password"]
    fmts = [wb.add_format(p) for p in program["formats"]]
    sheets = []
    for sheet, method, args, kwargs, fpos, how in program["calls"]:
        if how == 0:                  # plain: the format, if any, at a known place
            if fpos >= 0:
                args = (*args[:fpos], fmts[args[fpos]], *args[fpos + 1:])
        else:                         # formats inside dicts, or the unit's own texts
            args = _put(args, fmts, pairs if how == 2 else None)
            kwargs = _put(kwargs, fmts, pairs if how == 2 else None)
        if sheet < 0:
            if method == "add_worksheet":
                sheets.append(wb.add_worksheet(*args))
            else:
                getattr(wb, method)(*args, **kwargs)
        else:
            getattr(sheets[sheet], method)(*args, **kwargs)
    wb.close()


def worker(job_file: Path, out: Path) -> None:
    """Write every job's workbook under ``out``; print the loop's wall and CPU seconds."""
    with open(job_file, "rb") as fh:
        programs, jobs = pickle.load(fh)
    start, cpu = time.perf_counter(), time.process_time()
    for variant, code, name, rel in jobs:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        write_one(str(path), programs[variant], code, name)
    print(time.perf_counter() - start, time.process_time() - cpu)


# --- recording cchc's calls (once per variant, not timed) ---------------------------

class _Recorder:
    def __init__(self) -> None:
        self.calls: list = []
        self.formats: list[dict] = []
        self.ids: dict[int, int] = {}
        self.depth = 0

    def ref(self, obj):
        from xlsxwriter.format import Format
        if isinstance(obj, Format):
            return Ref(self.ids[id(obj)])
        if isinstance(obj, tuple):
            return tuple(self.ref(x) for x in obj)
        if isinstance(obj, list):
            return [self.ref(x) for x in obj]
        if isinstance(obj, dict):
            return {k: self.ref(v) for k, v in obj.items()}
        return obj


def _recording(cls, target_of):
    """A subclass of ``cls`` whose public methods record their top-level calls."""
    def wrap(name, orig):
        def method(self, *args, **kwargs):
            rec = getattr(self, "_rec", None)
            if rec is None or rec.depth:
                return orig(self, *args, **kwargs)
            rec.calls.append((target_of(self), name, rec.ref(args), rec.ref(kwargs)))
            rec.depth += 1
            try:
                return orig(self, *args, **kwargs)
            finally:
                rec.depth -= 1
        return method
    skip = {"add_format", "close", "add_worksheet", "worksheets", "get_worksheet_by_name"}
    members = {n: wrap(n, f) for n in dir(cls) if not n.startswith("_") and n not in skip
               and inspect.isfunction(f := getattr(cls, n))}
    return type("Recording" + cls.__name__, (cls,), members)


RecordingWorksheet = _recording(Worksheet, lambda ws: ws._rec_index)


def record(catalogue, registry, unit, form, options) -> tuple[list, list[dict], bytes, str]:
    """cchc's calls into XlsxWriter for ``unit``'s workbook of ``form``: (calls, format
    properties, the workbook's bytes, the structure password)."""
    from xlsx_forms import writer
    rec = _Recorder()
    base = writer.ProtectedWorkbook
    recording_book = _recording(base, lambda _wb: -1)

    class Book(recording_book):
        worksheet_class = RecordingWorksheet

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._rec = rec
            rec.book = self

        def add_format(self, properties=None):
            fmt = super().add_format(properties)
            rec.ids[id(fmt)] = len(rec.formats)
            rec.formats.append(dict(properties or {}))
            return fmt

        def add_worksheet(self, name=None, worksheet_class=None):
            rec.calls.append((-1, "add_worksheet", (name,), {}))
            ws = super().add_worksheet(name, worksheet_class)
            ws._rec, ws._rec_index = rec, len(self.worksheets_objs) - 1
            return ws

        def close(self):
            rec.depth += 1      # whatever XlsxWriter calls while saving is not the script's
            try:
                return super().close()
            finally:
                rec.depth -= 1

    writer.ProtectedWorkbook = Book
    try:
        data, _identity = writer.build_workbook(catalogue, registry, unit, form, options)
    finally:
        writer.ProtectedWorkbook = base
    return rec.calls, rec.formats, data, rec.book.structure_password


def _has(obj, test) -> bool:
    if test(obj):
        return True
    if isinstance(obj, (tuple, list)):
        return any(_has(x, test) for x in obj)
    if isinstance(obj, dict):
        return any(_has(v, test) for v in obj.values())
    return False


def program_of(calls: list, formats: list[dict], password: str, unit) -> dict:
    """The minimal script's data for one variant: only the formats used, renumbered in
    order of first use, and each call marked plain, with formats nested, or per unit."""
    used: dict[int, int] = {}

    def renumber(obj):
        if type(obj) is Ref:
            return Ref(used.setdefault(obj.i, len(used)))
        if isinstance(obj, tuple):
            return tuple(renumber(x) for x in obj)
        if isinstance(obj, list):
            return [renumber(x) for x in obj]
        if isinstance(obj, dict):
            return {k: renumber(v) for k, v in obj.items()}
        return obj
    mine = (unit.name, unit.name.upper())
    out = []
    for sheet, method, args, kwargs in calls:
        args, kwargs = renumber(args), renumber(kwargs)
        per_unit = _has((args, kwargs), lambda x: isinstance(x, str) and (x == unit.code or any(m in x for m in mine)))
        top = [i for i, a in enumerate(args) if type(a) is Ref]
        nested = kwargs or _has(tuple(a for a in args if type(a) is not Ref), lambda x: type(x) is Ref)
        if per_unit or nested or len(top) > 1:
            out.append((sheet, method, args, kwargs, -1, 2 if per_unit else 1))
        else:
            fpos = top[0] if top else -1
            if top:
                args = (*args[:fpos], args[fpos].i, *args[fpos + 1:])
            out.append((sheet, method, args, {}, fpos, 0))
    by_new = sorted(used, key=used.get)
    return {"formats": [formats[i] for i in by_new], "calls": out, "password": password,
            "unit": (unit.code, unit.name)}


def _normalised(calls: list, unit, identity_hashes: tuple[str, ...]) -> list:
    """``calls`` with the unit's texts and its identity's hash fields made neutral."""
    pairs = ((unit.name.upper(), "\0NAME\0", False), (unit.name, "\0name\0", False), (unit.code, "\0code\0", True),
             *((h, "\0hash\0", True) for h in identity_hashes))
    return [(s, m, _put(a, None, pairs), _put(k, None, pairs)) for s, m, a, k in calls]


def build_programs(catalogue, registry, options) -> tuple[dict, list, int]:
    """Every variant's program and the jobs (variant, code, name, relative path); checks
    the replay against cchc (see the module's docstring). Returns also the number of
    variants checked against a second unit."""
    from xlsx_forms.generate import plan
    from xlsx_forms.identity import layout_fingerprint, sign
    from xlsx_forms.layout import form_layout
    variants: dict[tuple, list] = {}
    jobs = []
    for unit, form_id, rel in plan(registry, None):
        form = catalogue.form(form_id)
        key = (form_id, tuple(r.id for r in form.editable_rows(unit.code)))
        variants.setdefault(key, []).append(unit)
        jobs.append((key, unit.code, unit.name, rel))

    def hashes(unit, form):
        ident = sign(options.key, form=form.id, spec_version=form.version, unit=unit.code,
                     generated_at=options.generated_at.isoformat(), fingerprint=layout_fingerprint(form_layout(form)))
        return ident.template_id, ident.hmac
    programs, second = {}, 0
    for key, units in variants.items():
        form = catalogue.form(key[0])
        ref = units[0]
        calls, formats, data, password = record(catalogue, registry, ref, form, options)
        program = program_of(calls, formats, password, ref)
        buf = io.BytesIO()
        write_one(buf, program, ref.code, ref.name)
        if buf.getvalue() != data:
            raise SystemExit(f"replay of {key[0]} for {ref.code} differs from cchc's workbook")
        if len(units) > 1:
            other = units[-1]
            theirs = record(catalogue, registry, other, form, options)[0]
            put_in = ((ref.name.upper(), other.name.upper(), False), (ref.name, other.name, False),
                      (ref.code, other.code, True))
            mine = [(s, m, _put(a, None, put_in), _put(k, None, put_in)) for s, m, a, k in calls]
            if _normalised(mine, other, hashes(ref, form)) != _normalised(theirs, other, hashes(other, form)):
                raise SystemExit(f"{key[0]}: {other.code}'s calls are not {ref.code}'s with its texts put in")
            second += 1
        programs[key] = program
    return programs, jobs, second


# --- in one process: the writing alone, and where cchc's time goes -------------------

def in_process(catalogue, registry, options, programs: dict, jobs: list, repeat: int) -> None:
    """CPU ms per workbook of cchc's ``build_workbook`` and of the minimal script's
    ``write_one``, both into memory (no file, no process start), alternating workbook by
    workbook within each round so that the load of the machine hits both alike."""
    from xlsx_forms.writer import build_workbook
    units = {u.code: u for u in registry.units}
    rounds: dict[str, list[float]] = {"build_workbook": [], "minimal write_one": []}
    for _ in range(repeat):
        spent = dict.fromkeys(rounds, 0.0)
        for variant, code, name, _rel in jobs:
            t = time.process_time()
            build_workbook(catalogue, registry, units[code], catalogue.form(variant[0]), options)
            spent["build_workbook"] += time.process_time() - t
            t = time.process_time()
            write_one(io.BytesIO(), programs[variant], code, name)
            spent["minimal write_one"] += time.process_time() - t
        for k, v in spent.items():
            rounds[k].append(v * 1000 / len(jobs))
    base = statistics.median(rounds["minimal write_one"])
    print(f"# in one process, {len(jobs)} workbooks, CPU, medians of {repeat}")
    for k, v in rounds.items():
        print(f"{k} | {statistics.median(v):.2f} ms/workbook | × minimal {statistics.median(v) / base:.2f}")


def profile(catalogue, registry, options, root: Path, top: int = 30) -> None:
    """cProfile of ``xlsx_forms.generate.generate_all`` in this process (no workers)."""
    import cProfile
    import pstats

    from xlsx_forms import generate
    generate.PARALLEL_FROM = 1 << 30      # one process, so that the profile sees everything
    prof = cProfile.Profile()
    prof.runcall(generate.generate_all, catalogue, registry, root / "profiled", options, tuple(catalogue.forms))
    stats = pstats.Stats(prof)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


# --- the run ------------------------------------------------------------------------

def _count(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.xlsx"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--in-process", action="store_true",
                        help="only cchc's build_workbook against the minimal script's write_one, in one process (CPU)")
    parser.add_argument("--cprofile", action="store_true", help="only profile generate_all in one process")
    parser.add_argument("--worker", nargs=2, metavar=("JOBS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(Path(args.worker[0]), Path(args.worker[1]))
        return
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(REPO / "bench"))
    from run_bench import KEY, registry_yaml

    from xlsx_forms.registry import load_registry
    from xlsx_forms.spec_loader import default_catalogue
    from xlsx_forms.writer import GenerateOptions
    with tempfile.TemporaryDirectory(prefix="cchc-genpeer-") as tmp:
        root = Path(tmp)
        reg = root / "units.yaml"
        reg.write_text(registry_yaml(args.units), encoding="utf-8")
        key = root / "hmac.key"
        key.write_text(KEY)
        catalogue = default_catalogue()
        registry = load_registry(reg, catalogue)
        options = GenerateOptions(key=bytes.fromhex(KEY), generated_at=datetime(2020, 3, 12, tzinfo=timezone.utc),
                                  deadline=catalogue.plan.default_deadline)
        if args.cprofile:
            profile(catalogue, registry, options, root)
            return
        programs, jobs, second = build_programs(catalogue, registry, options)
        if args.in_process:
            in_process(catalogue, registry, options, programs, jobs, args.repeat)
            return
        job_file = root / "jobs.pickle"
        with open(job_file, "wb") as fh:
            pickle.dump((programs, jobs), fh)
        count = len(jobs)
        timing.as_installed()
        env = {**os.environ, "PYTHONPATH": str(REPO), "CCHC_HOME": str(root / "home"),
               "SOURCE_DATE_EPOCH": "1584000000"}
        taskset = shutil.which("taskset")
        one = [taskset, "-c", "0"] if taskset else []
        minimal_out, cchc_out = root / "minimal", root / "templates"
        generate = [sys.executable, "-m", "cchc", "generate", "--units", str(reg), "--key-file", str(key),
                    "--forms", ",".join(catalogue.forms), "--out", str(cchc_out)]

        def minimal():
            wall, cpu, out = timing.run([*one, sys.executable, str(Path(__file__).resolve()), "--worker",
                                   str(job_file), str(minimal_out)], env)
            assert _count(minimal_out) == count
            loop_wall, loop_cpu = map(float, out.split())
            return {"minimal": (loop_wall, loop_cpu), "minimal, whole process": (wall, cpu)}

        def cchc(cores):
            def run():
                wall, cpu, _out = timing.run([*(one if cores == 1 else []), *generate], env)
                assert _count(cchc_out) == count
                return {f"generate-{cores}": (wall, cpu)}
            return run
        plan = [minimal, cchc(2)] + ([cchc(1)] if taskset else [])
        times: dict[str, list[tuple[float, float]]] = {}
        for _ in range(args.repeat):          # interleaved: noise hits every command alike
            for run in plan:
                shutil.rmtree(minimal_out, ignore_errors=True)   # every run writes into a fresh folder
                shutil.rmtree(cchc_out, ignore_errors=True)
                for name, t in run().items():
                    times.setdefault(name, []).append(t)
    wall = {n: statistics.median(w for w, _c in t) * 1000 / count for n, t in times.items()}
    cpu = {n: statistics.median(c for _w, c in t) * 1000 / count for n, t in times.items()}
    order = ["minimal", "minimal, whole process", "generate-1", "generate-2"]
    print(f"# {args.units} units, {count} workbooks ({len(programs)} variants, {second} checked against a "
          f"second unit), {os.cpu_count()} cores, medians of {args.repeat}")
    print("command | wall ms/workbook | × minimal | CPU ms/workbook | × minimal (CPU)")
    for name in (n for n in order if n in wall):
        print(f"{name} | {wall[name]:.2f} | {wall[name] / wall['minimal']:.2f} | "
              f"{cpu[name]:.2f} | {cpu[name] / cpu['minimal']:.2f}")


if __name__ == "__main__":
    main()
