"""Both CLIs' ``--help``: every command teaches, no flag is cut, documented command lines parse."""

import subprocess
import sys

import pytest
import typer

from landcover.cli import app as landcover_app
from runner.cli import app as runner_app
from tests.cli_help import cut_flags, docs_problems, problems

CLIS = [
    pytest.param(landcover_app, "landcover", "train", id="landcover"),
    pytest.param(runner_app, "runner", "list", id="runner"),
]
"""Each CLI: its app, its program name and a command whose ``--help`` shows the usage line."""


@pytest.mark.parametrize(("app", "prog", "command"), CLIS)
def test_every_command_has_help_that_teaches(app: typer.Typer, prog: str, command: str) -> None:
    assert problems(app, prog) == []


@pytest.mark.parametrize(("app", "prog", "command"), CLIS)
def test_no_flag_is_cut_at_80_columns(app: typer.Typer, prog: str, command: str) -> None:
    assert cut_flags(app, prog, width=80) == []


@pytest.mark.parametrize(("app", "prog", "command"), CLIS)
def test_documented_commands_agree_with_the_commands(app: typer.Typer, prog: str, command: str) -> None:
    """Every ``PROG ...`` line in the code blocks of README.md, CONTRIBUTING.md and docs/ parses."""
    assert docs_problems(app, prog) == []


@pytest.mark.parametrize(("app", "prog", "command"), CLIS)
def test_usage_names_the_program_under_python_m(app: typer.Typer, prog: str, command: str) -> None:
    result = subprocess.run([sys.executable, "-m", prog, command, "--help"], capture_output=True, text=True, check=True)
    assert f"Usage: {prog} {command}" in result.stdout
