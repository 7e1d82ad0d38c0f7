"""The invariant every ``landcover`` run on generated input must keep, checked in-process (Typer's runner).

Exit 0, or exit 2 with exactly one line on stderr naming the file at fault; never a traceback (an exception
that escapes the command); every input byte-identical afterwards.
"""

from __future__ import annotations

import hashlib
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner


@dataclass(frozen=True)
class Outcome:
    """What one run did."""

    code: int
    stdout: str
    stderr: str

    def show(self) -> str:
        """The outcome for an assertion message."""
        return f"exit {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def _hashes(paths: Iterable[Path]) -> dict[Path, str]:
    found = {}
    for path in paths:
        for item in [path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []:
            if item.is_file():
                found[item] = hashlib.sha256(item.read_bytes()).hexdigest()
    return found


def run(argv: list[str], inputs: Iterable[Path]) -> Outcome:
    """Run ``landcover ARGV`` in-process and check the invariant (inputs unchanged, no traceback, 0 or 2)."""
    from landcover.cli import app

    inputs = list(inputs)
    before = _hashes(inputs)
    result = CliRunner().invoke(app, argv, prog_name="landcover")
    outcome = Outcome(result.exit_code, result.stdout, result.stderr)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        trace = "".join(traceback.format_exception(result.exception))
        raise AssertionError(f"landcover {' '.join(argv)} raised:\n{trace}")
    assert outcome.code in (0, 2), outcome.show()
    if outcome.code == 2:
        assert len(outcome.stderr.strip().splitlines()) == 1, f"not one line\n{outcome.show()}"
    assert "Traceback" not in outcome.stdout + outcome.stderr, outcome.show()
    assert _hashes(inputs) == before, f"an input changed\n{outcome.show()}"
    return outcome


def names_one_of(outcome: Outcome, paths: Iterable[Path]) -> bool:
    """Whether the error line names one of ``paths`` (by file name)."""
    return any(path.name in outcome.stderr for path in paths)
