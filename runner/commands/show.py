"""``runner show NAME``: a job's execution state, exit code, times and outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from runner.commands.jobs import find_job


def show(
    name: Annotated[str, typer.Argument(help="Job name.")],
    root: Annotated[Path | None, typer.Option(help="Local root [$RUNNER_HOME or ./.runner].")] = None,
) -> None:
    """Show a job's executionState (queued, running, succeeded, failed), exit code, times and outputs."""
    _, record, _ = find_job(name, root)
    table = Table(show_header=False, box=None)
    rows = [
        ("name", record.name),
        ("executionState", record.state),
        ("backend", record.backend),
        ("exitCode", "" if record.exit_code is None else str(record.exit_code)),
        ("cancelled", "yes" if record.cancelled else ""),
        ("created", record.created),
        ("started", record.started or ""),
        ("finished", record.finished or ""),
        ("stdout", record.stdout),
        ("stderr", record.stderr),
        ("error", record.error or ""),
        *((f"output {key}", path) for key, path in record.outputs.items()),
        ("studio", str(record.details.get("studio_url") or "")),
    ]
    for key, value in rows:
        if value:
            table.add_row(key, value)
    Console().print(table)
