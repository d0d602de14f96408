"""Read the YAML form specs (xlsx_forms/specs) into a validated Catalogue.

Schema of an appendix spec (see specs/pl1.yaml for a full example):
  id, number, version, title, [subtitle], [footnote], [label_header], periods (a period
  set of catalogue.yaml), [columns], either ``rows`` (one plain table) or ``tables``
  (each with id, title, layout, rows), [rules], and ``*_fixes`` lists recording typo
  fixes against the seed. A row: id, stt, label, [kind, unit, required, aggregate,
  weight, responsible, fixes, plausible_max]; without ``kind`` it is a section header.
A rule: code, type (a key of ``rules.RULE_TYPES``), severity, short, message, and the
fields of its type (a row id each, or a list of row ids for a ``many`` field).
PL8 adds ``evidence``: targets checked against other appendices' figures (model.Evidence).
catalogue.yaml adds ``plausibility``: the thresholds of the plausibility warnings, ``kinds``:
the kinds of input cell (each validated by its base, xlsx_forms/kinds.py) and ``unit_kinds``:
the kinds of reporting unit a registry may name.

The forms are loaded by ``form_loader``, the plausibility thresholds by
``plausibility_loader``; ``loading`` holds what they share. Every message names fields and
coded values through ``authoring.names``: column headers and drop-down labels for a
workbook, keys and codes for YAML.
"""
from __future__ import annotations

from dataclasses import MISSING, fields, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sheetio.cells import MAX_COLS, MAX_ROWS

from .authoring.names import names, quoted
from .form_loader import check_evidence, load_form
from .ids import id_problem, rule_id_problem
from .kinds import BASES, TEXT_FIELDS, kind_problems, text_problem
from .layout import PREPARER_IDS, form_layout
from .loading import Declared, Problems, Unsure, clean, declared_map, expect, fail, missing
from .model import Catalogue, Kind, Period, Plan, PreparerField, date_from_text, date_problem
from .outline import OUTLINE_FILE, build_outline
from .plausibility_loader import load_plausibility
from .rule_loader import RULE_KEYS
from .yamlio import META_KEYS, line_of, load_yaml

# Re-exported: what other modules and tests name from here.
__all__ = ["RULE_KEYS", "SPEC_DIR", "Declared", "Problems", "Unsure", "build_catalogue", "default_catalogue",
           "load_catalogue", "spec_files"]

SPEC_DIR = Path(__file__).parent / "specs"
KIND_FIELDS = {f.name for f in fields(Kind)} - {"id", "validation"}


def _kind(path, kid: str, node: Any, problems: Problems) -> Kind | None:
    """A kind row of the plan, checked by its base: every problem of the row is kept, each
    at the field it is about; None when there is any."""
    what = f"loại ô «{kid}»" if kid else "loại ô"
    if not isinstance(node, dict):
        problems.append(fail(path, node, f"{what} phải là một bảng các trường: base, label, description…"))
        return None
    n = names(node)
    if kid is not None and (problem := id_problem(kid, "mã loại ô")):
        problems.append(fail(path, node, problem, "id"))
        return None
    given = {k for k in node if k not in META_KEYS}
    base = BASES.get(node.get("base"))
    values = {**(base.defaults if base else {}), **clean(node)}
    choices = values.get("choices", ())
    if not isinstance(choices, (list, tuple)):
        problems.append(fail(path, node, f"{what}: «{n.field('choices')}» phải là danh sách các lựa chọn",
                              "choices"))
        return None
    values["choices"] = tuple(choices)
    built = {k: v for k, v in values.items() if k in KIND_FIELDS}
    for name in ("base", *TEXT_FIELDS):
        built.setdefault(name, "")
    kind = Kind(id=kid, **built)
    found = kind_problems(kind, given, n)
    for key, problem in found:
        problems.append(fail(path, node, f"{what}: {problem}", key))
    if found:
        return None
    behaviour = kind.behaviour
    kind = replace(kind, number_format=kind.number_format or behaviour.number_format(kind))
    return replace(kind, validation=tuple(behaviour.validation(kind).items()))


def spec_files(spec_dir: Path) -> list[Path]:
    """The form specs of a plan folder (pl*.yaml), in the order of their number."""
    return sorted(spec_dir.glob("pl*.yaml"), key=lambda p: int(p.stem[2:]) if p.stem[2:].isdigit() else 1 << 30)


