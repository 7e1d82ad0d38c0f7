"""The ``runner`` command: mounts one Typer sub-app per command group from ``runner.commands``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from runner import __version__
from runner.cli_help import show_value_names
from runner.commands.report import fail
from runner.errors import RunnerError

show_value_names()


class OneLineErrors(TyperGroup):
    """The ``runner`` group: a usage error or a ``RunnerError`` from any layer is one line, exit 2.

    Click's own format is a usage line, a hint and a boxed message; the runner's promise is one line naming
    the option and the fix, the same as every other error it reports.
    """

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command; in standalone mode, report usage errors on one line and exit 2."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except typer.TyperException as exc:  # Click's exceptions (typer vendors Click)
            if type(exc).__name__ == "NoArgsIsHelpError":
                return super().main(args, prog_name, complete_var, True, **extra)
            context = getattr(exc, "ctx", None)
            if context is None:
                fail(exc.format_message())
            where = context.command_path
            fail(f"{where}: {exc.format_message()}", f"see `{where} --help`")
        except typer.Abort:
            fail("aborted")
        except RunnerError as exc:  # what any layer raises: the one place it is printed, as one line, exit 2
            fail(exc.message, exc.hint)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    name="runner",
    cls=OneLineErrors,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        Console().print(f"runner {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
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
