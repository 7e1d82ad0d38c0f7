"""``runner cloud download NAME``: fetch a cloud job's outputs (all, or one) and its logs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from runner.backends.azureml_backend import record_client
from runner.commands.cloud.options import call_azure
from runner.commands.jobs import job_directory
from runner.errors import fail
from runner.store import load_record


def download(
    name: Annotated[str, typer.Argument(help="Job name (see runner list).", metavar="NAME")],
    output: Annotated[
        str | None, typer.Option(help="One named output \\[default: all outputs and logs].", metavar="ID")
    ] = None,
    to: Annotated[Path, typer.Option("--to", help="Local folder.", metavar="DIR")] = Path("downloads"),
    root: Annotated[
        Path | None, typer.Option(help="Where job records live \\[default: $RUNNER_HOME or ./.runner].", metavar="DIR")
    ] = None,
) -> None:
    """Download a cloud job's outputs into the folder TO/NAME.

    Examples:
      runner cloud download eval1 --output images --to results
    """
    record = load_record(job_directory(name, root))
    if record.backend != "azureml":
        fail(f"job {name!r} ran locally ({record.backend})", f"its files are already here: `runner files {name}`")
    client = record_client(record)
    target = to / name
    if output:
        call_azure(client.jobs.download, record.details["azure_name"], download_path=str(target), output_name=output)
    else:
        call_azure(client.jobs.download, record.details["azure_name"], download_path=str(target), all=True)
    Console().print(f"downloaded to {target}")
