"""``runner build``: build the trainer image (CUDA + OpenMPI + landcover) through the Docker SDK."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from runner.backends.docker import docker_client
from runner.errors import fail

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = "images/trainer-gpu/Dockerfile"
DEFAULT_TAG = "landcover-runner/trainer-gpu:latest"


def build(
    tag: Annotated[str, typer.Option(help="Image tag.", metavar="TAG")] = DEFAULT_TAG,
    push: Annotated[
        str | None,
        typer.Option(
            "--push", help="Also push to this registry (e.g. myacr.azurecr.io) for the cluster.", metavar="REGISTRY"
        ),
    ] = None,
) -> None:
    """Build the image from images/trainer-gpu/Dockerfile, showing the build's progress; optionally push it.

    Examples:
      runner build
      runner build --push myacr.azurecr.io
    """
    console = Console()
    try:
        client = docker_client()
    except RuntimeError as exc:
        fail(f"runner build: {exc}", "install and start Docker (https://docs.docker.com/engine/install/)")
    with console.status(f"building {tag}"):
        for chunk in client.api.build(path=str(REPO), dockerfile=DOCKERFILE, tag=tag, rm=True, decode=True):
            if "error" in chunk:
                fail(f"image build failed: {chunk['error'].strip()}", f"see {DOCKERFILE}")
            text = chunk.get("stream", "").rstrip()
            if text:
                console.print(text, markup=False, highlight=False)
    console.print(f"built {tag}")
    if push:
        remote = pushed_name(push, tag)
        client.images.get(tag).tag(remote)
        repository, _, version = remote.rpartition(":")
        with console.status(f"pushing {remote}"):
            for chunk in client.images.push(repository, tag=version, stream=True, decode=True):
                if "error" in chunk:
                    fail(f"push to {push} failed: {chunk['error'].strip()}", f"log in first: az acr login -n {push}")
        console.print(f"pushed {remote}; `runner cloud configure --registry {push}` makes it the cloud default")


def pushed_name(registry: str, tag: str) -> str:
    """The image's name in a registry: ``REGISTRY/repository:version``."""
    name = tag if ":" in tag.rsplit("/", 1)[-1] else f"{tag}:latest"
    return f"{registry.rstrip('/')}/{name}"
