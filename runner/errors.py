"""The runner's one error path: ``fail(message, hint)`` prints with Rich and exits non-zero."""

from __future__ import annotations

import sys
from typing import NoReturn

from rich.console import Console
from rich.markup import escape

error_console = Console(stderr=True, highlight=False)

EXIT_FAILURE = 2


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters written as escapes: one line, always."""
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode() for char in text)


def fail(message: str, hint: str = "") -> NoReturn:
    """Print a one-line error naming what is wrong and how to fix it, then exit with code 2."""
    text = f"[bold red]error:[/] {escape(one_line(message))}"  # a value's brackets and line breaks stay text
    if hint:
        text += f" [dim]({escape(one_line(hint))})[/]"
    error_console.print(text, soft_wrap=True)
    sys.exit(EXIT_FAILURE)
