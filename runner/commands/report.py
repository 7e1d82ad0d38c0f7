"""Printing an error: ``fail(message, hint)`` prints one line with Rich and exits with code 2 (commands only)."""

from __future__ import annotations

import sys
from typing import NoReturn

from rich.console import Console
from rich.markup import escape

from runner.errors import one_line

error_console = Console(stderr=True, highlight=False)

EXIT_FAILURE = 2


def fail(message: str, hint: str = "") -> NoReturn:
    """Print a one-line error naming what is wrong and how to fix it, then exit with code 2."""
    text = f"[bold red]error:[/] {escape(one_line(message))}"  # a value's brackets and line breaks stay text
    if hint:
        text += f" [dim]({escape(one_line(hint))})[/]"
    error_console.print(text, soft_wrap=True)
    sys.exit(EXIT_FAILURE)
