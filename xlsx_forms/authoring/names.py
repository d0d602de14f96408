"""How a loader message names a field and a coded value: the way the user wrote the plan.

A node read from an authoring workbook names its fields by their Vietnamese column
headers and its coded values (a base, an aggregation, a severity…) by the labels of the
drop-down lists (``sheets.ENUMS``); a node of the YAML folder format names them by their
keys and codes, which is what that user typed. Every loader (``spec_loader``, ``kinds``,
``registry``, ``outline``) builds its messages through ``names(node)``, so no message
shows a key or a code the user never saw, and no list is shown as a Python repr.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..yamlio import WHERE_KEY, Where

NONE_DECLARED = "chưa khai báo"   # an empty list in a message («các đơn vị phụ trách: chưa khai báo»)


def quoted(items: Iterable[Any], none: str = NONE_DECLARED) -> str:
    """``«a», «b», «c»``: a list as every message shows one; ``none`` when it is empty, so
    that no message ends on a list that is not there («dùng một trong .»)."""
    return ", ".join(f"«{i}»" for i in items) or none


class Names:
    """The names of one node's fields and values, as its user wrote them."""

    def __init__(self, where: Where | None = None) -> None:
        self.where = where

    @property
    def workbook(self) -> bool:
        """Whether the node comes from an authoring workbook."""
        return self.where is not None

    def field(self, key: str) -> str:
        """The field ``key`` (unquoted): its column header, or the key in YAML."""
        if self.where is None:
            return key
        from .sheets import BY_NAME, FACT_HEADERS
        cell = self.where.columns.get(key)
        if cell is not None:
            prefix = FACT_HEADERS[1] + ": "   # a fact's cell: «Giá trị: Căn cứ» → Căn cứ
            return cell[2][len(prefix):] if cell[2].startswith(prefix) else cell[2]
        sheet = BY_NAME.get(self.where.sheet)
        columns = sheet.columns if sheet else ()
        full = f"{self.where.path}.{key}" if self.where.path else key
        column = next((c for c in columns if c.key == full), None) or \
            next((c for c in columns if c.key == key or c.key.endswith("." + key)), None)
        if column is not None:
            return column.header
        # A group of facts (``year_jump``): the prefix its headers share, «Năm: …».
        group = [c.header for s in BY_NAME.values() for c in s.columns if f".{key}." in f".{c.key}"]
        prefixes = {h.split(":")[0] for h in group if ":" in h}
        return f"{prefixes.pop()}: …" if len(prefixes) == 1 else key

    def value(self, enum: str, code: Any) -> str:
        """A coded value of the list ``enum`` (a key of ``sheets.ENUMS``), unquoted: its
        label in a workbook, the code in YAML; an empty value is shown as empty."""
        if code is None:
            return ""
        if self.where is None:
            return str(code)
        from .sheets import ENUMS
        return next((label for label, c in ENUMS[enum].items() if c == code), str(code))

    def values(self, enum: str, codes: Iterable[Any] | None = None) -> str:
        """The values ``codes`` (default: the whole list ``enum``) quoted, comma separated."""
        from .sheets import ENUMS
        return quoted(self.value(enum, c) for c in (ENUMS[enum].values() if codes is None else codes))


def names(node: Any) -> Names:
    """The names for ``node`` (a dict of the plan as read; anything else: YAML names)."""
    return Names(node.get(WHERE_KEY) if isinstance(node, dict) else None)
