"""``runner files NAME``: the files a job wrote to its output directories."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from runner.commands.jobs import NameArgument, RootOption, find_job
from runner.commands.report import fail


def files(
    name: NameArgument,
    output: Annotated[
        str | None, typer.Option(help="Only this output directory id, e.g. IMAGES \\[default: all].", metavar="ID")
    ] = None,
    root: RootOption = None,
) -> None:
    """List the files a job wrote (output directories, models) with their sizes.

    Examples:
      runner files demo-eval --output IMAGES
      runner files demo-train
    """
    _, record, backend = find_job(name, root)
    outputs = backend.files(record)
    if output is not None:
        if output not in outputs and output.lower() in outputs:
            output = output.lower()  # Azure ML output names are the Batch AI ids in lower case
        if output not in outputs:
            fail(f"job {name!r} has no output {output!r}", f"its outputs: {', '.join(outputs) or 'none'}")
        outputs = {output: outputs[output]}
    console = Console(highlight=False, soft_wrap=True)
    if not outputs:
        console.print(f"{name} wrote no outputs (no outputDirectories, no --model-dir or --output-dir)")
    for key, found in outputs.items():
        console.print(f"[bold]{escape(key)}[/] {escape(found.location)}")
        if not found.listed:
            continue  # on the datastore: `runner cloud download NAME --output KEY` fetches it
        for path, size in found.files:
            shown = "(broken link, or removed while listed)" if size is None else f"{size:,} bytes"
            console.print(f"  {escape(path)}  {shown}")
        if not found.files:
            console.print("  (no files)")
        if found.others:
            console.print(f"  [dim]({found.others} more files in this shared folder are from other jobs)[/]")
