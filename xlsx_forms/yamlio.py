"""YAML loading that remembers where each mapping started, for error messages.

Objects are built straight from PyYAML's event stream (``yaml.parse``, with libyaml when
present) instead of composing a node graph first: a registry of ten thousand units then
costs the memory of its dicts, not ten times that. Scalars are typed by PyYAML's own
resolver and safe constructors, so values read exactly as ``yaml.safe_load`` reads them.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import CchcError
from .inert import unwritable
from .safebook import CELL_TEXT_MAX

LINE_KEY = "__line__"
WHERE_KEY = "__where__"   # nodes read from an authoring workbook: a Where instead of a line
LINES_KEY = "__lines__"   # the line of each key of a YAML mapping, for messages about it
META_KEYS = (LINE_KEY, WHERE_KEY, LINES_KEY)
_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.SafeLoader("")   # only its scalar constructors are used


def _scalar(event: yaml.ScalarEvent) -> Any:
    tag = event.tag if event.tag not in (None, "!") else _RESOLVER.resolve(
        yaml.ScalarNode, event.value, event.implicit)
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    construct = _CONSTRUCTOR.yaml_constructors.get(tag)
    if construct is None:
        raise yaml.constructor.ConstructorError(None, None, f"không hỗ trợ kiểu {tag}", event.start_mark)
    try:
        value = construct(_CONSTRUCTOR, node)
    except (ValueError, OverflowError) as exc:   # 2020-02-30 resolves as a date that is none
        what = "ngày có thật" if tag.endswith(":timestamp") else f"giá trị kiểu {tag.rsplit(':', 1)[-1]}"
        raise yaml.constructor.ConstructorError(
            None, None, f"«{event.value[:40]}» không phải {what}; một chữ thì đặt trong ngoặc kép", event.start_mark,
        ) from exc
    # An escape ("\x01", "\ud800") gives what the file itself could not hold.
    bad = unwritable(value) if isinstance(value, str) else None
    if bad:
        raise yaml.constructor.ConstructorError(None, None, f"chuỗi {bad[1]}", event.start_mark)
    if isinstance(value, str) and len(value) > CELL_TEXT_MAX:   # cut in a template, its layout would not match
        raise yaml.constructor.ConstructorError(None, None, f"chuỗi dài {len(value)} ký tự, quá {CELL_TEXT_MAX} ký "
                                                "tự một ô Excel giữ được", event.start_mark)
    return value


def _build(event, events: Iterator) -> Any:
    if isinstance(event, yaml.ScalarEvent):
        return _scalar(event)
    if isinstance(event, yaml.SequenceStartEvent):
        items = []
        for item in events:
            if isinstance(item, yaml.SequenceEndEvent):
                return items
            items.append(_build(item, events))
    if isinstance(event, yaml.MappingStartEvent):
        lines: dict = {}
        mapping = {LINE_KEY: event.start_mark.line + 1, LINES_KEY: lines}
        for key_event in events:
            if isinstance(key_event, yaml.MappingEndEvent):
                return mapping
            key = _build(key_event, events)
            if isinstance(key, str):
                lines[key] = key_event.start_mark.line + 1
            mapping[key] = _build(next(events), events)
    if isinstance(event, yaml.AliasEvent):
        raise yaml.composer.ComposerError(None, None, "không dùng bí danh (alias) YAML", event.start_mark)
    raise yaml.composer.ComposerError(None, None, f"cấu trúc YAML lạ ({type(event).__name__})",
                                      getattr(event, "start_mark", None))


def _document(text: str) -> Any:
    events = yaml.parse(text, Loader=_Parser)
    result = None
    for event in events:
        if isinstance(event, yaml.DocumentStartEvent):
            body = next(events)
            result = None if isinstance(body, yaml.DocumentEndEvent) else _build(body, events)
            break
    for _ in events:   # the rest must parse too (a second document is an error)
        pass
    return result


def load_yaml(path: Path, text: str | None = None) -> Any:
    """Parse a YAML file; every dict gets a ``__line__`` entry. Raises CchcError."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CchcError("FILE_MISSING", str(path)) from None
        except UnicodeDecodeError as exc:
            raise CchcError("YAML_SYNTAX", str(path), problem=f"không phải UTF-8: {exc.reason}") from None
    bad = unwritable(text)
    if bad:   # typed into the file itself (Word's soft line break is U+000B): said here, where it is
        at, problem = bad
        raise CchcError("YAML_SYNTAX", f"{path}, dòng {text.count(chr(10), 0, at) + 1}", problem=problem)
    try:
        return _document(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else "?"
        raise CchcError("YAML_SYNTAX", f"{path}, dòng {line}", problem=exc.problem or str(exc)) from None
    except yaml.YAMLError as exc:
        raise CchcError("YAML_SYNTAX", str(path), problem=str(exc)) from None


def line_of(mapping: Any) -> int | str:
    """The line a mapping started on (its row, for a node of a workbook), or '?' for values
    that are not mappings."""
    if not isinstance(mapping, dict):
        return "?"
    return mapping[WHERE_KEY].row if WHERE_KEY in mapping else mapping.get(LINE_KEY, "?")


@dataclass(frozen=True)
class Where:
    """Where a node of an authoring workbook came from: the file, the sheet, the row, and
    for each key the cell that held it: (row, column letter, header). The rows of a key
    and of its node differ only on sheets of one field a row ("Kế hoạch")."""

    file: str
    sheet: str
    row: int
    columns: dict[str, tuple[int, str, str]] = field(default_factory=dict, compare=False)
    path: str = field(default="", compare=False)   # a fact node's dotted key (``catalogue.plausibility``)


def place(path: Any, node: Any, key: str | None = None) -> str:
    """Where ``node`` (``key`` of it, if given) is, for a message: ``FILE, dòng N`` for a
    YAML node (the key's own line when it is there, else the node's); ``Tệp FILE, trang
    «S», dòng R, cột C «H»`` for a node of a workbook."""
    where = node.get(WHERE_KEY) if isinstance(node, dict) else None
    if where is None:
        line = node.get(LINES_KEY, {}).get(key) if key and isinstance(node, dict) else None
        return f"{path}, dòng {line or line_of(node)}"
    cell = where.columns.get(key) if key else None
    if cell is None:
        return f"Tệp {where.file}, trang «{where.sheet}», dòng {where.row}"
    return f"Tệp {where.file}, trang «{where.sheet}», dòng {cell[0]}, cột {cell[1]} «{cell[2]}»"


def shown(value: Any) -> str:
    """A value read from the plan, quoted in a message as its user wrote it: «true», «31»,
    «2020-03-23»; a list, a mapping or bytes named, never written as Python shows them
    (with the loader's own entries)."""
    if isinstance(value, bool):
        return f"«{str(value).lower()}»"
    if isinstance(value, (list, tuple)):
        return "một danh sách"
    if isinstance(value, dict):
        return "một bảng khóa–giá trị"
    if isinstance(value, (bytes, bytearray)):
        return "dữ liệu nhị phân"
    return f"«{value}»"


def strip_meta(value: Any) -> Any:
    """``value`` without the location entries of its mappings, at every depth."""
    if isinstance(value, dict):
        return {k: strip_meta(v) for k, v in value.items() if k not in META_KEYS}
    if isinstance(value, list):
        return [strip_meta(v) for v in value]
    return value
