"""Finding a job and its backend by name, for the job verbs (show, list, logs, files, cancel)."""

from __future__ import annotations

from pathlib import Path

from runner.backends.base import Backend, backend_for
from runner.errors import fail
from runner.layout import LocalRoot, default_root
from runner.store import RECORD, JobRecord, load_record


def job_directory(name: str, root: Path | None) -> Path:
    """The record folder of a job, or a one-line error naming the job."""
    local = LocalRoot(root or default_root())
    directory = local.job_dir(name)
    if "/" in name or ".." in name or not (directory / RECORD).is_file():
        fail(f"no job named {name!r} under {local.root}", "see `runner list`")
    return directory


def find_job(name: str, root: Path | None) -> tuple[Path, JobRecord, Backend]:
    """A job's folder, its record (state brought up to date) and its backend."""
    directory = job_directory(name, root)
    record = load_record(directory)
    backend = backend_for(record.backend)
    return directory, backend.refresh(directory, record), backend
