"""Compact storage of one file's harvested input values.

A national harvest keeps the values of tens of thousands of files until the outputs are
written; a dict of objects per file would make memory grow far faster than the data. A
CellStore holds one double per input cell of the form's layout, a state byte, and texts,
moved addresses or quality marks only where there are any, while reading like a mapping
(row id, period id) → CellValue.

Quality marks travel with the values: a cell that cannot be used keeps the code of the
error that says why (its *status*); a readable value that breaks an error rule of the form
is *excluded* (kept, shown, left out of totals) with the rule's code; warnings on a value
are its *flags*. Most cells have none, so marks cost nothing where there are none.
"""
from __future__ import annotations

import math
import tempfile
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from oslayer.portable import Reader
from xlsx_forms.layout import form_layout
from xlsx_forms.model import Form

# EXCLUDED: read fine, but it breaks an error rule of the form: shown, never added up.
BLANK, USABLE, UNUSABLE, EXCLUDED = 0, 1, 2, 3
OK = "ok"          # the status of a value that counts
FLAG_SEP = ";"     # between the codes of a value's flags


@dataclass(frozen=True, slots=True)
class CellValue:
    """A harvested input value; ``value`` None when unusable. ``status``: ``ok``, or the
    code that keeps the value out of every total; ``flags``: other codes on the value
    (``FLAG_SEP``-separated), e.g. warnings."""

    value: object
    raw: object
    cell: str
    status: str = OK
    flags: str = ""


_FORMS: dict[str, Form] = {}   # form id → Form, to rebuild stores sent between processes


@lru_cache(maxsize=16)
def _index(form: Form) -> tuple[dict[tuple[str, str], int], tuple[str, ...], tuple[bool, ...]]:
    """Per form: (row, period) → position, each position's address, whether it is whole."""
    _FORMS[form.id] = form
    cells = form_layout(form).inputs
    return ({(c.row_id, c.period_id): i for i, c in enumerate(cells)}, tuple(c.a1 for c in cells),
            tuple(form.kinds[c.kind].behaviour.whole for c in cells))


def register(forms) -> None:
    """Make ``forms`` known before worker processes start, so their stores can come back."""
    for form in forms:
        _index(form)


