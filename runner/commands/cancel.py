"""``runner cancel NAME``: stop a queued or running job (every rank)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from runner.commands.jobs import backend_errors, find_job


def cancel(
    name: Annotated[str, typer.Argument(help="Job name (see runner list).", metavar="NAME")],
    root: Annotated[
        Path | None, typer.Option(help="Local root \\[default: $RUNNER_HOME or ./.runner].", metavar="DIR")
    ] = None,
) -> None:
    """Stop a job; its state becomes failed (cancelled), its logs stay.

    Examples:
      runner cancel train1
    """
    directory, record, backend = find_job(name, root)
    console = Console()
    if record.ended:
        console.print(f"{name} already ended ({record.state})")
        return
    with backend_errors():
        backend.cancel(directory, record)
    console.print(f"cancelling {name}")
