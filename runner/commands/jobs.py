"""Finding a job and its backend by name, for the job verbs (show, list, logs, files, cancel, download).

A ``RunnerError`` (a backend's, a record's) goes up to ``runner.cli``, the one place that prints it as one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from runner.backends.base import Backend, backend_for
from runner.commands.report import fail
from runner.layout import LocalRoot, default_root
from runner.store import RECORD, JobRecord, load_record

NameArgument = Annotated[str, typer.Argument(help="Job name (see runner list).", metavar="NAME")]
"""The job a job verb acts on."""
RootOption = Annotated[
    Path | None, typer.Option(help="Local root \\[default: $RUNNER_HOME or ./.runner].", metavar="DIR")
]
"""The local root its record is under."""


def open_root(root: Path | None) -> LocalRoot:
    """The local root of ``--root`` (or the default), or a one-line error when it cannot be one.

    A root given with ``--root`` must be a folder that exists (a typo is an error, not an empty listing);
    the default root may be missing (no job was run here yet).
    """
    local = LocalRoot(root or default_root())
    if local.root.exists() and not local.root.is_dir():
        fail(f"{local.root}: not a folder", "pass the local root folder with --root (see `runner local setup`)")
    if root is not None and not local.root.exists():
        fail(f"{local.root}: no such local root", "check --root, or create it with `runner local setup --root DIR`")
    if local.jobs.exists() and not local.jobs.is_dir():
        fail(f"{local.jobs}: not a folder", "the local root's jobs/ must be a folder; move the file away")
    return local


def job_directory(name: str, root: Path | None) -> Path:
    """The record folder of a job, or a one-line error naming the job."""
    local = open_root(root)
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
