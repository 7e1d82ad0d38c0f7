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
    tag: Annotated[str, typer.Option(help="Image tag.")] = DEFAULT_TAG,
) -> None:
    """Build the image from images/trainer-gpu/Dockerfile, showing the build's progress."""
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
