"""``runner build``: build the trainer image with BuildKit; make its Debian base locally when it cannot be pulled."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from runner.backends.base import BackendError
from runner.backends.docker import docker_client
from runner.commands.report import fail
from runner.images import IMAGE_NAME
from runner.images.base import base_image, debian_suite, make_base
from runner.images.build import DOCKERFILE, build_command, default_ca_bundle, find_build_cli
from runner.images.context import assemble_context, checkout_root
from runner.package_data import DOCKERFILE as PACKAGED_DOCKERFILE
from runner.package_data import resource

IMAGE_REFERENCE = re.compile(
    r"(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
)
"""A Docker image reference: optional registry host, lower-case path components, optional tag."""
REGISTRY = re.compile(r"[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[a-z0-9._-]+)*")
"""A registry host (with an optional port and namespace), without a scheme."""


def build(
    tag: Annotated[str, typer.Option(help="Image tag.", metavar="TAG")] = IMAGE_NAME,
    ca_bundle: Annotated[
        Path | None,
        typer.Option(
            "--ca-bundle",
            help="CA bundle pip trusts inside the build (TLS-inspecting proxies) \\[default: $PIP_CERT or "
            "$REQUESTS_CA_BUNDLE]; passed as a BuildKit secret, never stored in the image.",
            metavar="PEM",
        ),
    ] = None,
    network: Annotated[str, typer.Option(help="Network of the build's steps.", metavar="NETWORK")] = "host",
    push: Annotated[
        str | None,
        typer.Option(
            "--push", help="Also push to this registry (e.g. myacr.azurecr.io) for the cluster.", metavar="REGISTRY"
        ),
    ] = None,
) -> None:
    """Build the image from the packaged Dockerfile (BuildKit), showing the build's output; optionally push it.

    The context is the source checkout runner runs from, else the installed landcover and runner packages.

    Examples:
      runner build
      runner build --ca-bundle /etc/ssl/certs/ca-certificates.crt
      runner build --push myacr.azurecr.io
    """
    console = Console(highlight=False)
    if not IMAGE_REFERENCE.fullmatch(tag):
        fail(f"--tag {tag!r} is not an image name", "use lower-case name[:tag], e.g. landcover-runner/trainer-gpu:v1")
    if push is not None and not REGISTRY.fullmatch(push):
        fail(f"--push {push!r} is not a registry host", "give the host only, e.g. myacr.azurecr.io (no https://)")
    if not network.strip():
        fail("--network is empty", "use host (the default), default, or a network's name")
    ca_bundle = ca_bundle or default_ca_bundle()
    if ca_bundle is not None and not ca_bundle.is_file():
        fail(f"--ca-bundle {ca_bundle}: no such file", "pass the PEM bundle your pip uses (pip config list)")
    try:
        client = docker_client()
    except BackendError as exc:
        fail(f"runner build: {exc.message}", exc.hint)
    ensure_base(client, console)
    try:
        cli = find_build_cli()
    except RuntimeError as exc:
        fail(f"runner build: {exc}", "install the docker buildx plugin (https://docs.docker.com/go/buildx/)")
    checkout = checkout_root()
    with tempfile.TemporaryDirectory(prefix="runner-build-") as temp:
        if checkout is None:
            try:
                context = assemble_context(Path(temp))
            except RuntimeError as exc:
                fail(f"runner build: {exc}", "install landcover-runner, or run from a source checkout")
            console.print(f"build context: the installed packages ({context})")
        else:
            context = checkout
        command = build_command(cli, context=context, tag=tag, ca_bundle=ca_bundle, network=network)
        result = subprocess.run(command, env={**os.environ, "DOCKER_BUILDKIT": "1"})
    if result.returncode:
        fail(f"image build failed (exit {result.returncode}; the step's output is above)", f"see {DOCKERFILE}")
    console.print(f"built {tag}")
    if push:
        push_image(client, console, tag, push)


def ensure_base(client: Any, console: Console) -> None:
    """Have the Dockerfile's base locally: pull it, or make it from Debian's packages when that fails."""
    image = base_image(Path(str(resource(PACKAGED_DOCKERFILE))))
    try:
        client.images.get(image)
        return
    except Exception:  # not here yet: pull it
        pass
    try:
        client.images.pull(image)
        return
    except Exception as exc:
        if debian_suite(image) is None:
            fail(f"cannot pull the base image {image}: {str(exc).splitlines()[0][:120]}", "pull or load it first")
    console.print(
        f"{image} cannot be pulled (no registry reachable): making it from Debian's packages (debootstrap)",
        soft_wrap=True,
    )
    try:
        make_base(image)
    except RuntimeError as exc:
        fail(f"making {image} locally: {exc}", "run as root with debootstrap installed, or `docker load` the image")


def push_image(client: Any, console: Console, tag: str, registry: str) -> None:
    """Tag the image for a registry and push it."""
    remote = pushed_name(registry, tag)
    client.images.get(tag).tag(remote)
    repository, _, version = remote.rpartition(":")
    with console.status(f"pushing {remote}"):
        for chunk in client.images.push(repository, tag=version, stream=True, decode=True):
            if "error" in chunk:
                hint = f"log in first: az acr login -n {registry}"
                fail(f"push to {registry} failed: {chunk['error'].strip()}", hint)
    console.print(f"pushed {remote}; `runner cloud configure --registry {registry}` makes it the cloud default")


def pushed_name(registry: str, tag: str) -> str:
    """The image's name in a registry: ``REGISTRY/repository:version``."""
    name = tag if ":" in tag.rsplit("/", 1)[-1] else f"{tag}:latest"
    return f"{registry.rstrip('/')}/{name}"