def load_catalogue(spec_dir: Path = SPEC_DIR) -> Catalogue:
    """Load catalogue.yaml, every pl*.yaml and the outline.yaml (if any) of ``spec_dir``.
    Raises CchcError."""
    base_path, outline_path = spec_dir / "catalogue.yaml", spec_dir / OUTLINE_FILE
    return build_catalogue(load_yaml(base_path), base_path,
                           [(path, load_yaml(path)) for path in spec_files(spec_dir)], None,
                           load_yaml(outline_path) if outline_path.exists() else None, outline_path)


def _plan(path, d: dict) -> Plan:
    n = names(d)
    missing = [f.name for f in fields(Plan) if f.default is MISSING and d.get(f.name) in (None, "")]
    if missing:
        raise fail(path, d, f"thiếu «{n.field(missing[0])}»", missing[0])
    unknown = [k for k in clean(d) if k not in {f.name for f in fields(Plan)}]
    if unknown:
        raise fail(path, d, f"không dùng {quoted(unknown)}", unknown[0])
    expect(path, d, str, "reference", "attachment_line", "data_range", "code", "short", "summary_title")
    plan = Plan(**clean(d))
    if isinstance(plan.default_deadline, str):   # quoted, as the workbook's text cell: 23/3/2020 or ISO
        plan = replace(plan, default_deadline=date_from_text(plan.default_deadline) or plan.default_deadline)
    if isinstance(plan.default_deadline, datetime):
        raise fail(path, d, f"«{n.field('default_deadline')}» là ngày giờ «{plan.default_deadline}»; chỉ ghi ngày, "
                   "ví dụ 2020-03-23", "default_deadline")
    if not isinstance(plan.default_deadline, date):
        raise fail(path, d, f"«{n.field('default_deadline')}» là «{plan.default_deadline}», không phải ngày",
                    "default_deadline")
    problem = date_problem(plan.default_deadline)
    if problem:
        raise fail(path, d, f"«{n.field('default_deadline')}»: {problem}", "default_deadline")
    return plan


def _period(path, p: Any) -> Period:
    if not isinstance(p, dict):
        raise fail(path, p, "mỗi kỳ phải có mã kỳ và tên kỳ: id, label")
    missing(path, p, ("id", "label"))
    if problem := id_problem(p["id"], "mã kỳ"):
        raise fail(path, p, problem, "id")
    expect(path, p, str, "label")
    expect(path, p, bool, "partial")
    return Period(id=str(p["id"]), label=p["label"], partial=bool(p.get("partial")))


def _period_set(path, name: str, items: Any, problems: Problems) -> tuple[Period, ...] | None:
    """A period set: every period with an id and a label, the ids distinct. None when any
    is wrong (each reported at its own row)."""
    if not isinstance(items, list) or not items:
        problems.append(fail(path, items, f"bộ kỳ «{name}» không có kỳ nào"))
        return None
    if name is not None and (problem := id_problem(name, "tên bộ kỳ")):
        problems.append(fail(path, items[0], problem, "^set"))
        return None
    periods = [problems.run(path, p, _period, path, p) for p in items]
    seen: dict[str, Any] = {}
    ok = None not in periods
    for period, node in zip(periods, items, strict=True):
        if period is not None and period.id in seen:
            problems.append(fail(path, node, f"bộ kỳ «{name}»: mã kỳ «{period.id}» bị trùng, đã có ở dòng "
                                              f"{line_of(seen[period.id])}", "id"))
            ok = False
        elif period is not None:
            seen[period.id] = node
    return tuple(periods) if ok else None


def build_catalogue(base: dict, base_path: Path | str, form_specs: list[tuple[Path | str, dict]],
                    problems: Problems | None = None, outline: Any = None,
                    outline_path: Path | str | None = None) -> Catalogue:
    """The catalogue of a plan's shared definitions (``base``, read from ``base_path``) and
    its form specs ((where read, dict) each), as YAML or an authoring workbook gives them.
    Every problem is collected into ``problems`` and what did load is returned (only for
    further checks: it is incomplete when there are problems); without ``problems``, they
    are raised as one CchcError."""
    found = Problems() if problems is None else problems
    catalogue = _build(base if isinstance(base, dict) else {}, base_path, form_specs, found)
    if outline is not None:   # the Đề cương (outline.yaml, or the «Đề cương» sheet); None: no report
        where = outline_path or base_path
        catalogue = replace(catalogue, outline=found.run(where, outline, build_outline, outline, where))
    if problems is None:
        found.raise_any(base_path)
    return catalogue


