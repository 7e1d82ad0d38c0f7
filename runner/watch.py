"""Printing and following a job's stdout / stderr files."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from runner.store import load_record

POLL_S = 0.5


def follow_logs(
    directory: Path, *, stderr: bool, follow: bool, console: Console, ended: Callable[[], bool] | None = None
) -> bool:
    """Print a job's log; with ``follow``, keep printing until the job ends (Ctrl+C stops following only).

    ``ended`` says whether the job has ended (default: its record says so); a backend whose record is kept
    current by asking the scheduler passes its own.

    Returns:
        False when Ctrl+C stopped the following (the job keeps running), else True.
    """
    record = load_record(directory)
    path = Path(record.stderr if stderr else record.stdout)
    position = 0
    try:
        while True:
            if path.exists():
                with open(path, "rb") as handle:
                    handle.seek(position)
                    chunk = handle.read()
                    position += len(chunk)
                if chunk:
                    sys.stdout.write(chunk.decode(errors="replace"))
                    sys.stdout.flush()
            if not follow or (ended() if ended else load_record(directory).ended):
                if follow:  # one last read after the end
                    follow = False
                    continue
                return True
            time.sleep(POLL_S)
    except KeyboardInterrupt:
        console.print(f"\nstopped following; the job keeps running (`runner show {record.name}`)")
        return False
