"""The harness's summary line: ``N generated runs, all invariants held``, or the invariants that broke."""

from __future__ import annotations

import pytest

from clibase.text import counted
from tests.invariants.harness import BROKEN, EXITS, RUNS


def summary() -> str | None:
    """The line pytest prints at the end (``None`` when no generated run happened)."""
    runs = sum(RUNS.values())
    if not runs:
        return None
    commands = counted(len(RUNS), "command")
    exits = ", ".join(f"{count} exit {code}" for code, count in sorted(EXITS.items()))
    if not BROKEN:
        return f"{counted(runs, 'generated run')} of {commands} ({exits}), all invariants held"
    broken = "; ".join(
        f"{command}: {invariant} ({len(BROKEN[command, invariant])})" for command, invariant in sorted(BROKEN)
    )
    return f"{counted(runs, 'generated run')} of {commands} ({exits}); invariants broken (distinct causes): {broken}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the harness's figure after the run."""
    line = summary()
    if line is not None:
        terminalreporter.write_line(line)
