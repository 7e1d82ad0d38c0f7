import subprocess
import sys

from landcover.cli import app
from tests.cli_help import cut_flags, docs_problems, problems


def test_every_command_has_help_that_teaches():
    assert problems(app, "landcover") == []


def test_no_flag_is_cut_at_80_columns():
    assert cut_flags(app, "landcover", width=80) == []


def test_documented_commands_agree_with_the_commands():
    """Every ``landcover ...`` line in the code blocks of README.md, CONTRIBUTING.md and docs/ parses."""
    assert docs_problems(app, "landcover") == []


def test_usage_says_landcover_under_python_m():
    result = subprocess.run(
        [sys.executable, "-m", "landcover", "train", "--help"], capture_output=True, text=True, check=True
    )
    assert "Usage: landcover train" in result.stdout
