"""Rich consoles and the one error path of the ``landcover`` command."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from rich.console import Console

import clibase.report

LAUNCHER_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE")
"""Set in the processes that Open MPI, MPICH / Intel MPI (Hydra) or a PMIx launcher start."""


def plain_output() -> bool:
    """Plain text, no live display or colours: ``LANDCOVER_PROGRESS=plain``, ``TERM=dumb`` or an MPI launcher.

    ``mpirun`` hands its ranks a pseudo-terminal whatever its own output is (``mpirun ... | tail``, a log file), so
    a rank cannot tell a terminal from a pipe: it writes plain lines unless ``LANDCOVER_PROGRESS=rich``.
    """
    choice = os.environ.get("LANDCOVER_PROGRESS", "auto")
    if choice in ("plain", "rich"):
        return choice == "plain"
    return os.environ.get("TERM") == "dumb" or any(name in os.environ for name in LAUNCHER_VARIABLES)


_PLAIN = plain_output()
console = Console(highlight=False, force_terminal=False if _PLAIN else None)
error_console = Console(stderr=True, highlight=False, force_terminal=False if _PLAIN else None)


def fail(message: str, hint: str = "") -> NoReturn:
    """Print a one-line error (with its fix) on stderr and exit with code 2 (:mod:`clibase.report`)."""
    clibase.report.fail(message, hint, error_console)


def emit(line: str) -> None:
    """Write one whole line to stdout at once, so lines from several MPI ranks never interleave."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
