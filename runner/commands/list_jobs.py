"""``runner list``: every job with its state."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from runner.commands.job_table import print_jobs
from runner.commands.jobs import open_root
from runner.store import RECORD, RecordError, load_current


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
    jobs = open_root(root).jobs
    rows = []
    notes = Console(stderr=True, highlight=False, soft_wrap=True)
    records, unreadable = [], []
    for directory in sorted(jobs.iterdir()) if jobs.is_dir() else []:
        if (directory / RECORD).is_file():
            try:
                records.append(load_current(directory))
            except (RecordError, OSError) as exc:
                unreadable.append(directory.name)
                notes.print(f"warning: {exc}", markup=False)
    for record in sorted(records, key=lambda r: r.created):
        code = "" if record.exit_code is None else str(record.exit_code)
        rows.append((record.name, str(record.state), code, record.backend, record.created))
    rows += [(name, "unreadable", "", "", "") for name in unreadable]
    print_jobs(Console(), rows)
