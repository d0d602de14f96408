"""The plan's dicts (as the YAML files give them) ↔ the rows of the authoring sheets.

``flatten`` turns a plan into one list of flat rows per sheet (keys as in the sheet
table, dotted for nested keys, ``^`` for the parent); ``assemble`` puts rows read back
into the same dicts, each node carrying its ``Where``. What a row attaches to (the form
of an indicator, the table it names) must exist: otherwise ``assemble`` reports it
against the cell that names it and drops the row, so the loader checks the rest.
"""
from __future__ import annotations

from functools import partial
from typing import Any

from ..yamlio import META_KEYS, WHERE_KEY, Where, place
from .sheets import FIRST_ROW, PLAUSIBILITY

Row = dict[str, Any]
Problem = tuple[str, str]   # (where, what is wrong), both Vietnamese


def _at(where: Where, key: str) -> str:
    return place(where.file, {WHERE_KEY: where}, key)


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in META_KEYS}


def _flat(d: dict, prefix: str = "") -> Row:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}``; lists and scalars stay as they are, except the
    maps of plausibility floors, which are one cell each."""
    out: Row = {}
    for k, v in _clean(d).items():
        if isinstance(v, dict) and k not in ("floor", "factor"):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


BASE_KEYS = ("plan", "period_sets", "kinds", "preparer_fields", "plausibility", "unit_kinds")
REGISTRY_KEYS = ("issuer", "place", "consolidator", "units")


def flatten(base: dict, forms: list[dict], registry: dict | None,
            outline: dict | None = None) -> dict[str, list[Row]]:
    """Every sheet's rows for a plan given as dicts (``registry`` None: no units;
    ``outline`` None: no Đề cương). A top-level key no sheet holds is a ValueError naming it
    (never dropped silently)."""
    base, registry, outline = _clean(base), _clean(registry or {}), _clean(outline or {})
    unknown = [k for k in base if k not in BASE_KEYS] + [k for k in registry if k not in REGISTRY_KEYS]
    if unknown:
        raise ValueError(", ".join(map(str, unknown)))
    plaus = _clean(base.get("plausibility") or {})
    outlier = {k: v for k, v in _clean(plaus.get("unit_outlier") or {}).items() if k != "groups"}
    facts = {**_flat(base.get("plan") or {}, "catalogue.plan."),
             **_flat({**plaus, "unit_outlier": outlier} if plaus else {}, "catalogue.plausibility."),
             **_flat({k: v for k, v in registry.items() if k != "units"}, "registry."),
             **_flat({k: v for k, v in outline.items() if k != "sections"}, "outline.")}
    out: dict[str, list[Row]] = {"facts": [facts]}
    out["unit_kinds"] = [{"id": k, "name": v} for k, v in _clean(base.get("unit_kinds") or {}).items()]
    out["sections"] = [_clean(s) for s in outline.get("sections") or ()]
    out["units"] = [_clean(u) for u in registry.get("units") or ()]
    out["periods"] = [{"^set": name, **_clean(p)} for name, items in _clean(base.get("period_sets") or {}).items()
                      for p in items]
    out["kinds"] = [{"id": kid, **_flat(k)} for kid, k in _clean(base.get("kinds") or {}).items()]
    out["preparer"] = [_clean(p) for p in base.get("preparer_fields") or ()]
    out["groups"] = [_clean(g) for g in _clean(plaus.get("unit_outlier") or {}).get("groups") or ()]
    for name in ("forms", "tables", "rows", "responsible", "rules", "evidence"):
        out[name] = []
    for spec in map(_clean, forms):
        fid = spec.get("id")
        out["forms"].append({k: v for k, v in spec.items()
                             if k not in ("tables", "rows", "rules", "evidence", "responsible_units")})
        for t in spec.get("tables") or ():
            t = _clean(t)
            out["tables"].append({"^form": fid, **{k: v for k, v in t.items() if k != "rows"}})
            out["rows"] += [{"^form": fid, "^table": t.get("id"), **_clean(r)} for r in t.get("rows") or ()]
        out["rows"] += [{"^form": fid, **_clean(r)} for r in spec.get("rows") or ()]
        out["responsible"] += [{"^form": fid, "code": c, "name": n}
                               for c, n in _clean(spec.get("responsible_units") or {}).items()]
        out["rules"] += [{"^form": fid, **_clean(r)} for r in spec.get("rules") or ()]
        out["evidence"] += [{"^form": fid, **_clean(e)} for e in spec.get("evidence") or ()]
    return out


def _nest(row: Row, where: Where) -> dict:
    """A flat row → a dict with nested keys; every dict carries ``where`` (its columns
    keyed by the key within that dict)."""
    out: dict = {WHERE_KEY: where}
    for key, value in row.items():
        node, parts = out, key.split(".")
        for part in parts[:-1]:
            if part not in node:
                inner = {k[len(part) + 1:]: c for k, c in node[WHERE_KEY].columns.items()
                         if k.startswith(part + ".")}
                node[part] = {WHERE_KEY: Where(where.file, where.sheet, where.row, inner)}
            node = node[part]
        node[parts[-1]] = value
    return out


class Assembly:
    """The plan's dicts being built from the sheets' rows, and what could not be placed."""

    def __init__(self) -> None:
        self.base: dict = {}
        self.registry: dict = {}
        self.forms: dict[str, dict] = {}
        self.outline: dict = {}
        self.unit_kinds: dict[str, dict] = {}
        self.problems: list[Problem] = []
        self.structural = False   # a sheet or column missing, unknown or repeated (reader.WorkbookPlan)
        self.unread: set[str] = set()   # targets whose sheet could not be read: nothing is "not in" it
        self.blank: list[Problem] = []   # required facts left empty (reader.WorkbookPlan)
        self.fact_cells: dict[str, tuple[int, str, str]] = {}   # every fact row present, even empty
        self._last: dict[str, dict] = {}   # per sheet: the form of its last row placed
        self._waiting: dict[str, list] = {}   # per sheet: first rows without a form, for the next row's

    def _key(self, seen: dict, key, where: Where, column: str, what: str):
        """The key to keep a row under: its id when new; None when empty (the reader said
        so) or repeated (said here). A row under None is still checked, as one whose id is
        unknown: what names the id it lost is not reported again (``loading.Declared``)."""
        if key in seen and key is not None:
            first = seen[key].get(WHERE_KEY) if isinstance(seen[key], dict) else None
            text = (f"{what} «{key}» bị trùng, đã có ở dòng {first.row if first else '?'}; "
                    f"mỗi {what} chỉ khai báo một lần")
            self.problems.append((_at(where, column), text))
            return None
        return key

    def _form(self, target: str, row: Row, where: Where) -> dict | None:
        """The form a row of ``target`` belongs to; None when it has none. An empty «Biểu»
        cell (the reader reported it) is taken as the form of the row above (``_last``);
        a form not in «Biểu» is reported, unless a form there has no id (reported there):
        it may be that one. Either way the rest of the row is still checked, and nothing
        naming it is reported again: one mistake, one message."""
        fid = row.get("^form")
        if fid is None:
            return self._last.get(target)
        form = self.forms.get(fid, self.forms.get(None))
        if form is None and "forms" not in self.unread:
            self.problems.append((_at(where, "^form"), f"biểu «{fid}» không có trong trang «Biểu»"))
        return form

    def add(self, target: str, row: Row, where: Where) -> None:
        """Put one row of a sheet whose rows are ``target`` where it belongs."""
        if target == "facts":
            self._facts(row, where)
            return
        node = _nest({k: v for k, v in row.items() if not k.startswith("^")}, where)
        if target == "units":
            self.registry.setdefault("units", []).append(node)
        elif target == "periods":
            self.base.setdefault("period_sets", {}).setdefault(row.get("^set"), []).append(node)
        elif target == "unit_kinds":
            unit_kinds = self.base.setdefault("unit_kinds", {WHERE_KEY: where})
            key = self._key(self.unit_kinds, node.get("id"), where, "id", "mã loại đơn vị")
            self.unit_kinds[key] = node   # (the plan's dict holds the name only)
            unit_kinds[key] = node.get("name")
        elif target == "sections":
            self.outline.setdefault("sections", []).append(node)
        elif target == "kinds":
            kinds = self.base.setdefault("kinds", {WHERE_KEY: where})
            kinds[self._key(kinds, node.pop("id", None), where, "id", "mã loại ô")] = node
        elif target == "preparer":
            self.base.setdefault("preparer_fields", []).append(node)
        elif target == "groups":
            # Thresholds not given yet: their nodes are the «Kiểm tra hợp lý» sheet's, not this row's.
            at = partial(Where, where.file, PLAUSIBILITY.name, FIRST_ROW, {})
            plaus = self.base.setdefault("plausibility", {WHERE_KEY: at("catalogue.plausibility")})
            outlier = plaus.setdefault("unit_outlier", {WHERE_KEY: at("catalogue.plausibility.unit_outlier")})
            outlier.setdefault("groups", []).append(node)
        elif target == "forms":
            key = self._key(self.forms, node.get("id"), where, "id", "mã biểu")
            if key is None:
                node.pop("id", None)
            self.forms[key] = node
        elif (form := self._form(target, row, where)) is not None:
            self._last[target] = form
            for waiting in self._waiting.pop(target, ()):   # first rows without a form: of the next row's
                self._in_form(target, form, *waiting)
            self._in_form(target, form, row, node, where)
        elif row.get("^form") is None:
            self._waiting.setdefault(target, []).append((row, node, where))

    def _in_form(self, target: str, form: dict, row: Row, node: dict, where: Where) -> None:
        if target == "tables":
            node["rows"] = []
            form.setdefault("tables", []).append(node)
        elif target == "rows":
            table_id = row.get("^table")
            if table_id is None:
                form.setdefault("rows", []).append(node)
                return
            tables = form.get("tables") or ()
            # A table without an id (reported) may be the one named: its rows go there.
            table = next((t for t in tables if t.get("id") == table_id), None) or \
                next((t for t in tables if t.get("id") is None), None)
            if table is None and "tables" in self.unread:
                return
            if table is None:
                self.problems.append((_at(where, "^table"),
                                      f"bảng «{table_id}» của biểu {form.get('id')} không có trong trang «Bảng»"))
            else:
                table["rows"].append(node)
        elif target == "responsible":
            form.setdefault("responsible_units", {WHERE_KEY: where})[node.get("code")] = node.get("name")
        else:   # rules, evidence
            form.setdefault(target, []).append(node)

    def _facts(self, row: Row, where: Where) -> None:
        """Each fact is a row of its own: every dict on the way gets a Where whose
        columns name each key's own row."""
        for key in where.columns:
            root, *path = key.split(".")
            node = {"catalogue": self.base, "registry": self.registry, "outline": self.outline}[root]
            at = where.columns[key][0]
            node.setdefault(WHERE_KEY, Where(where.file, where.sheet, at, {}, root))
            for i, part in enumerate(path[:-1]):
                node = node.setdefault(part, {WHERE_KEY: Where(where.file, where.sheet, at, {},
                                                               ".".join([root, *path[:i + 1]]))})
            node[WHERE_KEY].columns[path[-1]] = where.columns[key]
            if key in row:
                node[path[-1]] = row[key]

    def _fact_cells(self, node: dict) -> None:
        """Every fact node knows the cell of each of its fields whose row is there, even
        empty: a field missing is then reported at its own row, by its own header."""
        where = node.get(WHERE_KEY)
        if where is not None and where.path:
            for key, cell in self.fact_cells.items():
                parent, _dot, last = key.rpartition(".")
                if parent == where.path:
                    where.columns.setdefault(last, cell)
        for value in node.values():
            if isinstance(value, dict):
                self._fact_cells(value)

    def result(self) -> tuple[dict, list[dict], dict | None, dict | None]:
        """(catalogue dict, form dicts in sheet order, registry dict or None when the plan
        has no units: then they come from ``--units``, outline dict or None when the plan
        asks for no narrative report: no section and no line of the Đề cương given). An
        empty sheet still gives its section, empty: the reader has said so, the loader need
        not say it is missing."""
        for key, empty in (("period_sets", dict), ("kinds", dict), ("preparer_fields", list), ("unit_kinds", dict)):
            self.base.setdefault(key, empty())
        for node in (self.base, self.registry, self.outline):
            self._fact_cells(node)
        outline = self.outline if any(k not in META_KEYS for k in self.outline) else None
        return (self.base, list(self.forms.values()), self.registry if self.registry.get("units") else None,
                outline)
