"""MkDocs hook: the CLI reference pages, generated at build time from the Typer apps themselves.

Each app's command tree is walked through ``typer.main.get_command`` (no command is listed by hand), and every
command's page section holds its one-line summary and its ``--help`` exactly as a terminal shows it, so the
reference cannot drift from the commands. The pages exist only in the build (``reference/landcover.md``,
``reference/runner.md``); ``mkdocs.yml`` names them in its nav.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.testing import CliRunner

from clibase.tree import walk

# (program name, "module:attribute" of its Typer app, page under docs/)
APPS = (
    ("landcover", "landcover.cli:app", "reference/landcover.md"),
    ("runner", "runner.cli:app", "reference/runner.md"),
)
HELP_WIDTH = 100


def load_app(target: str) -> typer.Typer:
    """The Typer app named by ``module:attribute``."""
    module, _, attribute = target.partition(":")
    app = getattr(importlib.import_module(module), attribute)
    assert isinstance(app, typer.Typer), f"{target} is not a Typer app"
    return app


def help_output(app: typer.Typer, prog: str, path: tuple[str, ...]) -> str:
    """The ``--help`` of one command, as printed on a terminal ``HELP_WIDTH`` columns wide (no colour)."""
    result = CliRunner().invoke(app, [*path, "--help"], prog_name=prog, terminal_width=HELP_WIDTH)
    if result.exit_code != 0:
        raise RuntimeError(f"{prog} {' '.join(path)} --help failed: {result.output}")
    lines = [line.rstrip() for line in result.output.splitlines()]
    return "\n".join(lines).strip("\n")


def summary(command: Any) -> str:
    """The first line of a command's help, or its short help."""
    text = getattr(command, "short_help", None) or getattr(command, "help", None) or ""
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    return first.replace("\\[", "[")  # Rich's escaped bracket


def reference_page(prog: str, target: str) -> str:
    """The Markdown reference of one app: an index of its commands, then each command's full help."""
    app = load_app(target)
    commands = list(walk(typer.main.get_command(app)))
    out = [
        f"# `{prog}` command reference",
        "",
        f"Generated from the `{prog}` app ({target.partition(':')[0]}) when the site is built: every command's",
        "`--help`, as a terminal shows it. Any command also prints it with `--help`.",
        "",
        "| command | what it does |",
        "| --- | --- |",
    ]
    for path, command in commands:
        name = " ".join((prog, *path))
        text = summary(command).replace("|", "\\|")
        out.append(f"| [`{name}`](#{anchor(name)}) | {text} |")
    for path, _command in commands:
        name = " ".join((prog, *path))
        out += ["", f"## {name} {{#{anchor(name)}}}", "", "```text", help_output(app, prog, path), "```"]
    return "\n".join(out) + "\n"


def anchor(name: str) -> str:
    """A stable HTML id for a command's section: ``runner local submit`` -> ``runner-local-submit``."""
    return name.replace(" ", "-")


def on_files(files: Any, config: Any) -> Any:
    """MkDocs event: add the generated reference pages to the site's files."""
    from mkdocs.structure.files import File

    for prog, target, page in APPS:
        files.append(File.generated(config, page, content=reference_page(prog, target)))
    return files
