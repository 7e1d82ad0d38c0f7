"""Rich consoles and the one error path of the ``landcover`` command."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from rich.console import Console
from rich.markup import escape

# Jobs whose output goes to log files (under mpirun, ranks may sit on a pseudo-terminal) ask for plain text.
_PLAIN = os.environ.get("LANDCOVER_PROGRESS") == "plain"
console = Console(highlight=False, force_terminal=False if _PLAIN else None)
error_console = Console(stderr=True, highlight=False, force_terminal=False if _PLAIN else None)

EXIT_BAD_INPUT = 2


def fail(message: str, hint: str = "") -> NoReturn:
    """Print a one-line error (with its fix) on stderr and exit with code 2."""
    text = f"[bold red]error:[/] {escape(message)}"  # a message's own brackets ([nan, nan]) are text, not markup
    if hint:
        text += f" [dim]({escape(hint)})[/]"
    error_console.print(text, soft_wrap=True)
    sys.exit(EXIT_BAD_INPUT)


def emit(line: str) -> None:
    """Write one whole line to stdout at once, so lines from several MPI ranks never interleave."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
