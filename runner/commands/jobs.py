"""Finding a job's record by name, for the job verbs (show, list, logs, files, cancel)."""

from __future__ import annotations

from pathlib import Path

from runner.errors import fail
from runner.layout import LocalRoot, default_root
from runner.store import RECORD


def job_directory(name: str, root: Path | None) -> Path:
    """The record folder of a job, or a one-line error naming the job."""
    local = LocalRoot(root or default_root())
    directory = local.job_dir(name)
    if "/" in name or ".." in name or not (directory / RECORD).is_file():
        fail(f"no job named {name!r} under {local.root}", "see `runner list`")
    return directory
