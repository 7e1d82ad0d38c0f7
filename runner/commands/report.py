"""Printing an error: ``fail(message, hint)`` prints one line with Rich and exits with code 2 (commands only)."""

from __future__ import annotations

from typing import NoReturn

from rich.console import Console

import clibase.report

error_console = Console(stderr=True, highlight=False)


def fail(message: str, hint: str = "") -> NoReturn:
    """Print a one-line error naming what is wrong and how to fix it, then exit with code 2."""
    clibase.report.fail(message, hint, error_console)
