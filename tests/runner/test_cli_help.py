import subprocess
import sys

from runner.cli import app
from tests.cli_help import cut_flags, docs_problems, problems


def test_every_command_has_help_that_teaches():
    assert problems(app, "runner") == []


def test_no_flag_is_cut_at_80_columns():
    assert cut_flags(app, "runner", width=80) == []


def test_documented_commands_agree_with_the_commands():
    """Every ``runner ...`` line in the code blocks of README.md, CONTRIBUTING.md and docs/ parses."""
    assert docs_problems(app, "runner") == []


def test_usage_says_runner_under_python_m():
    result = subprocess.run(
        [sys.executable, "-m", "runner", "list", "--help"], capture_output=True, text=True, check=True
    )
    assert "Usage: runner list" in result.stdout
