"""Vietnamese for click's own messages (usage, errors, help headings).

click looks its strings up through gettext, bound in each of its modules; this swaps in
a lookup in the table below. A string missing here stays English, which a test catches.
"""
from __future__ import annotations

import importlib

VI = {
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Xem trợ giúp: '{command} {option}'.",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "Missing argument": "Thiếu tham số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing command.": "Thiếu lệnh.",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Invalid value for {param_hint}: {message}": "giá trị không hợp lệ cho {param_hint}: {message}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Option {name!r} does not take a value.": "Tùy chọn {name!r} không nhận giá trị.",
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
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải {number_type} hợp lệ.",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "unknown error": "lỗi không rõ",
    "required": "bắt buộc",
}
VI_PLURAL = {
    "Did you mean {possibility}?": "Có phải ý bạn là {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Có phải ý bạn là một trong: {possibilities}?)",
    "Option {name!r} requires an argument.": "Tùy chọn {name!r} cần một giá trị.",
    "Option {name!r} requires {nargs} arguments.": "Tùy chọn {name!r} cần {nargs} giá trị.",
    "Got unexpected extra argument ({args})": "Thừa tham số ({args})",
    "Got unexpected extra arguments ({args})": "Thừa tham số ({args})",
    "{value!r} is not {choice}.": "{value!r} không phải {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} không thuộc {choices}.",
    "Argument {name!r} takes {nargs} values.": "Tham số {name!r} nhận {nargs} giá trị.",
}
OPTIONS_METAVAR = "[TÙY CHỌN]"
SUBCOMMAND_METAVAR = "LỆNH [THAM SỐ]..."
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types", "utils")


def _gettext(message: str) -> str:
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
