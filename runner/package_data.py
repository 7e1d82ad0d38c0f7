"""The files runner ships inside its package (``runner/resources/``), read with ``importlib.resources``.

``image/``: the trainer image's Dockerfile, entrypoint and pip wrapper; ``jobs/``: the job templates
(training, evaluation, prediction); ``tutorial-scripts/``: the 2018 tutorial's entry scripts under their own
names, which ``runner local setup`` copies to ``blobfuse/scripts`` so the tutorial's job files run unmodified.
In a source checkout, ``images/trainer-gpu/``, ``jobs/`` and ``scripts/`` link to these files.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

DOCKERFILE = "image/Dockerfile"


def resource(path: str) -> Traversable:
    """A packaged file or folder by its path under ``runner/resources`` (e.g. ``image/Dockerfile``)."""
    found = files("runner") / "resources"
    for part in path.split("/"):
        found = found / part
    return found


def job_templates() -> dict[str, Traversable]:
    """The packaged job templates by file name."""
    return {item.name: item for item in resource("jobs").iterdir() if item.name.endswith(".json")}


def tutorial_scripts() -> dict[str, Traversable]:
    """The 2018 tutorial's entry scripts by file name."""
    return {item.name: item for item in resource("tutorial-scripts").iterdir() if item.name.endswith(".py")}