def _preparer(path, node: Any) -> PreparerField:
    if not isinstance(node, dict):
        raise fail(path, node, "mỗi ô của người lập biểu phải có id, label, input_title, input_message, max_length")
    n = names(node)
    keys = [f.name for f in fields(PreparerField)]
    missing(path, node, keys)
    unknown = [k for k in clean(node) if k not in keys]
    if unknown:
        raise fail(path, node, f"không dùng {quoted(n.field(k) for k in unknown)}", unknown[0])
    length = node["max_length"]
    if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= 32767:
        raise fail(path, node, f"«{n.field('max_length')}» là «{length}», phải là số nguyên từ 1 đến 32767",
                    "max_length")
    for name in ("label", "input_title", "input_message"):   # the same checks as a kind's texts
        problem = text_problem(name, node[name], n.field(name))
        if problem:
            raise fail(path, node, problem, name)
    return PreparerField(**{k: node[k] for k in keys})


def _beyond_reader(form) -> str:
    """Why the harvest could never read this form's returns back (its sheet wider or
    longer than the bounded reader takes, ``sheetio.cells``), or ""."""
    layout = form_layout(form)
    if layout.ncols > MAX_COLS or layout.last_row >= MAX_ROWS:
        return (f"biểu «{form.id}» rộng {layout.ncols} cột, dài {layout.last_row + 1} dòng: quá giới hạn "
                f"{MAX_COLS} cột × {MAX_ROWS} dòng mà phần tổng hợp đọc được (bớt kỳ hoặc chỉ tiêu)")
    return ""


def _build(base: dict, base_path, form_specs, problems: Problems) -> Catalogue:
    for key in ("plan", "period_sets", "kinds", "preparer_fields", "unit_kinds"):
        if key not in base:   # (an authoring workbook always gives them; its reader reports empty sheets)
            problems.append(fail(base_path, base, f"thiếu mục «{key}»", key))
    plan = problems.run(base_path, base.get("plan"), _plan, base_path, base["plan"]) if "plan" in base else None
    period_nodes = clean(base.get("period_sets") or {})
    period_sets = {}
    for name, items in period_nodes.items():
        found = _period_set(base_path, name, items, problems)
        if found is not None:
            period_sets[name] = found
    kinds_node = base.get("kinds") or {}
    kind_nodes = clean(kinds_node) if isinstance(kinds_node, dict) else {}
    note = kinds_node.get("note") if isinstance(kinds_node, dict) else None
    bad_note = "kinds" in base and None not in kind_nodes and (not isinstance(note, dict) or note.get("base") != "text")
    if bad_note:   # the root of the row's other problems (fields of another base): said alone
        where = note if isinstance(note, dict) else kinds_node
        problems.append(fail(base_path, where, f"phải có loại ô «note» kiểu «{names(where).value('base', 'text')}»"
                                                ": cột ghi chú của mọi biểu", "base"))
    kinds = {}
    for kid, node in kind_nodes.items():
        if kid == "note" and bad_note:
            continue
        kind = problems.run(base_path, node, _kind, base_path, kid, node, problems)
        if kind is not None:
            kinds[kid] = kind
    unit_kinds = problems.run(base_path, base, _unit_kinds, base_path, base) if "unit_kinds" in base else None
    declared = {"kinds": Declared(kind_nodes), "periods": Declared(period_nodes),
                "unit_kinds": Declared(clean(base.get("unit_kinds") or {}) if isinstance(base.get("unit_kinds"),
                                                                                       dict) else ()),
                "forms": Declared(spec.get("id") if isinstance(spec, dict) else None for _p, spec in form_specs)}
    preparer = _preparers(base_path, base, problems)
    forms, paths, nodes, nodes_of = {}, {}, {}, {}
    for path, spec in form_specs:
        form = problems.run(path, spec, load_form, path, spec, period_sets, kinds, declared, problems)
        if form is None:
            continue
        twin = next((f for f in forms.values() if f.id.casefold() == form.id.casefold()), None)
        if twin is not None:   # file names and sheet names do not tell case apart (Windows, Excel)
            same = "" if twin.id == form.id else f" (chỉ khác chữ hoa, thường với «{twin.id}»)"
            problems.append(fail(path, spec, f"mã biểu «{form.id}» bị trùng{same}", "id"))
            continue
        # The number names the form's sheets ("Phụ lục 1") and places it in every output.
        same = next((f for f in forms.values() if f.number == form.number), None)
        if same is not None:
            problems.append(fail(path, spec, f"số phụ lục {form.number} bị trùng với biểu «{same.id}»", "number"))
            continue
        forms[form.id], paths[form.id], nodes[form.id] = form, path, list(spec.get("evidence") or ())
        nodes_of[form.id] = spec
    forms = dict(sorted(forms.items(), key=lambda item: item[1].number))
    for fid, form in list(forms.items()):
        if problem := _beyond_reader(form):
            problems.append(fail(paths[fid], nodes_of[fid], problem, "periods"))
            del forms[fid]
    _distinct_rules(form_specs, problems)
    for fid, form in forms.items():
        check_evidence(paths[fid], form, nodes[fid], forms, declared["forms"], problems)
    plausibility = None
    if base.get("plausibility"):
        plausibility = problems.run(base_path, base["plausibility"], load_plausibility, base_path,
                                    base["plausibility"], kinds, declared, problems)
    return Catalogue(plan=plan, kinds=kinds, forms=forms, preparer_fields=preparer, plausibility=plausibility,
                     unit_kinds=unit_kinds or {})


