"""Servers the test session starts itself (the two-node Slurm, the STAC API), and stops when it ends.

A server is managed by its ``scripts/*.sh start|stop|status`` script, which keeps its daemons' pids in pid files
and stops exactly those. The session starts a server only when none answers, and then, and only then, stops it
in a finaliser: a server that CI (``.ci/run``) or the user started is left running. What a start script installs
with apt, or starts, it says on stderr; those lines are shown on the terminal as they come, not captured.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLURM_SCRIPT = ROOT / "scripts" / "slurm_cluster.sh"


@dataclass
class ScriptService:
    """A server behind a ``start|stop|status`` script; ``env`` is added to the script's environment."""

    script: Path
    env: dict[str, str] = field(default_factory=dict)

    def _run(self, action: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **self.env}
        return subprocess.run([str(self.script), action], text=True, env=env, check=False, **kwargs)  # type: ignore[call-overload,no-any-return]

    def answers(self) -> bool:
        """Whether the server runs now (its script's ``status`` succeeds)."""
        return self._run("status", capture_output=True, timeout=60).returncode == 0

    def start(self, config: pytest.Config) -> subprocess.CompletedProcess[str]:
        """Run ``start``; its stderr (what it installs, what it starts) goes to the terminal, uncaptured."""
        capture = config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print(f"\n{self.script.relative_to(ROOT)} start (for this test session; stopped when it ends)", flush=True)
            return self._run("start", stdout=subprocess.PIPE, stderr=None, timeout=900)

    def stop(self) -> None:
        """Run ``stop``: the script signals the pids in its pid files."""
        self._run("stop", capture_output=True, timeout=120)


def started_for_session(request: pytest.FixtureRequest, service: ScriptService) -> subprocess.CompletedProcess[str]:
    """Start ``service`` unless it answers; when this session started it, stop it as the session ends."""
    already = service.answers()
    started = service.start(request.config)
    if not already:
        request.addfinalizer(service.stop)
    return started


@pytest.fixture(scope="session")
def slurm_cluster(request: pytest.FixtureRequest) -> Iterator[str]:
    """The two-node Slurm's SLURM_CONF; started for the session (and stopped after it) unless it runs already."""
    if os.geteuid() != 0:
        pytest.skip("the local Slurm cluster needs root (munged as user munge, slurmd as root)")
    if shutil.which("apt-get") is None and shutil.which("slurmctld") is None:
        pytest.skip("slurm-wlm is not installed and apt-get is not there to install it")
    started = started_for_session(request, ScriptService(SLURM_SCRIPT))
    if started.returncode != 0:
        pytest.skip(f"the local Slurm cluster did not start ({SLURM_SCRIPT.name} start exited {started.returncode})")
    yield started.stdout.strip().rpartition("=")[2]
