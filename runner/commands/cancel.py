"""``runner cancel NAME``: stop a queued or running job (every rank)."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from runner.commands.jobs import cloud_client, current_record
from runner.store import save_record


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
    directory, record = current_record(name, root)
    console = Console()
    if record.state in ("succeeded", "failed"):
        console.print(f"{name} already ended ({record.state})")
        return
    record.cancelled = True
    save_record(directory, record)
    if record.backend == "azureml":
        from runner.commands.cloud.options import call_azure

        call_azure(cloud_client(record).jobs.begin_cancel, record.details["azure_name"])
    elif record.backend == "docker" and record.container:
        from runner.backends.docker import docker_client

        docker_client().containers.get(record.container).stop(timeout=30)
    elif record.pid:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(record.pid, signal.SIGTERM)
    console.print(f"cancelling {name}")
