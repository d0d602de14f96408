"""How cchc's ``--help`` is laid out: lines wrapped between words only (an option name such
as ``--key-file`` or a file name such as ``tong-hop-cchc.xlsx`` is never cut at its hyphen),
and each command's line in a list of commands is its whole first sentence, without the
closing full stop (a list item, like every other)."""
from __future__ import annotations

import click

# click wraps with textwrap, which breaks words at their hyphens ("--key-" / "file"). While a
# text is wrapped its hyphens are this look-alike, which textwrap does not break at; the
# finished help gets its hyphens back. (Turning break_on_hyphens off would mean copying
# click's wrap_text and write_dl for one argument.)
HELD_HYPHEN = "\u2011"


def _hold(text: str) -> str:
    return text.replace("-", HELD_HYPHEN)


class HelpFormatter(click.HelpFormatter):
    """click's formatter, wrapping only at spaces."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(_hold(prog), _hold(args), prefix)

    def write_text(self, text: str) -> None:
        super().write_text(_hold(text))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(_hold(a), _hold(b)) for a, b in rows], col_max, col_spacing)

    def getvalue(self) -> str:
        return super().getvalue().replace(HELD_HYPHEN, "-")


class Context(click.Context):
    """A context whose help uses HelpFormatter."""

    formatter_class = HelpFormatter


def first_sentence(help_text: str | None) -> str:
    """The first sentence of a command's help, whole: the list of commands shows it
    rather than click's cut at 45 characters ("…tạo biểu mẫu cho từng đơn...")."""
    text = " ".join((help_text or "").split("\n\n", 1)[0].split())
    return text.split(". ", 1)[0]


def list_line(command: click.Command) -> str:
    """A command's line in its group's list: its short help, else its first sentence,
    without a closing full stop whichever it is."""
    return (command.short_help or first_sentence(command.help)).strip().rstrip(".")
