"""Running the real ``landcover`` command (alone or under mpirun) from tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def landcover(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``python -m landcover ARGS`` and capture its output."""
    return subprocess.run([sys.executable, "-m", "landcover", *args], capture_output=True, text=True, timeout=timeout)


def mpirun_prefix(processes: int) -> list[str]:
    """``mpirun -np N`` with the flags a container or CI (often root, few cores) needs."""
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        pytest.skip("mpirun not installed (make setup installs OpenMPI)")
    command = [mpirun, "-np", str(processes), "--oversubscribe", "--bind-to", "none"]
    if os.geteuid() == 0:
        command.append("--allow-run-as-root")
    return command


def mpi_landcover(processes: int, *args: str) -> list[str]:
    """The command line that runs ``landcover ARGS`` as ``processes`` MPI ranks."""
    return [*mpirun_prefix(processes), sys.executable, "-m", "landcover", *args]


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Exit code 2, one line on stderr naming what is wrong, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    message = result.stderr.strip()
    assert message.count("\n") == 0, message
    assert "Traceback" not in message
    for needle in needles:
        assert needle in message, message


def runner(*args: str, timeout: float = 600, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m runner ARGS`` from the checkout and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "runner", *args], capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env
    )
