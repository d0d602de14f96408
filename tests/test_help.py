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


# ---- Placeholders, option names, the lists of commands (issue 14) ---------------------------

WIDTHS = (50, 80, 120)
ALL = [(), *_commands(cli)]
IDS = [" ".join(p) or "cchc" for p in ALL]
# The project's placeholders: capitals joined by "_" (THƯ_MỤC_NHẬN), or a shape with "/", ":"
# or "," (NGÀY/THÁNG/NĂM, MÁY_CHỦ:CỔNG, PL1,PL3); a fixed list shows its values ([ssl|none]).
PLACEHOLDER = re.compile(r"[A-ZĐÀ-Ỹ0-9]+(?:[_/:,][A-ZĐÀ-Ỹ0-9]+)*")
CHOICES = re.compile(r"\[[a-z0-9]+(?:\|[a-z0-9]+)*\]")


def _command(path) -> click.Command:
    command = cli
    for name in path:
        command = command.commands[name]
    return command


def _params(command: click.Command) -> list[click.Parameter]:
    """The command's parameters, --help among them."""
    return command.get_params(click.Context(command, info_name=command.name))


def _opts(command: click.Command) -> set[str]:
    return {name for p in _params(command) for name in p.opts}


def _help(path, width: int = 100) -> str:
    """The help as a terminal ``width`` columns wide shows it: click writes it 2 columns
    narrower there (the test runner forces 80 unless told the width)."""
    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=width - 2)
    assert result.exit_code == 0, result.output
    return result.output


def _valued_params(command: click.Command):
    """The arguments and the options that take a value (not flags, not --help)."""
    return [p for p in command.params
            if isinstance(p, click.Argument) or not (p.is_flag or p.count or p.name == "help")]


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_every_value_has_an_explicit_vietnamese_placeholder(path):
    """No placeholder comes from click's defaults (a Path's «THƯ MỤC», with a space)."""
    command = _command(path)
    ctx = click.Context(command, info_name=path[-1] if path else "cchc")
    for param in _valued_params(command):
        shown = param.make_metavar(ctx).removesuffix("...")
        if isinstance(param.type, click.Choice):
            assert CHOICES.fullmatch(shown), (param.name, shown)
            continue
        assert param.metavar, f"{param.name}: no explicit metavar"
        assert " " not in shown and PLACEHOLDER.fullmatch(shown) and not ENGLISH.search(shown), (param.name, shown)


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_placeholders_in_help_have_no_space(path):
    """What the help prints after each option name (read back from the text)."""
    command = _command(path)
    names = _opts(command)
    for line in _help(path, 120).splitlines():
        first = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
        words = first.replace(",", "").split()
        if line.startswith("  -") and any(w in names for w in words):
            valued = [w for w in words if w not in names]
            assert len(valued) <= 1, line   # "--templates THƯ MỤC" is two words


def _option_names() -> set[str]:
    return {name for path in ALL for name in _opts(_command(path))}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_no_option_name_is_cut_by_wrapping(path, width):
    """Every "--name" in the help is a whole option name: wrapping never cuts one at its
    hyphen ("--key-" / "file")."""
    text = _help(path, width)
    known = _option_names()
    assert not [line for line in text.splitlines() if re.search(r"--[\w-]*\w-$", line)], text
    cut = [name for name in re.findall(r"--[\w-]*\w", text) if name not in known]
    assert not cut, text


@pytest.mark.parametrize("width", (80, 100, 120))
@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_help_fits_the_width(path, width):
    """Blocks kept as written (the workflow, the steps of ``plan``) fit 80 columns too."""
    assert max(len(line) for line in _help(path, width).splitlines()) <= width - 2


_PUNCT = "()«»,;.:"


def _arguments_like(word: str) -> bool:
    """A word of a command line after ``cchc COMMAND``: an option, a placeholder, a file."""
    return word.startswith("--") or not re.search(r"[a-zà-ỹđ]", word) or bool(re.fullmatch(r"[\w-]+\.\w+", word))


def option_mentions(text: str, own: click.Command) -> list[tuple[str, click.Command]]:
    """Each "--option" named in ``text`` with the command it belongs to: the command named
    just before it ("cchc generate --plan TỆP", "cchc mail --reminders"), else ``own``."""
    found, words, i = [], text.split(), 0
    while i < len(words):
        word = words[i].strip(_PUNCT)
        if word == "cchc" and i + 1 < len(words) and words[i + 1].strip(_PUNCT) in cli.commands:
            target, closed = cli.commands[words[i + 1].strip(_PUNCT)], words[i + 1][-1:] in _PUNCT
            i += 2
            if isinstance(target, click.Group) and not closed and i < len(words) \
                    and words[i].strip(_PUNCT) in target.commands:
                target, closed = target.commands[words[i].strip(_PUNCT)], words[i][-1:] in _PUNCT
                i += 1
            while not closed and i < len(words) and _arguments_like(words[i].lstrip("(«").rstrip(_PUNCT)):
                found += [(name, target) for name in re.findall(r"--[\w-]*\w", words[i])]
                closed = words[i][-1:] in _PUNCT
                i += 1
            continue
        found += [(name, own) for name in re.findall(r"--[\w-]*\w", words[i])]
        i += 1
    return found


def test_mentions_scanner_reads_command_lines():
    generate, harvest = cli.commands["generate"], cli.commands["harvest"]
    text = "(cchc generate --plan KẾ_HOẠCH), dùng --out; cchc plan check --x TỆP: cchc generate tạo --units"
    assert option_mentions(text, harvest) == [("--plan", generate), ("--out", harvest),
                                              ("--x", cli.commands["plan"].commands["check"]),
                                              ("--units", harvest)]


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_every_option_named_in_a_help_is_taken(path):
    """A help names only options of its own command, or of the command it names with them:
    ``forms --help`` does not send the reader to --deadline, which forms does not take."""
    command = _command(path)
    text = _help(path, 120)
    wrong = [(name, target.name) for name, target in option_mentions(text, command)
             if name not in _opts(target)]
    assert not wrong, text


def _list_entries(text: str) -> dict[str, str]:
    """The entries of the «Lệnh:» section of a group's help: name → whole line text."""
    section = text.split("\nLệnh:\n", 1)[1]
    entries: dict[str, str] = {}
    name = ""
    for line in section.splitlines():
        m = re.match(r"  (\S+)\s+(.*)", line)
        if m:
            name = m.group(1)
            entries[name] = m.group(2)
        elif line.strip():
            entries[name] += " " + line.strip()
    return entries


@pytest.mark.parametrize("path", [p for p in ALL if isinstance(_command(p), click.Group)],
                         ids=lambda p: " ".join(p) or "cchc")
def test_command_lists_read_alike(path):
    """Every entry of a list of commands is a whole first sentence with no closing full stop."""
    entries = _list_entries(_help(path))
    assert set(entries) == set(_command(path).commands)
    assert not [name for name, text in entries.items() if text.endswith(".") or "..." in text], entries


def test_workflow_names_every_command():
    text = _help(())
    block = text.split("Quy trình:", 1)[1].split("\n\n", 1)[0]
    named = set(re.findall(r"\bcchc (\w+)", block))
    assert named == set(cli.commands), sorted(set(cli.commands) - named)
