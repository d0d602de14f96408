"""YAML loading that remembers where each mapping started, for error messages."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import CchcError

LINE_KEY = "__line__"


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings carry the 1-based line they start on."""

    def construct_mapping(self, node, deep=False):  # noqa: D102 - PyYAML hook
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)


def load_yaml(path: Path, text: str | None = None) -> Any:
    """Parse a YAML file; every dict gets a ``__line__`` entry. Raises CchcError."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CchcError("FILE_MISSING", str(path)) from None
        except UnicodeDecodeError as exc:
            raise CchcError("YAML_SYNTAX", str(path), problem=f"không phải UTF-8: {exc.reason}") from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        raise CchcError("YAML_SYNTAX", f"{path}, dòng {line}", problem=exc.problem or str(exc)) from None


def line_of(mapping: Any) -> int | str:
    """The line a mapping started on, or '?' for values that are not mappings."""
    return mapping.get(LINE_KEY, "?") if isinstance(mapping, dict) else "?"
