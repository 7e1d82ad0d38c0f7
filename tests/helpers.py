"""Running the real ``landcover`` command (alone or under mpirun) from tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
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


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (``400k``, ``2m``) mounted on the empty folder ``where``, unmounted afterwards.

    Skips the test where mounting is not allowed (it needs root; CI runs as root).
    """
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root (CI is root)")
    where.mkdir(exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
