"""Loading the specs with one text replaced in one file: how the tests check that a
malformed spec is a clear error naming its file."""
from __future__ import annotations

from pathlib import Path

import pytest

from xlsx_forms.errors import CchcError
from xlsx_forms.spec_loader import SPEC_DIR, load_catalogue


def spec_dir_with(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of the specs in ``tmp_path`` with ``old`` (which must be there) replaced by
    ``new`` in spec file ``name``."""
    for path in SPEC_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    edited = tmp_path / name
    text = edited.read_text(encoding="utf-8")
    assert old in text
    edited.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


def load_error(tmp_path: Path, name: str, old: str, new: str) -> str:
    """The message of the CchcError that loading ``spec_dir_with(…)`` raises."""
    with pytest.raises(CchcError) as err:
        load_catalogue(spec_dir_with(tmp_path, name, old, new))
    return str(err.value)
