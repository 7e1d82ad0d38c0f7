"""Run one generated command line in its own tree and check every invariant of issue 25 on what it did.

A :class:`Scenario` says what a run reads (its inputs) and where it may write (its declared outputs);
:func:`check_run` snapshots the whole tree before and after (:mod:`tests.invariants.tree`), runs the command
through the bad-input suite's :func:`~tests.bad_inputs.invoke.invoke`, and raises the first broken invariant.
Each invariant is its own exception class, so Hypothesis reports distinct failures of one property separately.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import note

from tests.bad_inputs.invoke import Outcome, invoke
from tests.invariants.outputs import PARTIAL_MARKS, problem
from tests.invariants.tree import Changes, ancestor_of, snapshot, under


class InvariantBroken(AssertionError):
    """A run broke an invariant (the subclass says which)."""

    invariant = "invariant"


class TracebackShown(InvariantBroken):
    invariant = "no traceback"


class BadExit(InvariantBroken):
    invariant = "exit 0 or 2"


class NotOneLine(InvariantBroken):
    invariant = "one-line error"


class WroteOutside(InvariantBroken):
    invariant = "nothing created outside the outputs"


class InputChanged(InvariantBroken):
    invariant = "inputs byte-identical"


class UserFileLost(InvariantBroken):
    invariant = "files the tool did not write are kept"


class InvalidOutput(InvariantBroken):
    invariant = "outputs of an exit-0 run are valid"


class DebrisLeft(InvariantBroken):
    invariant = "no partial files left"


class GarbageAccepted(InvariantBroken):
    invariant = "garbage in is refused"


class OverlapAccepted(InvariantBroken):
    invariant = "outputs never overlap inputs"


@dataclass(frozen=True)
class Scenario:
    """One generated run: the command line and what it reads and may write.

    Attributes:
        argv: Arguments after ``landcover`` / ``runner``; ``{ws}`` is the run's own tree.
        inputs: Paths (relative to the tree) the command reads: files or folders; they must stay byte-identical.
        outputs: Paths the command may create or change (files or folders, and anything under them).
        tool_made: Paths an earlier run of the tool wrote (they may be replaced inside the outputs).
        garbage: Why exit 0 would be wrong: an input no command may compute on (``None``: exit 0 is fine).
        overlap: Why exit 0 would be wrong: an output equal to, inside or containing an input.
        cli: ``landcover`` or ``runner``.
        env: Environment of the command (``{ws}`` expanded).
        about: What was generated (the plan), shown with a failure.
    """

    argv: tuple[str, ...]
    inputs: frozenset[str] = frozenset()
    outputs: frozenset[str] = frozenset()
    tool_made: frozenset[str] = frozenset()
    garbage: str | None = None
    overlap: str | None = None
    cli: str = "landcover"
    env: dict[str, str] = field(default_factory=dict)
    about: str = ""

    @property
    def command(self) -> str:
        """The subcommand (``evaluate``, ``local submit``), for the summary."""
        words = [arg for arg in self.argv[:2] if not arg.startswith("-") and "{ws}" not in arg]
        return " ".join(words[:2] if self.cli == "runner" else words[:1])


RUNS: Counter[str] = Counter()
"""Generated runs per command in this session (for the summary line)."""
EXITS: Counter[int] = Counter()
"""Generated runs per exit code in this session."""
BROKEN: dict[tuple[str, str], dict[str, str]] = {}
"""Per (command, invariant) that broke in this session: each distinct cause (its first line) and an example."""
SURVEY = os.environ.get("INVARIANT_SURVEY", "")
"""Set to a file name: record every broken invariant there and go on (a survey of all failure classes)."""


def _cause(message: str) -> str:
    """What distinguishes one failure from another of the same invariant: the error line, else the first line."""
    lines = [line for line in message.splitlines() if line.strip()]
    if "--- traceback" in message:
        return lines[-1][:200]
    if "--- stderr" in message and message.split("--- stderr", 1)[1].strip():
        return message.split("--- stderr", 1)[1].strip().splitlines()[0][:200]
    return lines[0][:200]


def record(scenario: Scenario, error: InvariantBroken) -> None:
    """Count a broken invariant for the summary, then raise it (or, in a survey, log it and go on)."""
    message = str(error)
    causes = BROKEN.setdefault((scenario.command, error.invariant), {})
    cause = _cause(message) if error.invariant in ("no traceback", "one-line error") else message.splitlines()[0]
    if cause not in causes:
        causes[cause] = message
        if SURVEY:
            with open(SURVEY, "a") as log:
                log.write(f"=== {scenario.command}: {error.invariant}: {cause}\n{message}\n\n")
    if not SURVEY:
        raise error


def _shown(scenario: Scenario, outcome: Outcome) -> str:
    return (
        (f"generated: {scenario.about}\n" if scenario.about else "")
        + f"{scenario.cli} {' '.join(scenario.argv)}\nexit {outcome.code}\n--- stdout\n{outcome.stdout[-3000:]}"
        f"\n--- stderr\n{outcome.stderr[-3000:]}" + (f"\n--- traceback\n{outcome.trace}" if outcome.trace else "")
    )


def _exit_invariants(outcome: Outcome, shown: str) -> InvariantBroken | None:
    if outcome.trace is not None or "Traceback (most recent call last)" in outcome.stdout + outcome.stderr:
        return TracebackShown(f"a traceback\n{shown}")
    if outcome.code not in (0, 2):
        return BadExit(f"exit code {outcome.code}\n{shown}")
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    if outcome.code == 2 and len(lines) != 1:
        return NotOneLine(f"an error of {len(lines)} lines on stderr\n{shown}")
    return None


def _tree_invariants(scenario: Scenario, changes: Changes, before: dict[str, tuple[str, ...]]) -> None:
    for path in sorted(changes.changed | changes.removed):
        if under(path, scenario.inputs):
            raise InputChanged(f"input {path} {'removed' if path in changes.removed else 'changed'}")
    for path in sorted(changes.changed | changes.removed):
        outside = not under(path, scenario.outputs)
        if (outside or not under(path, scenario.tool_made)) and before[path] != ("dir",):
            verb = "removed" if path in changes.removed else "changed"
            raise UserFileLost(f"{path} {verb}: the tool did not write it")
    for path in sorted(changes.created):
        if not under(path, scenario.outputs) and not ancestor_of(path, scenario.outputs):
            raise WroteOutside(f"{path} created outside the outputs {sorted(scenario.outputs)}")


def _output_invariants(scenario: Scenario, ws: Path, code: int, before: dict[str, tuple[str, ...]]) -> None:
    after = snapshot(ws)
    for path in sorted(after):
        if not under(path, scenario.outputs) or after[path][0] != "file":
            continue
        harness_made = path in before and not under(path, scenario.tool_made)
        if harness_made:
            continue
        name = Path(path).name
        if any(name.endswith(mark) or f"{mark}." in name for mark in PARTIAL_MARKS):
            raise DebrisLeft(f"{path} left behind (exit {code})")
        if code == 0:
            wrong = problem(ws / path)
            if wrong is not None:
                raise InvalidOutput(f"{path}: {wrong}")


@dataclass(frozen=True)
class Run:
    """What a checked run did: its outcome and the paths it created, changed and removed."""

    outcome: Outcome
    changes: Changes

    @property
    def written(self) -> frozenset[str]:
        """Paths the run created or changed (what a rerun may replace)."""
        return self.changes.created | self.changes.changed


def check_run(scenario: Scenario, ws: Path) -> Run:
    """Run ``scenario`` in the tree ``ws`` and check every invariant; raise the first broken one."""
    argv = tuple(arg.replace("{ws}", str(ws)) for arg in scenario.argv)
    env = {
        "RUNNER_HOME": str(ws / ".runner"),
        "RUNNER_CLOUD_CONFIG": str(ws / ".cloud.json"),
        "RUNNER_SLURM_CONFIG": str(ws / ".slurm.json"),
        "NO_COLOR": "1",
        **{key: value.replace("{ws}", str(ws)) for key, value in scenario.env.items()},
    }
    before = snapshot(ws)
    RUNS[scenario.command] += 1
    outcome = invoke(scenario.cli, argv, ws, env)
    changes = Changes.between(before, snapshot(ws))
    EXITS[outcome.code] += 1
    shown = _shown(scenario, outcome)
    note(shown)
    try:
        broken = _exit_invariants(outcome, shown)
        if broken is not None:
            raise broken
        _tree_invariants(scenario, changes, before)
        _output_invariants(scenario, ws, outcome.code, before)
        if outcome.code == 0 and scenario.garbage is not None:
            raise GarbageAccepted(f"exit 0 on {scenario.garbage}")
        if outcome.code == 0 and scenario.overlap is not None:
            raise OverlapAccepted(f"exit 0 with {scenario.overlap}")
    except InvariantBroken as error:
        message = str(error) if shown in str(error) else f"{error}\n{shown}"
        record(scenario, type(error)(message))
    return Run(outcome, changes)
