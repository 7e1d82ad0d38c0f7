import subprocess
import sys

from runner.cli import app
from tests.cli_help import ROOT, problems, readme_problems


def test_every_command_has_help_that_teaches():
    assert problems(app, "runner") == []


def test_readme_examples_agree_with_the_commands():
    assert readme_problems(app, "runner", ROOT / "README.md") == []


def test_usage_says_runner_under_python_m():
    result = subprocess.run(
        [sys.executable, "-m", "runner", "list", "--help"], capture_output=True, text=True, check=True
    )
    assert "Usage: runner list" in result.stdout
