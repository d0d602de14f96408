"""Vietnamese for click's own messages (usage, errors, help headings), and the one rule
every error line follows.

click looks its strings up through gettext, bound in each of its modules; this swaps in
a lookup in the table below. A string missing here stays English, which a test catches.

Every error the operator sees, click's usage errors and cchc's own (CchcError, OSError,
failed sending), is printed by click's ``ClickException.show`` through the one template
"Error: {message}". That template is looked up here, so the house style is applied there,
once, whoever wrote the message: "Lỗi: " then a lower-case word (unless a proper name or
an abbreviation), and names quoted «…» rather than click's ASCII repr ('--out').
"""
from __future__ import annotations

import importlib
import re

import click

VI = {
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "Error: {message}": "Lỗi: {message}",   # looked up as ERROR_LINE (see _gettext)
    "Try '{command} {option}' for help.": "Xem trợ giúp: «{command} {option}».",
    "No such option {name!r}.": "không có tùy chọn «{name}».",
    "No such command {name!r}.": "không có lệnh «{name}».",
    "Missing argument": "thiếu tham số",
    "Missing option": "thiếu tùy chọn",
    "Missing parameter": "thiếu tham số",
    "Missing command.": "thiếu lệnh.",
    "Missing {param_type}": "thiếu {param_type}",
    "Missing parameter: {param_name}": "thiếu tham số: {param_name}",
    "Invalid value for {param_hint}: {message}": "giá trị không hợp lệ cho {param_hint}: {message}",
    "Invalid value: {message}": "giá trị không hợp lệ: {message}",
    "Option {name!r} does not take a value.": "tùy chọn «{name}» không nhận giá trị.",
    "Aborted!": "Đã hủy!",
    "default: {default}": "mặc định: {default}",
    "env var: {var}": "biến môi trường: {var}",
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    # click title-cases {name} ("Thư Mục"): these texts name the path without it.
    "{name} {filename!r} does not exist.": "«{filename}» không tồn tại.",
    "{name} {filename!r} is a directory.": "«{filename}» là thư mục, không phải tệp.",
    "{name} {filename!r} is a file.": "«{filename}» là tệp, không phải thư mục.",
    "{name} {filename!r} is not readable.": "«{filename}» không đọc được (không có quyền đọc).",
    "{name} {filename!r} is not writable.": "«{filename}» không ghi được (không có quyền ghi).",
    "Could not open file {filename!r}: {message}": "không mở được tệp «{filename}»: {message}",
    # {number_type} is click's English type name ("float range"): the message does without it.
    "{value!r} is not a valid {number_type}.": "«{value}» không phải là số.",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "unknown error": "lỗi không rõ",
    "required": "bắt buộc",
}
VI_PLURAL = {
    "Did you mean {possibility}?": "Có phải ý bạn là {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Có phải ý bạn là một trong: {possibilities}?)",
    "Option {name!r} requires an argument.": "tùy chọn «{name}» cần một giá trị.",
    "Option {name!r} requires {nargs} arguments.": "tùy chọn «{name}» cần {nargs} giá trị.",
    "Got unexpected extra argument ({args})": "thừa tham số «{args}».",
    "Got unexpected extra arguments ({args})": "thừa các tham số «{args}».",
    "{value!r} is not {choice}.": "«{value}» không phải {choice}.",
    "{value!r} is not one of {choices}.": "«{value}» không thuộc {choices}.",
    "Argument {name!r} takes {nargs} values.": "tham số «{name}» nhận {nargs} giá trị.",
}
OPTIONS_METAVAR = "[TÙY CHỌN]"
SUBCOMMAND_METAVAR = "LỆNH [THAM SỐ]..."
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types", "utils")


# Words an error may start with in capitals: names of programs and systems. Abbreviations
# (SMTP, HMAC, PL3, UBND) are all capitals and keep them without being listed.
PROPER_NAMES = frozenset({"Excel", "LibreOffice", "WPS", "Word", "Windows", "Thunderbird", "Outlook", "Python",
                          "Ctrl"})
_FIRST_WORD = re.compile(r"\w+")
# click quotes names, options and values with repr() ('THƯ_MỤC_NHẬN', '--settle', 'abc',
# or "o'brien" for a value with an apostrophe); an apostrophe inside a word is not a quote.
_ASCII_QUOTED = re.compile(r"""(?<!\w)'([^'\n«»]+)'(?!\w)|(?<!\w)"([^"\n«»]+)"(?!\w)""")
_GUILLEMETS = re.compile(r"(«[^»]*»)")


def _guillemets(match: re.Match) -> str:
    return f"«{match.group(1) or match.group(2)}»"


class Placed(str):
    """A message that starts with the place it is about (a file, an option): ``place``
    is that prefix, written as given (a folder may be called «Hồ sơ»), and the house rule
    applies to what follows it."""

    place: str

    def __new__(cls, text: str, place: str = "") -> Placed:
        made = super().__new__(cls, text)
        made.place = place if place and text.startswith(place) else ""
        return made


def house_style(message: str) -> str:
    """``message`` as it follows "Lỗi: ": after the place it is about, if any (Placed:
    kept as written), its first word in lower case unless a proper name or an
    abbreviation, and ASCII-quoted names in «…» (quotations already in «…», file names
    among them, are left as they are)."""
    place = message.place if isinstance(message, Placed) else ""
    text = str(message)[len(place):]
    text = "".join(part if part.startswith("«") else _ASCII_QUOTED.sub(_guillemets, part)
                   for part in _GUILLEMETS.split(text))
    first = _FIRST_WORD.match(text)
    if first and _lowered(first.group(), text[first.end():first.end() + 1]):
        text = text[0].lower() + text[1:]
    return place + text


def _lowered(word: str, after: str) -> bool:
    """Whether a message's first word is a common word in capitals: title case, not a
    listed name, and not the start of a path or a file name (Documents/…, Báo.xlsx)."""
    return (word[0].isupper() and (word[1:].islower() or len(word) == 1) and word not in PROPER_NAMES
            and after not in ("/", "\\", ".", "_", "-", ":"))


class ErrorLine(str):
    """click's "Error: {message}" template in Vietnamese; its ``format`` applies the
    house style to the message (click calls ``_("Error: {message}").format(message=…)``)."""

    def format(self, *args, **fields) -> str:
        if "message" in fields:
            fields["message"] = house_style(fields["message"])
        return str(self).format(*args, **fields)


ERROR_LINE = ErrorLine(VI["Error: {message}"])


def _gettext(message: str) -> str:
    if message == "Error: {message}":
        return ERROR_LINE
    return VI.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    chosen = singular if n == 1 else plural
    return VI_PLURAL.get(chosen, chosen)


def install() -> None:
    """Make click speak Vietnamese in this process."""
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext


class ConfigError(click.ClickException):
    """A usage or configuration error (a CchcError, an operating-system error, a plan that
    does not check) shown as ``Lỗi: …`` with exit code 2. A message that starts with the
    place it is about keeps that place as written (Placed)."""

    exit_code = 2

    def __init__(self, message: str, place: str = "") -> None:
        super().__init__(Placed(message, place))

    @classmethod
    def of(cls, exc) -> ConfigError:
        """The error for a CchcError ``exc``, placed at its ``where``."""
        return cls(str(exc), f"{exc.where}: " if exc.where else "")
