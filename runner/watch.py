"""Printing and following a job's stdout / stderr files."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from rich.console import Console

from runner.store import load_record

POLL_S = 0.5


def follow_logs(directory: Path, *, stderr: bool, follow: bool, console: Console) -> bool:
    """Print a job's log; with ``follow``, keep printing until the job ends (Ctrl+C stops following only).

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
            if not follow or load_record(directory).ended:
                if follow:  # one last read after the end
                    follow = False
                    continue
                return True
            time.sleep(POLL_S)
    except KeyboardInterrupt:
        console.print(f"\nstopped following; the job keeps running (`runner show {record.name}`)")
        return False
