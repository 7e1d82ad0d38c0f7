"""``runner files NAME``: the files a job wrote to its output directories."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from runner.commands.jobs import cloud_client, job_directory
from runner.errors import fail
from runner.job_outputs import OutputFolder, job_files, output_folders
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
    folders = output_folders(record)
    if record.backend == "azureml":
        from runner.commands.cloud.options import call_azure

        job = call_azure(cloud_client(record).jobs.get, record.details["azure_name"])
        folders = [
            OutputFolder(key, str(getattr(value, "path", value)), shared=False)
            for key, value in (job.outputs or {}).items()
        ]
    by_key = {folder.key: folder for folder in folders}
    if output is not None:
        if output not in by_key and output.lower() in by_key:
            output = output.lower()  # Azure ML output names are the Batch AI ids in lower case
        if output not in by_key:
            fail(f"job {name!r} has no output {output!r}", f"its outputs: {', '.join(by_key) or 'none'}")
        folders = [by_key[output]]
    console = Console(highlight=False, soft_wrap=True)
    if not folders:
        console.print(f"{name} wrote no outputs (no outputDirectories, no --model-dir or --output-dir)")
    for folder in folders:
        console.print(f"[bold]{escape(folder.key)}[/] {escape(folder.path)}")
        if record.backend == "azureml":
            continue  # on the datastore: `runner cloud download NAME --output KEY` fetches it
        paths, others = job_files(folder, record.started)
        for path in paths:
            console.print(f"  {escape(str(path.relative_to(folder.path)))}  {path.stat().st_size:,} bytes")
        if not paths:
            console.print("  (no files)")
        if others:
            console.print(f"  [dim]({others} more files in this shared folder are from other jobs)[/]")
