"""``runner cloud download NAME``: fetch a cloud job's outputs (all, or one) and its logs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from runner.backends.base import backend_for
from runner.commands.jobs import NameArgument, job_directory
from runner.commands.report import fail
from runner.store import load_record


def download(
    name: NameArgument,
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
    directory = job_directory(name, root)
    target = to / name
    if to.exists() and not to.is_dir():
        fail(f"--to {to}: not a folder", "give a folder to download into")
    if target.is_dir() and any(target.iterdir()):
        fail(f"{target} already holds files", "download --to another folder, or move them away first")
    record = load_record(directory)
    backend_for(record.backend).download(record, target, output)
    Console().print(f"downloaded to {target}")