class Spill:
    """A temporary file that holds the value arrays of many stores, so that a national
    harvest keeps them on disk, not in memory, until it writes its outputs."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="cchc-values-", buffering=0)
        self._reader = Reader(self._file)
        self._size = 0

    def put(self, blob: bytes) -> int:
        """Append ``blob``; return where it starts."""
        offset = self._size
        self._file.seek(offset)   # reads may have moved the position (without os.pread)
        self._file.write(blob)
        self._size += len(blob)
        return offset

    def get(self, offset: int, length: int) -> bytes:
        """The ``length`` bytes at ``offset`` (read, not mapped: mapped pages would count
        in the process's memory again)."""
        return self._reader.read_at(offset, length)


class CellStore(Mapping):
    """(row id, period id) → CellValue for the filled input cells of one file."""

    __slots__ = ("_form", "_nums", "_state", "_texts", "_raws", "_cells", "_status", "_flags", "_spill", "_at")

    def __init__(self, form: Form) -> None:
        n = len(_index(form)[1])
        self._form = form
        self._nums = array("d", [math.nan]) * n
        self._state = bytearray(n)
        self._texts: dict[int, str] | None = None   # text values (choices, texts)
        self._raws: dict[int, object] | None = None  # raw value when it differs from the value
        self._cells: dict[int, str] | None = None   # address when not the layout's (moved rows)
        self._status: dict[int, str] | None = None  # code of an unusable or excluded value
        self._flags: dict[int, str] | None = None   # other codes on a value
        self._spill: Spill | None = None
        self._at = 0

    def spill_to(self, spill: Spill) -> None:
        """Move the value arrays to ``spill``; the store reads them back when asked."""
        if self._spill is None:
            self._at = spill.put(bytes(self._state) + self._nums.tobytes())
            self._spill, self._state, self._nums = spill, None, None

    def _data(self) -> tuple[bytes | bytearray, array]:
        """(state bytes, values) in memory or read back from the spill."""
        if self._spill is None:
            return self._state, self._nums
        n = len(_index(self._form)[1])
        blob = self._spill.get(self._at, n * 9)
        nums = array("d")
        nums.frombytes(blob[n:])
        return blob[:n], nums

    def put(self, key: tuple[str, str], value, raw, cell: str, status: str = "", flags: str = "") -> None:
        """Record a filled cell: ``value`` None when it cannot be used, ``status`` then the
        code of the error that says why; ``flags`` the codes of warnings on it. A cell
        with an error of its own is unusable whatever value was assumed for it: only
        what was typed (``raw``) is kept, so a status other than ok never counts."""
        index, addresses, _ = _index(self._form)
        i = index[key]
        if status:
            self._status = self._status or {}
            self._status[i] = status
        if flags:
            self._flags = self._flags or {}
            self._flags[i] = flags
        if value is None or status:
            self._state[i] = UNUSABLE
            value = None
        else:
            self._state[i] = USABLE
            if isinstance(value, str):
                self._texts = self._texts or {}
                self._texts[i] = value
            else:
                self._nums[i] = value
        if raw is not value and not (isinstance(raw, (int, float)) and raw == value):
            self._raws = self._raws or {}
            self._raws[i] = raw
        if cell != addresses[i]:
            self._cells = self._cells or {}
            self._cells[i] = cell

    def exclude(self, key: tuple[str, str], code: str) -> None:
        """Leave a readable value out of every total because of ``code`` (an error rule
        it breaks). A value already left out keeps its first reason; ``code`` joins its
        flags. A blank cell has nothing to leave out. Marks are set while the file is
        checked, before the store is spilled."""
        i = _index(self._form)[0][key]
        if self._state[i] == USABLE:
            self._state[i] = EXCLUDED
            self._status = self._status or {}
            self._status[i] = code
        elif self._state[i] != BLANK:
            self.flag(key, code)

    def flag(self, key: tuple[str, str], code: str) -> None:
        """Add ``code`` to a filled cell's flags (once)."""
        i = _index(self._form)[0][key]
        if self._state[i] == BLANK or self._status and self._status.get(i) == code:
            return
        self._flags = self._flags or {}
        have = self._flags.get(i, "")
        if code not in have.split(FLAG_SEP):
            self._flags[i] = have + FLAG_SEP + code if have else code

    def marks(self) -> dict[int, tuple[str, str]]:
        """Position in the layout's inputs → (status, flags) of every value that is not
        plainly ``ok``: few per file, so callers look positions up instead of asking each cell."""
        status, flags = self._status or {}, self._flags or {}
        return {i: (status.get(i, OK), flags.get(i, "")) for i in sorted(set(status) | set(flags))}

    def left_out(self) -> dict[tuple[str, str], str]:
        """(row, period) → status code of every filled value that does not count."""
        if not self._status:
            return {}
        keys = list(_index(self._form)[0])
        return {keys[i]: code for i, code in (self._status or {}).items()}

    def usable(self) -> dict[tuple[str, str], object]:
        """(row, period) → value of every usable cell, without building CellValues."""
        keys = list(_index(self._form)[0])
        whole = _index(self._form)[2]
        states, nums = self._data()
        out = {}
        for i, state in enumerate(states):
            if state == USABLE:
                if self._texts and i in self._texts:
                    out[keys[i]] = self._texts[i]
                else:
                    out[keys[i]] = int(nums[i]) if whole[i] else nums[i]
        return out

    def numbers(self) -> tuple[dict[tuple[str, str], int], list[float]]:
        """(row, period) → position, and one double per input cell of the layout: the
        usable number, NaN anywhere else (blank, unusable, text), without building a dict."""
        states, nums = self._data()
        nan = math.nan
        return _index(self._form)[0], [x if s == USABLE else nan for s, x in zip(states, nums, strict=True)]

    def filled(self):
        """(position in the layout's inputs, value or raw text, address) of every filled
        cell, in layout order, without building CellValues."""
        _, addresses, whole = _index(self._form)
        states, nums = self._data()
        for i, state in enumerate(states):
            if state == BLANK:
                continue
            if state != UNUSABLE:
                if self._texts and i in self._texts:
                    value = self._texts[i]
                else:
                    value = int(nums[i]) if whole[i] else nums[i]
            else:
                value = self._raws[i] if self._raws and i in self._raws else None
            yield i, value, (self._cells[i] if self._cells and i in self._cells else addresses[i])

    def unusable(self) -> set[tuple[str, str]]:
        """Keys of filled cells whose value could not be used."""
        keys = list(_index(self._form)[0])
        return {keys[i] for i, state in enumerate(self._data()[0]) if state == UNUSABLE}

    def _cell(self, i: int) -> CellValue:
        states, nums = self._data()
        value = None
        if states[i] in (USABLE, EXCLUDED):
            value = self._texts[i] if self._texts and i in self._texts else nums[i]
            if _index(self._form)[2][i] and not isinstance(value, str):
                value = int(value)
        raw = self._raws[i] if self._raws and i in self._raws else value
        cell = self._cells[i] if self._cells and i in self._cells else _index(self._form)[1][i]
        status = self._status.get(i, OK) if self._status else OK
        return CellValue(value, raw, cell, status, self._flags.get(i, "") if self._flags else "")

    def __getitem__(self, key: tuple[str, str]) -> CellValue:
        i = _index(self._form)[0].get(key)
        if i is None or self._data()[0][i] == BLANK:
            raise KeyError(key)
        return self._cell(i)

    def __iter__(self):
        keys = list(_index(self._form)[0])
        return (keys[i] for i, s in enumerate(self._data()[0]) if s != BLANK)

    def __len__(self) -> int:
        states = self._data()[0]
        return len(states) - states.count(BLANK)

    def __reduce__(self):
        # By form id: the Form itself is large and both processes already know it.
        states, nums = self._data()
        return (_rebuild, (self._form.id, bytes(states), nums.tobytes(), self._texts, self._raws, self._cells,
                           self._status, self._flags))


def _rebuild(form_id, state, nums, texts, raws, cells, status, flags) -> CellStore:
    store = CellStore(_FORMS[form_id])
    store._state = bytearray(state)
    store._nums = array("d")
    store._nums.frombytes(nums)
    store._texts, store._raws, store._cells = texts, raws, cells
    store._status, store._flags = status, flags
    return store
