"""The Đề cương báo cáo: the outline of the units' narrative reports, as plan data.

``outline.yaml`` in the plan's spec folder (schema in its header comment) is loaded into an
``Outline``: its sections in reading order, each with its number, heading, level and the
guidance printed under it. The report writer (``report_doc``) prints it; the harvest
(``harvest.narrative``) finds each heading again in a returned document and takes the
unit's text under it. A plan without ``outline.yaml`` asks for no narrative report.
"""
from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from .authoring.names import names, quoted
from .errors import CchcError
from .model import Fix
from .yamlio import META_KEYS, line_of, load_yaml, place

OUTLINE_FILE = "outline.yaml"
SPEC_DIR = Path(__file__).parent / "specs"
MAX_LEVEL = 4
_TOP = ("id", "version", "name", "kind", "title", "sections")
_SECTION = {"id", "number", "heading", "level", "guidance", "fixes", "figures"}


def normalized(text: str) -> str:
    """How texts are compared between the outline and a document: NFC, runs of white
    space as one space, case folded (a heading typed in capitals is the same heading)."""
    return unicodedata.normalize("NFC", " ".join(str(text).split())).casefold()


@dataclass(frozen=True, slots=True)
class Section:
    """One numbered heading of the outline."""

    id: str
    number: str
    heading: str
    level: int
    guidance: tuple[str, ...] = ()
    fixes: tuple[Fix, ...] = ()
    figures: tuple[str, ...] = ()   # forms whose city figures the city's report sets out here

    @property
    def printed(self) -> str:
        """The heading as printed: number and text."""
        return f"{self.number} {self.heading}"


@dataclass(frozen=True)
class Outline:
    """The report's outline: title lines and sections in reading order."""

    id: str
    version: int
    name: str
    kind: str
    title: str
    sections: tuple[Section, ...]
    attachment: str = ""
    note: str = ""
    source: str = ""

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the title and every section's id, number, heading and level: what a
        report's identity signs, so a report made from other headings is told apart."""
        payload = json.dumps([self.id, self.title, [(s.id, s.number, s.heading, s.level) for s in self.sections]],
                             ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    @cached_property
    def leaves(self) -> frozenset[str]:
        """Ids of the sections without sub-sections: the ones a unit must write."""
        return frozenset(s.id for s, nxt in zip(self.sections, (*self.sections[1:], None), strict=True)
                         if nxt is None or nxt.level <= s.level)

    def section(self, section_id: str) -> Section:
        """The section with this id (KeyError if none)."""
        return self._by_id[section_id]

    @cached_property
    def _by_id(self) -> dict[str, Section]:
        return {s.id: s for s in self.sections}


def _fail(path: Path, node: Any, problem: str, key: str | None = None) -> CchcError:
    # ``place``: a YAML line, or the sheet, row and column of an authoring workbook.
    return CchcError("OUTLINE_INVALID", place(path, node, key), problem=problem)


def _text(path: Path, node: dict, key: str, *, required: bool = True) -> str:
    value = node.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, node, f"«{names(node).field(key)}» thiếu hoặc không phải chữ", key)
    return unicodedata.normalize("NFC", " ".join(value.split()))


def _fixes(path: Path, node: dict) -> tuple[Fix, ...]:
    items = node.get("fixes") or []
    if not isinstance(items, list) or not all(isinstance(f, dict) and {"from", "to"} <= set(f) for f in items):
        raise _fail(path, node, f"«{names(node).field('fixes')}» phải là các cặp «sai → đúng»", "fixes")
    return tuple(Fix(wrong=str(f["from"]), right=str(f["to"])) for f in items)


