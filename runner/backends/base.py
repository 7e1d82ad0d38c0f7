"""The one Backend interface: every job verb (submit, wait, cancel, logs, files, show, download) goes through it.

Like raster-vision's runners, each backend is one class behind one contract; a verb finds the backend of a
job with ``backend_for(record.backend)`` and never branches on its name. Backends raise ``BackendError``
(a ``RunnerError``: one line and its fix) and never print an error or exit: ``runner.cli`` does that.
``LocalBackend`` (process, docker, in ``runner.backends.local``) adds what a job on this machine needs.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from rich.console import Console

from runner.errors import RunnerError
from runner.job_outputs import OutputFolder, job_files, sized
from runner.store import JobRecord

BACKENDS = {
    "process": "runner.backends.process:ProcessBackend",
    "docker": "runner.backends.docker:DockerBackend",
    "azureml": "runner.backends.azureml.backend:AzureMLBackend",
    "slurm": "runner.backends.slurm.backend:SlurmBackend",
}


class BackendError(RunnerError):
    """What a backend cannot do; ``message`` and ``hint`` make the one-line error the command prints."""


@dataclass(frozen=True)
class JobOutput:
    """One output directory of a job: where it is and, for local jobs, its files with their sizes."""

    location: str
    files: list[tuple[str, int | None]] = field(default_factory=list)
    """Paths relative to ``location`` with their sizes (None: a broken link, or a file gone since listed)."""
    listed: bool = True
    others: int = 0
    """Files in a folder shared by several jobs (``--model-dir``) that other jobs wrote."""


class Backend(ABC):
    """A place jobs run: this machine's processes, a container, or Azure ML."""

    name: ClassVar[str]

    @abstractmethod
    def submit(self, directory: Path, record: JobRecord) -> JobRecord:
        """Start the job ``record`` describes (its typed ``details`` hold what the backend needs); saved record."""

    @abstractmethod
    def wait(self, directory: Path, console: Console) -> int:
        """Stream the job's log until it ends; return its exit code."""

    @abstractmethod
    def cancel(self, directory: Path, record: JobRecord) -> str | None:
        """Stop the job, queued or running; its state becomes failed (cancelled), its logs stay.

        Returns:
            A line saying what was signalled (or why nothing was), or None.
        """

    def stop_leftovers(self, directory: Path, record: JobRecord) -> str | None:
        """For a job already ended: stop what it left running (None: nothing, the default)."""
        return None

    @abstractmethod
    def logs(self, directory: Path, record: JobRecord, *, stderr: bool, follow: bool, console: Console) -> None:
        """Print the job's stdout (or stderr); with ``follow`` until the job ends."""

    def files(self, record: JobRecord) -> dict[str, JobOutput]:
        """Each output folder (``output_folders``) with its files, for jobs that write on this machine."""
        found = {}
        for folder in self.output_folders(record):
            paths, others = job_files(folder, record.started)
            found[folder.key] = JobOutput(folder.path, sized(paths, folder.path), others=others)
        return found

    def output_folders(self, record: JobRecord) -> list[OutputFolder]:
        """The folders the job writes to, by id (``runner show``): its output directories."""
        return [OutputFolder(key, path, shared=False) for key, path in record.outputs.items()]

    def download(self, record: JobRecord, target: Path, output: str | None = None) -> None:
        """Fetch the job's outputs (all, or the one named ``output``) into ``target``.

        Raises:
            BackendError: The backend's jobs write on this machine: nothing to download.
        """
        hint = f"its files are already here: `runner files {record.name}`"
        raise BackendError(f"job {record.name!r} ran locally ({record.backend})", hint)

    def refresh(self, directory: Path, record: JobRecord) -> JobRecord:
        """The record with its state brought up to date (a no-op where the supervisor keeps it current)."""
        return record


def backend_for(name: str) -> Backend:
    """The backend called ``name`` (imported on demand: the cloud SDKs are slow to import).

    Raises:
        BackendError: No such backend.
    """
    if name not in BACKENDS:
        raise BackendError(f"no backend named {name!r}", f"known: {', '.join(BACKENDS)}")
    module, _, cls = BACKENDS[name].partition(":")
    backend: Backend = getattr(importlib.import_module(module), cls)()
    return backend
