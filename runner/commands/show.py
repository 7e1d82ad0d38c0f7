"""``runner show NAME``: a job's execution state, exit code, times and outputs."""

from __future__ import annotations

from rich.console import Console

from runner.commands.jobs import NameArgument, RootOption, find_job


def show(
    name: NameArgument,
    root: RootOption = None,
) -> None:
    """Show a job's executionState (queued, running, succeeded, failed), exit code, times and outputs.

    Examples:
      runner show demo-train
    """
    _, record, backend = find_job(name, root)
    folders = backend.output_folders(record)
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
        *((f"output {folder.key}", folder.path) for folder in folders),
        ("studio", str(getattr(record.details, "studio_url", None) or "")),
    ]
    console = Console(highlight=False, soft_wrap=True)  # paths whole, never cut to the terminal's width
    width = max(len(key) for key, value in rows if value)
    for key, value in rows:
        if value:
            console.print(f"{key:<{width}}  {value}", markup=False)
