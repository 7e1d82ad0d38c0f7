"""Checks every command's ``--help`` of a Typer app: what a new user reads first.

Each command's help must show its program name (``landcover ...``, ``runner ...``), describe every option,
show no type labels (``<str>``), no emptied default brackets, no raw double backticks, and give at least
one example of itself; every example, and every command line in the documentation (the fenced code blocks of
README.md, CONTRIBUTING.md and docs/**/*.md) that runs the program, must parse; every ``make`` line there must
name targets the Makefile has.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import typer
from rich.text import Text
from typer.testing import CliRunner

from clibase.tree import walk

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.MULTILINE | re.DOTALL)
MAKE_TARGET = re.compile(r"^([A-Za-z0-9_./-]+(?:[ \t]+[A-Za-z0-9_./-]+)*)[ \t]*:(?![:=])", re.MULTILINE)
TYPE_LABEL = re.compile(r"<[a-z][a-z ]*>")
EMPTIED_BRACKETS = re.compile(r"\[\s*\]|\(\s*\)| \.(\s|$)|\[default:\s*\]")


def help_text(app: typer.Typer, prog: str, path: tuple[str, ...]) -> str:
    """The rendered ``--help`` of one command."""
    result = CliRunner().invoke(app, [*path, "--help"], prog_name=prog, terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output


def cut_flags(app: typer.Typer, prog: str, width: int = 80) -> list[str]:
    """Flags that a command's ``--help`` at ``width`` columns does not show whole (empty: none is cut)."""
    found = []
    for path, command in walk(typer.main.get_command(app)):
        result = CliRunner().invoke(app, [*path, "--help"], prog_name=prog, env={"COLUMNS": str(width)})
        assert result.exit_code == 0, result.output
        words = set(re.split(r"[\s│,]+", result.output))
        for param in command.params:
            if getattr(param, "hidden", False) or param.param_type_name != "option":
                continue
            found += [
                f"{' '.join((prog, *path))}: {flag}" for flag in param.opts + param.secondary_opts if flag not in words
            ]
    return found


def examples(text: str, prog: str) -> list[str]:
    """Example command lines in a help text or README: lines running ``prog`` (continuations joined)."""
    joined = re.sub(r"\\[ \t]*\n\s*", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip().strip("│").strip()
        if prog not in line:
            continue
        for words in commands_of(line):
            if words[:1] in ([prog], ["mpirun"]) and prog in words[:6]:
                found.append(shlex.join(words[words.index(prog) :]))
    return found


def parse_example(app: typer.Typer, prog: str, line: str) -> None:
    """Parse an example command line against the app: unknown commands or options fail."""
    words = shlex.split(line)[1:]
    command = typer.main.get_command(app)
    names = [prog]
    while hasattr(command, "list_commands"):
        sub = command.get_command(command.context_class(command), words[0]) if words else None
        assert sub is not None, f"no command {words[:1]} under {' '.join(names)}"
        names.append(words.pop(0))
        command = sub
    with command.make_context(" ".join(names), words, resilient_parsing=False):
        pass


def problems(app: typer.Typer, prog: str) -> list[str]:
    """Everything wrong with the help of every command of ``app`` (empty: all good)."""
    found = []
    for path, command in walk(typer.main.get_command(app)):
        name = " ".join((prog, *path))
        text = help_text(app, prog, path)
        if f"Usage: {name}" not in text:
            found.append(f"{name}: usage line does not say {name!r}")
        for pattern, what in ((TYPE_LABEL, "a type label"), (EMPTIED_BRACKETS, "empty brackets")):
            for match in pattern.finditer(text):
                found.append(f"{name}: {what} {match.group(0)!r}")
        if "``" in text:
            found.append(f"{name}: raw double backticks")
        for param in command.params:
            help_value = getattr(param, "help", None)
            if not help_value:
                found.append(f"{name}: {param.name} has no description")
            elif Text.from_markup(help_value).plain != help_value.replace("\\[", "["):
                found.append(f"{name}: {param.name}'s help loses text to Rich markup (write \\[ for [)")
        if hasattr(command, "list_commands"):
            continue
        own = [line for line in examples(text, prog) if line.startswith(name + " ") or line == name]
        if not own:
            found.append(f"{name}: no example in its help")
        for line in own:
            try:
                parse_example(app, prog, line)
            except Exception as exc:  # a usage error of Typer's click, or a missing command
                found.append(f"{name}: example {line!r} does not parse: {exc}")
    return found


def documents() -> list[Path]:
    """The Markdown files whose commands are checked: README, CONTRIBUTING and every page under docs/."""
    paths = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]
    return [path for path in paths if path.is_file()]


def shown(path: Path) -> str:
    """A path as a message shows it: relative to the checkout where it is inside."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def fenced_code(text: str) -> str:
    """The contents of every fenced code block of a Markdown text, one after the other."""
    return "\n".join(match.group(2) for match in FENCE.finditer(text))


def readme_problems(app: typer.Typer, prog: str, readme: Path) -> list[str]:
    """Command lines in a Markdown file's code blocks that run ``prog`` but do not parse against the app.

    Placeholders such as ``...`` or ``NAME`` are fine where the command takes a value.
    """
    found = []
    for line in examples(fenced_code(readme.read_text()), prog):
        try:
            parse_example(app, prog, line)
        except Exception as exc:  # a usage error of Typer's click, or a missing command
            found.append(f"{shown(readme)}: {line!r} does not parse: {exc}")
    return found


def docs_problems(app: typer.Typer, prog: str) -> list[str]:
    """Every documented command line of ``prog`` (README, CONTRIBUTING, docs/) that does not parse."""
    return [problem for path in documents() for problem in readme_problems(app, prog, path)]


def make_targets(makefile: Path = ROOT / "Makefile") -> set[str]:
    """The targets a Makefile defines (rules only; variable assignments are not targets)."""
    return {name for match in MAKE_TARGET.finditer(makefile.read_text()) for name in match.group(1).split()}


def commands_of(line: str) -> list[list[str]]:
    """The simple commands of a shell line (split at ``;``, ``&&``, ``||``, ``|``; comments dropped)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True  # words end at whitespace and at the operators only
    lexer.commenters = "#"
    commands: list[list[str]] = [[]]
    try:
        for token in lexer:
            if token and set(token) <= set(";&|"):
                commands.append([])
            else:
                commands[-1].append(token)
    except ValueError:  # not shell (an unclosed quote in prose or output)
        return []
    return [words for words in commands if words]


def make_problems(paths: list[Path] | None = None) -> list[str]:
    """``make`` lines in the documents' code blocks that name a target the Makefile does not have."""
    targets = make_targets()
    found = []
    for path in documents() if paths is None else paths:
        code = re.sub(r"\\[ \t]*\n\s*", " ", fenced_code(path.read_text()))
        for line in code.splitlines():
            for words in commands_of(line):
                if words[:1] != ["make"]:
                    continue
                for word in words[1:]:
                    if not word.startswith("-") and "=" not in word and word not in targets:
                        found.append(f"{shown(path)}: {shlex.join(words)!r}: no target {word!r} in the Makefile")
    return found
