"""A test session leaves no server it started: the two-node Slurm a `slurm` test needed is stopped as pytest ends.

Each check runs a real pytest session (one Slurm test) against a cluster of its own (its own folder and ports), then
looks for any process still carrying that cluster's folder in its environment: every daemon the session started
inherited it. A cluster that ran before the session is left running.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.services import SLURM_SCRIPT, ScriptService

pytestmark = [pytest.mark.slurm, pytest.mark.slow]
ONE_SLURM_TEST = "tests/runner/test_slurm.py::test_one_rank_on_each_node"


def _free_ports(count: int) -> int:
    """A port with the ``count - 1`` after it free too (slurmctld, then one slurmd per node)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count > 65535:
            continue
        try:
            for port in range(base, base + count):
                with socket.socket() as taken:
                    taken.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free run of ports")


@pytest.fixture
def cluster_env() -> Iterator[dict[str, str]]:
    """A cluster folder and ports of its own (under /tmp, which munged as user munge can reach)."""
    if os.geteuid() != 0:
        pytest.skip("the local Slurm cluster needs root (munged as user munge, slurmd as root)")
    if shutil.which("apt-get") is None and shutil.which("slurmctld") is None:
        pytest.skip("slurm-wlm is not installed and apt-get is not there to install it")
    folder = Path(tempfile.mkdtemp(prefix="landcover-slurm-session-", dir="/tmp"))
    folder.chmod(0o755)
    env = {"SLURM_CLUSTER_DIR": str(folder / "cluster"), "SLURM_CLUSTER_PORT": str(_free_ports(3))}
    try:
        yield env
    finally:
        ScriptService(SLURM_SCRIPT, env).stop()
        shutil.rmtree(folder, ignore_errors=True)


def _processes_of(cluster_dir: str) -> list[int]:
    """Pids of the processes whose environment names this cluster's folder."""
    needle = f"SLURM_CLUSTER_DIR={cluster_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _pytest_session(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"SLURM_CONF", "PYTEST_ADDOPTS"}}
    return subprocess.run(
        [sys.executable, "-m", "pytest", ONE_SLURM_TEST, "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=1800,
    )


def test_a_session_stops_the_cluster_it_started_and_says_so(cluster_env):
    session = _pytest_session(cluster_env)
    assert session.returncode == 0, session.stdout[-3000:] + session.stderr[-3000:]
    assert "1 passed" in session.stdout
    assert "scripts/slurm_cluster.sh start (for this test session; stopped when it ends)" in session.stdout
    assert not ScriptService(SLURM_SCRIPT, cluster_env).answers()
    assert _processes_of(cluster_env["SLURM_CLUSTER_DIR"]) == []


def test_a_session_leaves_a_cluster_it_did_not_start(cluster_env):
    cluster = ScriptService(SLURM_SCRIPT, cluster_env)
    started = subprocess.run(
        [str(SLURM_SCRIPT), "start"], env={**os.environ, **cluster_env}, capture_output=True, text=True, timeout=900
    )
    assert started.returncode == 0, started.stderr
    before = sorted(_processes_of(cluster_env["SLURM_CLUSTER_DIR"]))
    session = _pytest_session(cluster_env)
    assert session.returncode == 0, session.stdout[-3000:] + session.stderr[-3000:]
    assert cluster.answers()
    assert set(before) <= set(_processes_of(cluster_env["SLURM_CLUSTER_DIR"]))