def _distinct_rules(form_specs, problems: Problems) -> None:
    """A rule's id is the code of its issues: one rule per id in the whole plan."""
    first: dict[str, tuple[Any, Any]] = {}
    for path, spec in form_specs:
        for node in (spec.get("rules") or ()) if isinstance(spec, dict) else ():
            code = node.get("code") if isinstance(node, dict) else None
            if not isinstance(code, str) or rule_id_problem(code):
                continue
            if code in first:
                fpath, fnode = first[code]
                problems.append(fail(path, node, f"mã quy tắc «{code}» bị trùng, đã có ở {_line(fpath, fnode)}; "
                                                  "mỗi quy tắc một mã riêng (mã quy tắc là mã lỗi khi tổng hợp)",
                                     "code"))
            else:
                first[code] = (path, node)


def _line(path, node) -> str:
    return f"dòng {line_of(node)}" if names(node).workbook else f"{path}, dòng {line_of(node)}"


def _preparers(path, base: dict, problems: Problems) -> tuple[PreparerField, ...]:
    """The inputs of the signature block: exactly the layout's (``layout.PREPARER_IDS``), in
    its order; their labels and prompts are the plan's."""
    nodes = base.get("preparer_fields") or []
    if not isinstance(nodes, list):
        problems.append(fail(path, base, "preparer_fields phải là danh sách các ô", "preparer_fields"))
        return ()
    preparer = tuple(problems.run(path, node, _preparer, path, node) for node in nodes)
    ids = tuple(p.id for p in preparer if p is not None)
    if "preparer_fields" in base and not nodes and not names(base).workbook:   # (a workbook: its reader says)
        problems.append(fail(path, base, f"preparer_fields phải có đúng các ô {quoted(PREPARER_IDS)}",
                             "preparer_fields"))
    if "preparer_fields" in base and None not in preparer and ids != PREPARER_IDS and nodes:
        lacking = [i for i in PREPARER_IDS if i not in ids]
        extra = next((nd for nd, p in zip(nodes, preparer, strict=True) if p.id not in PREPARER_IDS), None)
        if extra is not None or not lacking:   # a row that is none of them, or the order wrong
            node = extra or next(nd for nd, p, want in zip(nodes, preparer, PREPARER_IDS, strict=False)
                                 if p.id != want)
            what = "phải là đúng"
        else:   # rows missing: said at the last row there
            node, what = nodes[-1], f"thiếu dòng {quoted(lacking)}: phải có đúng"
        problems.append(fail(path, node, f"«{names(node).field('id')}» {what} các ô {quoted(PREPARER_IDS)}, "
                                          "theo thứ tự đó, mỗi ô một dòng: khối chữ ký của biểu có đúng ba ô này và "
                                          "bảng tổng hợp đọc lại đúng ba ô này; nhãn, lời gợi ý và độ dài tối đa của "
                                          "mỗi ô do kế hoạch ghi", "id"))
    return tuple(p for p in preparer if p is not None)


def _unit_kinds(path: Path, base: dict) -> dict[str, str]:
    """``unit_kinds``: registry kind id → its Vietnamese name (at least one). An entry
    without an id or a name in a workbook is its empty cell, which the reader reports: it
    is kept (the units naming it are not reported again)."""
    node = base.get("unit_kinds")
    found = clean(node) if isinstance(node, dict) else {}
    workbook = names(node).workbook
    bad = [k for k, v in found.items() if not isinstance(k, str) or not isinstance(v, str) or not v.strip()]
    if not found or bad and not workbook:
        from .authoring.sheets import UNIT_KINDS
        what = f"trang «{UNIT_KINDS.name}»" if workbook else "unit_kinds"
        raise fail(path, node if isinstance(node, dict) else base,
                    f"{what} phải liệt kê các loại đơn vị với tên tiếng Việt, ví dụ office: Cơ quan cấp thành phố")
    return declared_map({k: v if isinstance(v, str) else str(k) for k, v in found.items()})


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The embedded plan's catalogue (loaded once per process)."""
    return load_catalogue()
