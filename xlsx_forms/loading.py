"""What every part of the plan loader shares: the problems it collects, each naming its
place and its fields as the user wrote the plan, and what stands for things the plan
declares that did not load, so that one mistake is one message.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .authoring.names import names
from .errors import CchcError
from .model import Fix
from .yamlio import META_KEYS, place, shown


class Problems(list):
    """The problems found while loading a plan (CchcErrors, each naming its place). Each
    node is checked on its own, so one bad row does not hide the others."""

    def run(self, path, node, call, *args):
        """``call(*args)``, or None with the problem kept when it fails: a CchcError as
        raised, a missing key or a value of the wrong type as a problem of ``node``."""
        try:
            return call(*args)
        except CchcError as exc:
            self.append(exc)
        except KeyError as exc:
            key = exc.args[0]
            self.append(fail(path, node, f"thiếu «{names(node).field(str(key))}»", key))
        except (TypeError, ValueError, AttributeError):
            self.append(fail(path, node, "thiếu thông tin hoặc thông tin sai kiểu"))
        return None

    def raise_any(self, source) -> None:
        """Raise the one problem, or all of them as one error naming ``source``."""
        if len(self) == 1:
            raise self[0]
        if self:
            raise CchcError("PLAN_INVALID", str(source), count=len(self),
                            problems="\n".join(f"  {line}" for line in map(str, self)))


class Declared(frozenset):
    """The ids a plan declares for one sort of thing (kinds, forms, period sets, unit
    kinds…), whether they loaded or not. One declared without an id (its empty cell is
    reported already) makes it ``anonymous``: any id may then be that one, so a reference
    to an unknown id is not reported again: one mistake, one message."""

    anonymous: bool

    def __new__(cls, ids=()):
        ids = list(ids)
        self = super().__new__(cls, (i for i in ids if i not in (None, "")))
        self.anonymous = any(i in (None, "") for i in ids)
        return self

    def __contains__(self, item) -> bool:
        return self.anonymous or super().__contains__(item)


class Unsure(dict):
    """A mapping the loader keeps for further checks while one of its entries had no id
    (already reported): every key counts as present, so nothing is reported against it."""

    def __contains__(self, item) -> bool:
        return True


def declared_map(found: dict) -> dict:
    """``found`` as is, or an ``Unsure`` copy when one of its keys is empty."""
    return Unsure(found) if any(k in (None, "") for k in found) else found


def clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in META_KEYS}


# What a field of the plan must be, by the Python type of its value: its name in a message.
EXPECTED = {str: "chữ", bool: "có/không (true hoặc false)"}


def expect(path: Path, d: dict, kind: type, *keys: str) -> None:
    """Raise for the first of ``keys`` whose value in ``d`` is there but not of ``kind``
    (``str`` or ``bool``): a date or a list where a text goes would crash a command
    later, or reach a template or an e-mail as Python writes it."""
    for key in keys:
        value = d.get(key)
        if value is not None and not isinstance(value, kind):
            raise fail(path, d, f"«{names(d).field(key)}» là {shown(value)}, không phải {EXPECTED[kind]}", key)


def fixes(items: Any) -> tuple[Fix, ...]:
    return tuple(Fix(wrong=f["from"], right=f["to"]) for f in items or ())


def fail(path: Path, node: Any, problem: str, key: str | None = None) -> CchcError:
    return CchcError("SPEC_INVALID", place(path, node, key), problem=problem)


def missing(path, node: dict, keys) -> None:
    """Raise the first of ``keys`` that ``node`` lacks, named as its user wrote it."""
    for key in keys:
        if node.get(key) in (None, ""):
            raise fail(path, node, f"thiếu «{names(node).field(key)}»", key)