def _section(path: Path, node: Any, previous: Section | None) -> Section:
    if not isinstance(node, dict):
        raise _fail(path, node, "mỗi mục của «sections» phải có các trường id, number, heading, level")
    n = names(node)
    unknown = sorted(set(node) - _SECTION - set(META_KEYS))
    if unknown:
        raise _fail(path, node, f"trường lạ {quoted(unknown)}; chỉ dùng {quoted(sorted(_SECTION))}")
    level, name = node.get("level"), n.field("level")
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= MAX_LEVEL:
        raise _fail(path, node, f"«{name}» phải là số nguyên từ 1 đến {MAX_LEVEL}", "level")
    if previous is None and level != 1:
        raise _fail(path, node, f"mục đầu tiên phải có «{name}» là 1", "level")
    if previous is not None and level > previous.level + 1:
        raise _fail(path, node, f"«{name}» {level} sâu hơn mục trước, {previous.id} có «{name}» {previous.level}, "
                                "quá một bậc", "level")
    guidance = node.get("guidance") or ""
    if not isinstance(guidance, str):
        raise _fail(path, node, f"«{n.field('guidance')}» phải là một đoạn văn bản, mỗi dòng một đoạn", "guidance")
    lines = tuple(unicodedata.normalize("NFC", " ".join(line.split())) for line in guidance.splitlines())
    figures = node.get("figures") or []
    if not isinstance(figures, list) or not all(isinstance(f, str) and f for f in figures):
        raise _fail(path, node, f"«{n.field('figures')}» phải là danh sách mã phụ lục, ví dụ PL3", "figures")
    return Section(figures=tuple(figures), id=_text(path, node, "id"), number=_text(path, node, "number"),
                   heading=_text(path, node, "heading"), level=level,
                   guidance=tuple(line for line in lines if line), fixes=_fixes(path, node))


def load_outline(spec_dir: Path = SPEC_DIR) -> Outline | None:
    """The outline of the plan in ``spec_dir`` (its ``outline.yaml``), or None when the
    plan has none. Raises CchcError naming the file and line of a malformed one."""
    path = spec_dir / OUTLINE_FILE
    if not path.exists():
        return None
    return build_outline(load_yaml(path), path)


def build_outline(doc: Any, path: Path | str) -> Outline:
    """The outline of ``doc``, the dict ``outline.yaml`` or the «Đề cương» sheet of an
    authoring workbook gives (read from ``path``). Raises CchcError naming the place (line,
    or sheet, row and column) of the first problem."""
    if not isinstance(doc, dict):
        raise _fail(path, doc, f"tệp phải là một bảng có các trường {quoted(_TOP)}")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _fail(path, doc, f"«{names(doc).field('version')}» phải là số nguyên dương", "version")
    items = doc.get("sections")
    if not isinstance(items, list) or not items:
        raise _fail(path, doc, "Đề cương phải có ít nhất một mục", "sections")
    sections: list[Section] = []
    for node in items:
        sections.append(_section(path, node, sections[-1] if sections else None))
    seen_ids: dict[str, Any] = {}
    seen_printed: dict[tuple[str, str], str] = {}
    parents: list[Section] = []   # the chain of open sections above the current one
    for node, s in zip(items, sections, strict=True):
        if s.id in seen_ids:
            raise _fail(path, node, f"mã mục «{s.id}» bị trùng, đã có ở dòng {line_of(seen_ids[s.id])}", "id")
        seen_ids[s.id] = node
        parents = [p for p in parents if p.level < s.level]
        key = (parents[-1].id if parents else "", normalized(s.printed))
        if key in seen_printed:
            # The harvest finds a section by its printed heading, in order: two alike under
            # one parent could not be told apart (alike under two parents can: "6. Về hiện
            # đại hóa hành chính" is both a result and a proposal).
            raise _fail(path, node, f"đề mục «{s.printed}» trùng với mục {seen_printed[key]} cùng cấp", "heading")
        seen_printed[key] = s.id
        parents.append(s)
    return Outline(id=_text(path, doc, "id"), version=version, name=_text(path, doc, "name"),
                   kind=_text(path, doc, "kind"), title=_text(path, doc, "title"), sections=tuple(sections),
                   attachment=_text(path, doc, "attachment", required=False),
                   note=_text(path, doc, "note", required=False), source=str(path))


@lru_cache(maxsize=1)
def default_outline() -> Outline | None:
    """The outline of the embedded plan, loaded once per process (its catalogue's: a plan
    given by --plan has its own, ``Catalogue.outline``)."""
    from .spec_loader import default_catalogue  # imported here: spec_loader imports this module
    return default_catalogue().outline


def check_figures(outline: Outline, form_ids) -> None:
    """Every section's ``figures`` names a form of the plan (CchcError OUTLINE_INVALID)."""
    known = set(form_ids)
    for s in outline.sections:
        unknown = [f for f in s.figures if f not in known]
        if unknown:
            raise CchcError("OUTLINE_INVALID", f"{outline.source or OUTLINE_FILE}, mục {s.id}",
                            problem=f"«figures» nêu phụ lục không có trong kế hoạch: {', '.join(unknown)}")
