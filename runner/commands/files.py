"""``runner files NAME``: the files a job wrote to its output directories."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from runner.commands.jobs import find_job
from runner.errors import fail


def files(
    name: Annotated[str, typer.Argument(help="Job name.")],
    output: Annotated[str | None, typer.Option(help="Output directory id (e.g. IMAGES) [all].")] = None,
    root: Annotated[Path | None, typer.Option(help="Local root [$RUNNER_HOME or ./.runner].")] = None,
) -> None:
    """List a job's output files with their sizes."""
    _, record, backend = find_job(name, root)
    outputs = backend.files(record)
    if output is not None:
        if output not in outputs and output.lower() in outputs:
            output = output.lower()  # Azure ML output names are the Batch AI ids in lower case
        if output not in outputs:
            fail(f"job {name!r} has no output {output!r}", f"its outputs: {', '.join(outputs) or 'none'}")
        outputs = {output: outputs[output]}
    console = Console()
    for key, found in outputs.items():
        console.print(f"[bold]{key}[/] {found.location}", soft_wrap=True)
        for path, size in found.files:
            console.print(f"  {path}  {size:,} bytes", highlight=False, soft_wrap=True)
