"""The runner's one error shape: ``RunnerError(message, hint)``, raised by any layer, reported by the CLI.

Library code (backends, records, templates, settings) raises a ``RunnerError`` subclass naming what is wrong
and how to fix it; the ``runner`` command (``runner.cli``) is the one place that prints it as one line and
exits with code 2 (``runner.commands.report.fail``).
"""

from __future__ import annotations


class RunnerError(Exception):
    """What the runner cannot do: ``message`` names the file or option, ``hint`` how to fix it.

    A subclass may set a class-level ``hint``: the one used when none is given.
    """

    hint: str = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    @property
    def line(self) -> str:
        """The error as one line: what is wrong (how to fix it)."""
        return f"{self.message} ({self.hint})" if self.hint else self.message
