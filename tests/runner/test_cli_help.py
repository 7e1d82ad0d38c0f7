import re
import subprocess
import sys

import typer

from runner.cli import app
from tests.cli_help import cut_flags, docs_problems, help_text, problems, walk


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


def test_the_top_help_names_every_place_jobs_run():
    """`runner --help` names each backend group's place (this machine, a Slurm cluster, Azure Machine Learning)."""
    top = " ".join(help_text(app, "runner", ()).split("Examples")[0].replace("│", " ").split())
    places = []
    for path, command in walk(typer.main.get_command(app)):
        place = re.match(r"Run job templates on (.+?) ?[.(]", command.help or "") if len(path) == 1 else None
        if place:
            places.append(place.group(1))
    assert sorted(places) == ["Azure Machine Learning", "a Slurm cluster", "this machine"]
    assert all(place in top for place in places), top
