"""``runner build``'s BuildKit command line (pure) and the choice of a docker CLI that has BuildKit.

The build needs BuildKit (the Dockerfile mounts a secret and the source): ``docker buildx build`` where the
buildx plugin is installed, else ``DOCKER_BUILDKIT=1 docker build`` with a CLI older than 23 (which has
BuildKit built in, e.g. Debian's docker.io).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

DOCKERFILE = "runner/resources/image/Dockerfile"
"""The Dockerfile inside the build context (a checkout, or the context assembled from the installed packages)."""
CA_SECRET = "ca_bundle"
CA_VARIABLES = ("PIP_CERT", "REQUESTS_CA_BUNDLE")
LEGACY_BUILDKIT_CLI = 23  # from Docker 23 on, `docker build` is buildx's


@dataclass(frozen=True)
class BuildCli:
    """A docker CLI and how it runs a BuildKit build."""

    executable: str
    buildx: bool


def default_ca_bundle(environ: dict[str, str] | None = None) -> Path | None:
    """The CA bundle the host's pip uses (``$PIP_CERT``, else ``$REQUESTS_CA_BUNDLE``), if set."""
    env = os.environ if environ is None else environ
    for name in CA_VARIABLES:
        if env.get(name):
            return Path(env[name])
    return None


def build_command(
    cli: BuildCli,
    *,
    context: Path,
    tag: str,
    ca_bundle: Path | None = None,
    network: str = "host",
    build_args: dict[str, str] | None = None,
) -> list[str]:
    """The BuildKit build of the trainer image (run with ``DOCKER_BUILDKIT=1`` in the environment)."""
    command = [cli.executable, *(("buildx", "build", "--load") if cli.buildx else ("build",))]
    command += ["--progress", "plain", "--network", network, "--file", str(context / DOCKERFILE), "--tag", tag]
    if ca_bundle is not None:
        command += ["--secret", f"id={CA_SECRET},src={ca_bundle}"]
    for key, value in sorted((build_args or {}).items()):
        command += ["--build-arg", f"{key}={value}"]
    return [*command, str(context)]


def _major_version(executable: str) -> int | None:
    result = subprocess.run(
        [executable, "version", "--format", "{{.Client.Version}}"], capture_output=True, text=True, timeout=30
    )
    head = result.stdout.strip().split(".")[0]
    return int(head) if head.isdigit() else None


def _docker_executables() -> list[str]:
    found: list[str] = []
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = shutil.which("docker", path=folder) if folder else None
        if candidate and os.path.realpath(candidate) not in map(os.path.realpath, found):
            found.append(candidate)
    return found


def find_build_cli() -> BuildCli:
    """The first docker CLI on PATH that can run a BuildKit build.

    Raises:
        RuntimeError: No docker CLI, or none with BuildKit.
    """
    executables = _docker_executables()
    if not executables:
        raise RuntimeError("no docker command on PATH")
    for executable in executables:
        if subprocess.run([executable, "buildx", "version"], capture_output=True).returncode == 0:
            return BuildCli(executable, buildx=True)
    for executable in executables:
        major = _major_version(executable)
        if major is not None and major < LEGACY_BUILDKIT_CLI:
            return BuildCli(executable, buildx=False)
    raise RuntimeError(f"{executables[0]} has no BuildKit (the buildx plugin is missing)")
