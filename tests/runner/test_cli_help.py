import re

import typer

from runner.cli import app
from tests.cli_help import help_text, walk


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
