"""Where cchc keeps its configuration, and values read from the environment."""
from __future__ import annotations

import os
import re
from datetime import date, datetime, timezone
from pathlib import Path

import click

from xlsx_forms.errors import CchcError
from xlsx_forms.model import date_from_text, date_problem
from xlsx_forms.outwrite import LOCK_WAIT

KEY_NAME = "hmac.key"
LOCK_WAIT_ENV = "CCHC_LOCK_WAIT"
DEFAULT_LOCK_WAIT = LOCK_WAIT   # a national harvest writes its outputs in well under this


def app_dir() -> Path:
    """The user's cchc configuration folder (``CCHC_HOME`` overrides it)."""
    return Path(os.environ.get("CCHC_HOME") or click.get_app_dir("cchc"))


def default_key_path() -> Path:
    """Where the HMAC key lives unless ``--key-file`` says otherwise."""
    return app_dir() / KEY_NAME


def generation_time() -> datetime:
    """Now (UTC, whole seconds), or ``SOURCE_DATE_EPOCH`` for reproducible output."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(timezone.utc).replace(microsecond=0)




def parse_date(text: str, where: str) -> date:
    """``23/3/2020`` or ``2020-03-23`` → date. Raises CchcError."""
    found = date_from_text(text)
    if found is None:
        raise CchcError("BAD_DATE", where, value=text, why="")
    problem = date_problem(found)   # a date the templates could not hold
    if problem:
        raise CchcError("BAD_DATE", where, value=text, why=f": {problem}")
    return found


# A number of seconds as typed: ASCII digits, a decimal point or comma, an exponent.
_SECONDS = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?", re.ASCII)


class Seconds(click.ParamType):
    """An option's number of seconds, from ``low`` to ``high``, written in ASCII digits
    (click's FloatRange lets «nan» through, and says «-1.0 nằm ngoài khoảng 0<=x<=60» of
    «-1»); anything else refused in Vietnamese, quoting what was typed."""

    name = "seconds"

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high

    def convert(self, value, param, ctx) -> float:
        text = str(value).strip()
        if isinstance(value, float):
            number = value   # the default, already a number
        elif _SECONDS.fullmatch(text):
            number = float(text.replace(",", "."))
        else:   # (float() would also take «nan», «1_0» and digits of other scripts, «１０»)
            self.fail(f"«{value}» không phải là số giây", param, ctx)
        if not self.low <= number <= self.high:   # also refuses nan
            self.fail(f"«{value}» nằm ngoài khoảng từ {self.low:g} đến {self.high:g} giây", param, ctx)
        return number


def lock_wait() -> float:
    """Seconds a run waits for another run writing the same output folder
    (``CCHC_LOCK_WAIT``, default 600). Raises CchcError."""
    text = os.environ.get(LOCK_WAIT_ENV, "").strip()
    if not text:
        return DEFAULT_LOCK_WAIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 1e7:   # also refuses nan and inf
        raise CchcError("BAD_SECONDS", LOCK_WAIT_ENV, value=text)
    return seconds
