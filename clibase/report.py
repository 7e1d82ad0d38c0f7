"""The one error shape of both commands: ``error: what is wrong (how to fix it)``, one line, exit code 2."""

from __future__ import annotations

import sys
from typing import NoReturn

from rich.console import Console
from rich.markup import escape

EXIT_BAD_INPUT = 2
"""The exit code of bad input: a usage error, a file or option that cannot be used."""


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters written as escapes: one line, always."""
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode() for char in text)


def error_markup(message: str, hint: str = "") -> str:
    """The error line as Rich markup: a value's own brackets (``[nan, nan]``) and line breaks stay text."""
    text = f"[bold red]error:[/] {escape(one_line(message))}"
    if hint:
        text += f" [dim]({escape(one_line(hint))})[/]"
    return text


def fail(message: str, hint: str = "", console: Console | None = None) -> NoReturn:
    """Print the one-line error (with its fix) on ``console`` (default: stderr) and exit with code 2."""
    (console or Console(stderr=True, highlight=False)).print(error_markup(message, hint), soft_wrap=True)
    sys.exit(EXIT_BAD_INPUT)
