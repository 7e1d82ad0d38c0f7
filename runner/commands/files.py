"""``runner files NAME``: the files a job wrote to its output directories."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from runner.commands.jobs import cloud_client, job_directory
from runner.errors import fail
from runner.store import load_record


def files(
    name: Annotated[str, typer.Argument(help="Job name (see runner list).", metavar="NAME")],
    output: Annotated[
        str | None, typer.Option(help="Only this output directory id, e.g. IMAGES \\[default: all].", metavar="ID")
    ] = None,
    root: Annotated[
        Path | None, typer.Option(help="Local root \\[default: $RUNNER_HOME or ./.runner].", metavar="DIR")
    ] = None,
) -> None:
    """List the files a job wrote (output directories, models) with their sizes.

    Examples:
      runner files demo-eval --output IMAGES
      runner files demo-train
    """
    record = load_record(job_directory(name, root))
    outputs = record.outputs
    if record.backend == "azureml":
        from runner.commands.cloud.options import call_azure

        job = call_azure(cloud_client(record).jobs.get, record.details["azure_name"])
        outputs = {key: str(getattr(value, "path", value)) for key, value in (job.outputs or {}).items()}
    if output is not None:
        if output not in outputs and output.lower() in outputs:
            output = output.lower()  # Azure ML output names are the Batch AI ids in lower case
        if output not in outputs:
            fail(f"job {name!r} has no output {output!r}", f"its outputs: {', '.join(outputs) or 'none'}")
        outputs = {output: outputs[output]}
    console = Console()
    for key, folder in outputs.items():
        console.print(f"[bold]{key}[/] {folder}")
        if record.backend == "azureml":
            continue  # on the datastore: `runner cloud download NAME --output KEY` fetches it
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                console.print(f"  {path.relative_to(folder)}  {path.stat().st_size:,} bytes", highlight=False)
