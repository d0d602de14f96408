"""Every command's --help reads as Vietnamese: whole descriptions in the list of commands
(no "..." cut-offs), Vietnamese placeholders (no OUT, DIR, FILE, PATH, OPTIONS…), and
``harvest --help`` names every file the harvest writes."""
from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from cchc.cli import cli

ENGLISH = re.compile(r"\b(OUT|DIR|FILE|PATH|INBOX|OPTIONS|COMMAND|ARGS|SUMMARY)\b")


def _commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name)
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


@pytest.mark.parametrize("path", [(), *_commands(cli)], ids=lambda p: " ".join(p) or "cchc")
def test_help_is_whole_and_vietnamese(path):
    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    body = [line for line in lines if not line.startswith("Cách dùng:")]   # "[THAM SỐ]..." repeats
    assert not [line for line in body if "..." in line], result.output
    assert not ENGLISH.findall(result.output), result.output


def test_harvest_help_names_every_output():
    from harvest import run
    # (without white space: the help wraps long names at their hyphens)
    output = "".join(CliRunner().invoke(cli, ["harvest", "--help"], terminal_width=100).output.split())
    names = {"tong-hop-cchc.xlsx", "values.csv", "issues.csv", "ledger.csv", "status.csv", "sections.csv",
             run.CITY_NAME, run.CITY_APPENDICES}
    assert all(n in output for n in names), [n for n in names if n not in output]
