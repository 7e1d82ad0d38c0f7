"""``runner logs NAME``: a job's stdout (or stderr), optionally followed until it ends."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from runner.commands.jobs import NameArgument, RootOption, find_job


def logs(
    name: NameArgument,
    stderr: Annotated[bool, typer.Option("--stderr", help="Show stderr.txt instead of stdout.txt.")] = False,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing until the job ends.")] = False,
    root: RootOption = None,
) -> None:
    """Print a job's log (Ctrl+C stops following; the job keeps running).

    Examples:
      runner logs train1 --follow
      runner logs train1 --stderr
    """
    directory, record, backend = find_job(name, root)
    backend.logs(directory, record, stderr=stderr, follow=follow, console=Console(stderr=True))
