"""The image's Debian base where no registry is reachable: made from Debian's packages, as Debian's own are.

``debootstrap --variant=minbase SUITE DIR`` then ``tar -C DIR -c . | docker import - TAG``, with the apt
sources of Debian's official image (the release, its updates and security). The commands are built by pure
functions; ``make_base`` runs them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

MIRROR = "http://deb.debian.org/debian"
SUITES = {"bookworm": "12", "trixie": "13"}
SLIM_TAG = re.compile(r"(?:docker\.io/)?(?:library/)?debian:(\w+)-slim")
SOURCES = """Types: deb
URIs: http://deb.debian.org/debian
Suites: {suite} {suite}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: {suite}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""
TRIMMED = ("var/lib/apt/lists", "var/cache/apt/archives", "usr/share/doc", "usr/share/man", "usr/share/locale")


def base_image(dockerfile: Path) -> str:
    """The default of the Dockerfile's ``ARG BASE_IMAGE`` (the one place the base is named)."""
    match = re.search(r"^ARG BASE_IMAGE=(\S+)", dockerfile.read_text(), re.MULTILINE)
    if not match:
        raise ValueError(f"{dockerfile}: no `ARG BASE_IMAGE=...` line")
    return match.group(1)


def debian_suite(image: str) -> str | None:
    """The Debian suite of a ``debian:SUITE-slim`` tag that can be made locally (None for any other image)."""
    match = SLIM_TAG.fullmatch(image)
    return match.group(1) if match and match.group(1) in SUITES else None


def debootstrap_command(suite: str, directory: Path, mirror: str = MIRROR) -> list[str]:
    """The minimal Debian root file system of ``suite`` in ``directory``."""
    return ["debootstrap", "--variant=minbase", suite, str(directory), mirror]


def import_commands(directory: Path, tag: str) -> tuple[list[str], list[str]]:
    """``tar`` of the root file system piped into ``docker import`` as ``tag``."""
    return ["tar", "-C", str(directory), "-c", "."], ["docker", "import", "-", tag]


def trim_root(directory: Path, suite: str) -> None:
    """Drop package caches and docs (as the slim image does) and write the official image's apt sources."""
    for part in TRIMMED:
        target = directory / part
        if target.is_dir():
            shutil.rmtree(target)
            target.mkdir(parents=True)
    (directory / "etc/apt/sources.list").unlink(missing_ok=True)
    (directory / "etc/apt/sources.list.d").mkdir(parents=True, exist_ok=True)
    (directory / "etc/apt/sources.list.d/debian.sources").write_text(SOURCES.format(suite=suite))


def make_base(image: str, tag: str | None = None, workdir: Path | None = None) -> None:
    """Make ``debian:SUITE-slim`` in the local engine from Debian's packages (about a minute; needs root).

    Args:
        image: The ``debian:SUITE-slim`` image to make.
        tag: The tag to give it [``image``].
        workdir: Where the temporary root file system goes [the system's temporary folder].

    Raises:
        RuntimeError: One line naming the step that failed and its last output line.
    """
    suite = debian_suite(image)
    if suite is None:
        raise RuntimeError(f"{image} is not a debian:SUITE-slim image that can be made locally")
    if shutil.which("debootstrap") is None:
        raise RuntimeError("debootstrap is not installed (apt-get install debootstrap)")
    with tempfile.TemporaryDirectory(prefix="debian-base-", dir=workdir) as temp:
        root = Path(temp) / "root"
        _run(debootstrap_command(suite, root), "debootstrap")
        trim_root(root, suite)
        tar, docker_import = import_commands(root, tag or image)
        with subprocess.Popen(tar, stdout=subprocess.PIPE) as producer:
            _run(docker_import, "docker import", stdin=producer.stdout)
        if producer.returncode:
            raise RuntimeError(f"tar of {root} failed (exit {producer.returncode})")


def _run(command: list[str], step: str, stdin: object = None) -> None:
    result = subprocess.run(command, stdin=stdin, capture_output=True, text=True)  # type: ignore[call-overload]
    if result.returncode:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise RuntimeError(f"{step} failed (exit {result.returncode}): {lines[-1] if lines else 'no output'}")
