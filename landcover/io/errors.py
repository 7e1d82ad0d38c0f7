"""The one error type the ``landcover`` command turns into a one-line message and exit code 2."""

from __future__ import annotations


class LandcoverError(Exception):
    """A problem with the user's input: the message names the file or option, the hint says the fix."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ReportedByAnotherRank(Exception):
    """This MPI rank stops because another rank (rank 0) reports the error: exit code 2, nothing printed."""
