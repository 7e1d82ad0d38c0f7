"""Progress for long work: a Rich bar with rate and ETA on a terminal, periodic plain lines in logs.

Plain lines come at every tenth of the work, or after 30 s without one, and at the end. A process that an MPI
launcher started writes plain lines too, terminal or not (:func:`landcover.io.console.plain_output`): under
``mpirun ... | tail`` a live bar would arrive as hundreds of ANSI frames.
"""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from landcover.io.console import console, emit, plain_output

PLAIN_INTERVAL_S = 30.0
"""Longest wait between two plain lines."""
PLAIN_STEP = 0.1
"""A plain line at least at every this fraction of the work."""
NOTE_INTERVAL_S = 1.0
"""How often a live bar's note (e.g. the loss, which costs a GPU synchronisation to read) is refreshed."""


class ProgressReporter:
    """Reports ``completed / total`` units of work with a rate; silent when ``enabled`` is false."""

    def __init__(self, description: str, total: float, unit: str, *, enabled: bool = True, scale: float = 1.0):
        """Set up the reporter.

        Args:
            description: What is being done.
            total: Units of work in all.
            unit: Name of the unit for the rate (``samples``, ``km²``).
            enabled: Show anything at all (rank 0 only).
            scale: Factor turning advanced units into displayed units (e.g. pixels -> km²).
        """
        self.description, self.total, self.unit, self.scale = description, total, unit, scale
        self.enabled = enabled
        self.done = 0.0
        self.start = time.perf_counter()
        self.last_line = self.start
        self.done_at_line = 0.0
        self.last_note = self.start - NOTE_INTERVAL_S
        self.note = ""
        self.rich: Progress | None = None
        if enabled and self.interactive():
            self.rich = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=console,
            )
            self.task = self.rich.add_task(description, total=total, rate="")

    @staticmethod
    def interactive() -> bool:
        """A live bar on a terminal; plain lines in logs and under MPI (``LANDCOVER_PROGRESS=plain|rich`` decides)."""
        return os.environ.get("LANDCOVER_PROGRESS") == "rich" or (not plain_output() and sys.stdout.isatty())

    def line_due(self, done: float, now: float) -> bool:
        """Whether a plain line is due with ``done`` units done at ``now``: a tenth more, 30 s later, or the end."""
        if done >= self.total:
            return self.done_at_line < self.total  # the end's line, once
        return done - self.done_at_line >= PLAIN_STEP * self.total or now - self.last_line >= PLAIN_INTERVAL_S

    def __enter__(self) -> ProgressReporter:
        if self.rich is not None:
            self.rich.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self.rich is not None:
            self.rich.stop()

    @property
    def rate(self) -> float:
        """Displayed units per second so far."""
        elapsed = time.perf_counter() - self.start
        return self.done * self.scale / elapsed if elapsed > 0 else 0.0

    def note_due(self, amount: float) -> bool:
        """Whether :meth:`advance` by ``amount`` will show a new note (so that it is worth computing)."""
        if not self.enabled:
            return False
        now = time.perf_counter()
        if self.done + amount >= self.total:
            return True
        if self.rich is not None:
            return now - self.last_note >= NOTE_INTERVAL_S
        return self.line_due(self.done + amount, now)

    def advance(self, amount: float, note: str | None = "") -> None:
        """Record ``amount`` more units done; ``note`` replaces the shown note (``None`` keeps the last one)."""
        if not self.enabled:
            return
        self.done += amount
        now = time.perf_counter()
        if note is not None:
            self.note, self.last_note = note, now
        rate = f"{self.rate:,.2f} {self.unit}/s {self.note}".rstrip()
        if self.rich is not None:
            self.rich.update(self.task, completed=self.done, rate=rate)
            return
        if self.line_due(self.done, now):
            self.last_line, self.done_at_line = now, self.done
            remaining = (self.total - self.done) * self.scale / self.rate if self.rate else 0.0
            percent = 100 * self.done / self.total if self.total else 100.0
            emit(f"{self.description}: {percent:5.1f}% {rate} ETA {remaining:.0f}s")
