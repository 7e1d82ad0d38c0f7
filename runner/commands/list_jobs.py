"""``runner list``: every job with its state."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from runner.commands.jobs import backend_errors
from runner.layout import LocalRoot, default_root
from runner.store import list_records


def list_jobs(
    root: Annotated[
        Path | None, typer.Option(help="Local root \\[default: $RUNNER_HOME or ./.runner].", metavar="DIR")
    ] = None,
) -> None:
    """List jobs, oldest first.

    Examples:
      runner list
      runner list --root .runner
    """
    table = Table("name", "executionState", "exitCode", "backend", "created")
    with backend_errors():
        records = list_records(LocalRoot(root or default_root()).jobs)
    for record in records:
        code = "" if record.exit_code is None else str(record.exit_code)
        table.add_row(record.name, record.state, code, record.backend, record.created)
    Console().print(table)
