"""The runner's one error path: ``fail(message, hint)`` prints with Rich and exits non-zero."""

from __future__ import annotations

import sys
from typing import NoReturn

from rich.console import Console

error_console = Console(stderr=True, highlight=False)

EXIT_FAILURE = 2


def fail(message: str, hint: str = "") -> NoReturn:
    """Print a one-line error naming what is wrong and how to fix it, then exit with code 2."""
    text = f"[bold red]error:[/] {message}"
    if hint:
        text += f" [dim]({hint})[/]"
    error_console.print(text, soft_wrap=True)
    sys.exit(EXIT_FAILURE)
