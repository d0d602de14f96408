"""The reader watched: every exception raised inside it, before ``read_book`` turns it into
a failure (a damaged file) or lets it go (a bug of ours).

The product keeps its own list of the exceptions that mean a damaged file
(``sheetio.reader._damaged_types``). This module keeps the tests' list, written out
independently: a type the reader turns into "damaged" that is not on it fails the test,
so widening the product's list (or catching everything) is seen, and so is a bug of ours
that raises an unexpected type on a fuzzed file.
"""
from __future__ import annotations

import struct
import traceback
import zipfile
import zlib
from contextlib import contextmanager

import msoffcrypto.exceptions
import python_calamine
from olefile.olefile import OleFileError

from sheetio import reader
from sheetio.cells import TooLarge
from sheetio.package import Refused

# What a damaged or refused file may raise inside the reader, and nothing else: the
# reader's own refusals, and what the parsing libraries raise on bytes they cannot read.
EXPECTED = (Refused, TooLarge, python_calamine.PasswordError, python_calamine.CalamineError,
            reader._Damaged,                      # a python-calamine panic, named as damage
            zipfile.BadZipFile, zlib.error, EOFError, struct.error, OleFileError,
            msoffcrypto.exceptions.FileFormatError, msoffcrypto.exceptions.ParseError)
# The format readers read_book calls: every exception of a file passes through one of them.
_ENTRIES = ("_read_zip", "_read_ole")


@contextmanager
def watched():
    """Yield the list of exceptions raised by the format readers while the block runs."""
    seen: list[BaseException] = []
    originals = {name: getattr(reader, name) for name in _ENTRIES}

    def watch(call):
        def watching(*args):
            try:
                return call(*args)
            except BaseException as exc:
                seen.append(exc)
                raise
        return watching

    for name, call in originals.items():
        setattr(reader, name, watch(call))
    try:
        yield seen
    finally:
        for name, call in originals.items():
            setattr(reader, name, call)


def unexpected(seen: list[BaseException]) -> list[str]:
    """The tracebacks of the exceptions in ``seen`` that no damaged file explains."""
    return ["".join(traceback.format_exception(exc)) for exc in seen if not isinstance(exc, EXPECTED)]
