"""Printing and following a job's stdout / stderr files."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from rich.console import Console

from runner.store import load_current, load_record

POLL_S = 0.5


def follow_logs(
    directory: Path,
    *,
    stderr: bool,
    follow: bool,
    console: Console,
    ended: Callable[[], bool] | None = None,
    both: bool = False,
) -> bool:
    """Print a job's log; with ``follow``, keep printing until the job ends (Ctrl+C stops following only).

    ``ended`` says whether the job has ended (default: its record says so, or its supervisor is gone); a
    backend whose record is kept current by asking the scheduler passes its own. With ``both``, the job's
    stdout goes to stdout and its stderr to stderr (``--wait``: a failing job shows its error lines, not only
    its exit code).

    Returns:
        False when Ctrl+C stopped the following (the job keeps running), else True.
    """
    record = load_record(directory)
    if both:
        streams = [(Path(record.stdout), sys.stdout), (Path(record.stderr), sys.stderr)]
    else:
        streams = [(Path(record.stderr if stderr else record.stdout), sys.stdout)]
    positions = [0] * len(streams)
    if not follow and not both and not streams[0][0].is_file():
        console.print(f"{record.name}: no log at {streams[0][0]} (not written yet, or removed)", markup=False)
    try:
        while True:
            for index, (path, out) in enumerate(streams):
                positions[index] += _copy_new(path, positions[index], out)
            if not follow or (ended() if ended else load_current(directory).ended):
                if follow:  # one last read after the end
                    follow = False
                    continue
                return True
            time.sleep(POLL_S)
    except KeyboardInterrupt:
        console.print(f"\nstopped following; the job keeps running (`runner show {record.name}`)")
        return False


def _copy_new(path: Path, position: int, out: TextIO) -> int:
    """Write what ``path`` holds past ``position`` to ``out``; how many bytes that was (0 while it is missing)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(position)
            chunk = handle.read()
    except FileNotFoundError:
        return 0
    if chunk:
        out.write(chunk.decode(errors="replace"))
        out.flush()
    return len(chunk)
