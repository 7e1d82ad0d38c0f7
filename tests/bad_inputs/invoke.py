"""Running one ``landcover`` / ``runner`` command line the way a user does, in-process or as a real process.

Shared by the bad-input table (:mod:`tests.bad_inputs.test_bad_inputs`) and the generated-input harness
(:mod:`tests.invariants`). In-process runs use Typer's ``CliRunner`` (a lone process never initialises MPI, see
:func:`landcover.parallel.world.init_world`), so a leftover MPI singleton cannot confuse a later ``mpirun``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Outcome:
    """How a command ended: its exit code, its output, and the traceback of an exception it let out."""

    code: int
    stdout: str
    stderr: str
    trace: str | None = None
    """The formatted exception that escaped the command in-process (``None``: none did)."""


def app_of(cli: str) -> Any:
    """The Typer app of ``landcover`` or ``runner``."""
    if cli == "runner":
        from runner.cli import app
    else:
        from landcover.cli import app
    return app


def invoke(
    cli: str,
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    *,
    stdin: str | None = None,
    subprocess_run: bool = False,
    timeout: float = 300,
) -> Outcome:
    """Run ``cli argv`` in ``cwd`` with ``env`` added to the environment.

    Args:
        cli: ``landcover`` or ``runner``.
        argv: The arguments after the program name.
        cwd: The working directory.
        env: Variables set for the command (in-process: for its duration).
        stdin: Text given on standard input.
        subprocess_run: Run ``python -m <cli>`` as a real process (mpirun, signals) instead of in-process.
        timeout: Seconds a real process may take.
    """
    if subprocess_run:
        done = subprocess.run(
            [sys.executable, "-m", cli, *argv],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            env={**os.environ, **env},
        )
        return Outcome(done.returncode, done.stdout, done.stderr)
    from typer.testing import CliRunner

    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner(env=dict(env)).invoke(app_of(cli), list(argv), input=stdin, prog_name=cli)
    finally:
        os.chdir(previous)
    trace = None
    error = result.exception
    if cli == "landcover" and error is not None and _reported_by_main(error):
        # ``landcover.cli.main`` (the console script) turns what escapes the app this way into one line, exit 2
        return Outcome(2, result.stdout, result.stderr + f"error: {error}\n")
    if error is not None and not isinstance(error, SystemExit):
        trace = "".join(traceback.format_exception(error))
    return Outcome(result.exit_code, result.stdout, result.stderr, trace)


def _reported_by_main(error: BaseException) -> bool:
    """Whether ``landcover``'s console-script entry point reports ``error`` as a one-line error."""
    from landcover.io.errors import LandcoverError

    return isinstance(error, LandcoverError)
