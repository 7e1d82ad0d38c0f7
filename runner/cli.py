"""The ``runner`` command: mounts one Typer sub-app per command group from ``runner.commands``."""

from __future__ import annotations

from typing import Annotated

import clibase.group
from clibase.group import one_line_app, version_option
from clibase.help import show_value_names
from runner import __version__
from runner.commands.report import error_console
from runner.errors import RunnerError

show_value_names()


class OneLineErrors(clibase.group.OneLineErrors):
    """The ``runner`` group: a usage error or a ``RunnerError`` from any layer is one line, exit 2."""

    error_console = error_console

    def report(self, exc: Exception, argv: list[str]) -> None:
        """A ``RunnerError`` from any layer: the one place it is printed, as one line, exit 2."""
        if isinstance(exc, RunnerError):
            self.fail(exc.message, exc.hint)


app = one_line_app("runner", OneLineErrors)


@app.callback()
def _main(version: Annotated[bool, version_option("runner", __version__)] = False) -> None:
    """Build the landcover image and run job templates on this machine, on a Slurm cluster or on Azure Machine Learning.

    Examples:
      runner local setup
      runner local submit jobs/training_job.json --wait
      runner show NAME
    """


def _mount() -> None:
    from runner.commands import build, cancel, cloud, files, list_jobs, local, logs, show, slurm

    app.add_typer(local.app, name="local")
    app.add_typer(cloud.app, name="cloud")
    app.add_typer(slurm.app, name="slurm")
    app.command("build")(build.build)
    app.command("show")(show.show)
    app.command("list")(list_jobs.list_jobs)
    app.command("logs")(logs.logs)
    app.command("files")(files.files)
    app.command("cancel")(cancel.cancel)


_mount()


def main() -> None:
    """Console-script entry point."""
    app(prog_name="runner")
