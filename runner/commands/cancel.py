"""``runner cancel NAME``: stop a queued or running job (every rank)."""

from __future__ import annotations

from rich.console import Console

from runner.commands.jobs import NameArgument, RootOption, find_job


def cancel(
    name: NameArgument,
    root: RootOption = None,
) -> None:
    """Stop a job; its state becomes failed (cancelled), its logs stay.

    Only processes proven to be the job's are signalled (pid, start time and boot recorded at launch).

    Examples:
      runner cancel train1
    """
    directory, record, backend = find_job(name, root)
    console = Console(highlight=False, soft_wrap=True)
    if record.ended:
        done = backend.stop_leftovers(directory, record)
        reason = f": {record.error}" if record.error else ""
        console.print(f"{name} already ended ({record.state}{reason})" + (f"; {done}" if done else ""), markup=False)
        return
    done = backend.cancel(directory, record)
    console.print(f"cancelling {name}" + (f": {done}" if done else ""), markup=False)
