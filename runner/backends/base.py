"""The one Backend interface: every job verb (submit, wait, cancel, logs, files, show) goes through it.

Like raster-vision's runners, each backend is one class behind one contract; a verb finds the backend of a
job with ``backend_for(record.backend)`` and never branches on its name. ``LocalBackend`` (process, docker)
adds what a job on this machine needs: a launch plan (pure), a dry-run description, a preflight check, and
the supervised run (``python -m runner.supervise``) that keeps the record current.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from rich.console import Console

from runner.store import JobRecord

BACKENDS = {
    "process": "runner.backends.process:ProcessBackend",
    "docker": "runner.backends.docker:DockerBackend",
    "azureml": "runner.backends.azureml_backend:AzureMLBackend",
    "slurm": "runner.backends.slurm.backend:SlurmBackend",
}
LOCAL_BACKENDS = ("process", "docker")


class LaunchError(RuntimeError):
    """A job cannot start; ``message`` and ``hint`` make the one-line error."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint

    @property
    def line(self) -> str:
        """The error as one line: what is wrong (how to fix it)."""
        return f"{self.message} ({self.hint})" if self.hint else self.message


@dataclass(frozen=True)
class JobOutput:
    """One output directory of a job: where it is and, for local jobs, its files with their sizes."""

    location: str
    files: list[tuple[str, int]] = field(default_factory=list)
    listed: bool = True
    others: int = 0
    """Files in a folder shared by several jobs (``--model-dir``) that other jobs wrote."""


class Backend(ABC):
    """A place jobs run: this machine's processes, a container, or Azure ML."""

    name: ClassVar[str]

    @abstractmethod
    def submit(self, directory: Path, record: JobRecord, payload: Any = None) -> JobRecord:
        """Start the job described by ``record`` (and the backend's ``payload``); return the saved record."""

    @abstractmethod
    def wait(self, directory: Path, console: Console) -> int:
        """Stream the job's log until it ends; return its exit code."""

    @abstractmethod
    def cancel(self, directory: Path, record: JobRecord) -> None:
        """Stop the job, queued or running; its state becomes failed (cancelled), its logs stay."""

    @abstractmethod
    def logs(self, directory: Path, record: JobRecord, *, stderr: bool, follow: bool, console: Console) -> None:
        """Print the job's stdout (or stderr); with ``follow`` until the job ends."""

    @abstractmethod
    def files(self, record: JobRecord) -> dict[str, JobOutput]:
        """The job's output directories by id."""

    def refresh(self, directory: Path, record: JobRecord) -> JobRecord:
        """The record with its state brought up to date (a no-op where the supervisor keeps it current)."""
        return record


def backend_for(name: str) -> Backend:
    """The backend called ``name`` (imported on demand: the cloud SDKs are slow to import).

    Raises:
        KeyError: No such backend.
    """
    module, _, cls = BACKENDS[name].partition(":")
    backend: Backend = getattr(importlib.import_module(module), cls)()
    return backend
