"""One row of the bad-input table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Setup = Callable[[Path], None]
"""Builds something a case needs inside its workspace folder (seeded: the same bytes every run)."""


@dataclass(frozen=True)
class BadInput:
    """A bad or awkward input and how the command must handle it.

    Attributes:
        id: Unique name (the pytest id), ``<cli>-<command>-<what>``.
        cli: Which command line: ``runner`` or ``landcover``.
        argv: Arguments after the program name; ``{ws}`` is replaced by the case's workspace folder.
        message: Fragment(s) the output must contain: stderr when the exit code is not 0, else stdout + stderr.
        exit_code: The exit code the command must end with (2 for bad input; 0 where success is right).
        setup: Seeded builders run in the workspace before the command (files, folders, templates, roots).
        untouched: Paths relative to the workspace whose content hash and mtime must not change (folders:
            every file under them, and no file added or removed).
        env: Environment variables for the command (``{ws}`` expanded); ``RUNNER_HOME`` defaults to
            ``{ws}/.runner``, ``RUNNER_CLOUD_CONFIG`` to ``{ws}/.cloud.json`` and ``RUNNER_SLURM_CONFIG`` to
            ``{ws}/.slurm.json`` (nothing outside the workspace is read or written).
        one_line: An error (exit code not 0) is exactly one line on stderr.
        subprocess: Run ``python -m <cli>`` as a real process instead of in-process (for mpirun, signals).
        stdin: Text given on standard input.
        timeout: Seconds a subprocess case may take.
        slow: Mark the case ``slow`` (real training, MPI launches).
    """

    id: str
    cli: Literal["runner", "landcover"]
    argv: tuple[str, ...]
    message: str | tuple[str, ...]
    exit_code: int = 2
    setup: tuple[Setup, ...] = ()
    untouched: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    one_line: bool = True
    subprocess: bool = False
    stdin: str | None = None
    timeout: float = 300
    slow: bool = False

    @property
    def fragments(self) -> tuple[str, ...]:
        """The expected message fragments as a tuple."""
        return (self.message,) if isinstance(self.message, str) else self.message

    def expand(self, workspace: Path) -> tuple[list[str], dict[str, str]]:
        """The arguments and environment with ``{ws}`` replaced by ``workspace``."""

        def sub(text: str) -> str:
            return text.replace("{ws}", str(workspace))

        env: dict[str, Any] = {
            "RUNNER_HOME": str(workspace / ".runner"),
            "RUNNER_CLOUD_CONFIG": str(workspace / ".cloud.json"),
            "RUNNER_SLURM_CONFIG": str(workspace / ".slurm.json"),
        }
        env.update({key: sub(value) for key, value in self.env.items()})
        return [sub(arg) for arg in self.argv], env
