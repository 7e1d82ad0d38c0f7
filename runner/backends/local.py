"""What the process and docker backends share: a plan per job, a supervisor that runs it, local logs.

``plan`` is pure given its inputs; ``submit`` starts ``python -m runner.supervise JOB_DIR`` detached, which
calls the backend's ``run`` (the edge) and records the end state under the record's lock.

The record always names a live process responsible for it: the submitting command until the supervisor's
identity is written (under the lock, before the supervisor can start anything), then the supervisor. Every read
(``refresh``, ``wait``, ``runner list``, ``runner logs --follow``) fails a job whose supervisor is gone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from abc import abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from runner.backends.base import BACKENDS, Backend, BackendError, backend_for
from runner.details import JobDetails, ProcessDetails
from runner.job_outputs import Mount, OutputFolder, output_folders
from runner.jobspec import JobSpec, JobSpecError
from runner.layout import JobPaths, LocalRoot, confine_on_host, job_environment, job_paths
from runner.procs import identify
from runner.store import JobRecord, load_current, record_lock, save_record, update_record
from runner.watch import follow_logs

CANCELLED_EXIT = 130
LOCAL_BACKENDS = ("process", "docker")


@dataclass(frozen=True)
class SubmitOptions:
    """What ``runner local submit`` was asked for, beyond the template."""

    gpus: str = "auto"
    image: str | None = None
    extra_args: str = ""
    dry_run: bool = False
    """Only describe the command: what cannot be inspected (e.g. no Docker engine) is assumed, and said so."""


@dataclass(frozen=True)
class LaunchPlan:
    """Everything one local job runs with: the command, the job's environment, its paths, the backend's details."""

    command: list[str]
    environment: dict[str, str]
    paths: JobPaths
    """Variables as the job sees them; stdouterr and output folders on this machine."""
    details: JobDetails = field(default_factory=ProcessDetails)
    notes: tuple[str, ...] = ()


class LocalBackend(Backend):
    """A job on this machine, run by a detached supervisor that keeps its record current."""

    def __init__(self) -> None:
        self._supervisor: subprocess.Popen[bytes] | None = None

    @abstractmethod
    def job_mount_root(self, local: LocalRoot) -> str:
        """``$AZ_BATCHAI_MOUNT_ROOT`` as the job sees it."""

    @abstractmethod
    def plan(self, spec: JobSpec, name: str, local: LocalRoot, options: SubmitOptions) -> LaunchPlan:
        """The launch plan of one job (raises ``BackendError`` for what cannot run here)."""

    @abstractmethod
    def describe(self, plan: LaunchPlan) -> str:
        """The exact command the plan runs (``--dry-run``)."""

    @abstractmethod
    def preflight(self, plan: LaunchPlan) -> None:
        """Check, before anything is written, that the job can start (raises ``BackendError``)."""

    @abstractmethod
    def run(self, directory: Path) -> int | None:
        """Start the job unless cancelled (under the record's lock), wait, and return its exit code.

        None means it never started: it was cancelled first.
        """

    @abstractmethod
    def stop(self, record: JobRecord) -> str | None:
        """Stop a started job's processes (only those proven to be its own); what was done, or None: nothing left."""

    def cleanup(self, record: JobRecord) -> None:
        """Release what the job held once its end is recorded."""

    def paths(self, spec: JobSpec, name: str, local: LocalRoot, gpus: int = 0) -> JobPaths:
        """Batch AI's variables as the job sees them (one job id), its folders on this machine.

        Raises:
            BackendError: A path that leads out of the mount root through a symbolic link.
        """
        paths = job_paths(spec, name, self.job_mount_root(local), gpus=gpus).on_host(local.mounts)
        try:
            confine_on_host(spec, paths, local.mounts)
        except JobSpecError as exc:
            raise BackendError(str(exc), exc.hint) from None
        return paths

    def plan_for(
        self,
        spec: JobSpec,
        paths: JobPaths,
        command: list[str],
        details: JobDetails | None = None,
        notes: tuple[str, ...] = (),
    ) -> LaunchPlan:
        """A plan with the job's environment from the template (for subclasses)."""
        environment = job_environment(spec, paths.variables)
        return LaunchPlan(command, environment, paths, details or ProcessDetails(), notes)

    def bind_mounts(self, record: JobRecord) -> list[Mount]:
        """How the job's paths map onto this machine's (none: the job sees this machine's paths)."""
        return []

    def submit(self, directory: Path, record: JobRecord) -> JobRecord:
        """Save the record (queued) and start its supervisor detached.

        Raises:
            OSError: The record could not be written (a full disk): no supervisor is left running.
        """
        record.supervisor = identify(os.getpid())
        save_record(directory, record)
        with record_lock(directory):  # the supervisor waits for it before it starts anything
            self._supervisor = subprocess.Popen(
                [sys.executable, "-m", "runner.supervise", str(directory)],
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            record.supervisor = identify(self._supervisor.pid)
            try:
                save_record(directory, record)
            except OSError:
                self._supervisor.kill()  # our own child, still blocked on the lock: it has started nothing
                self._supervisor.wait()
                raise
        return record

    def refresh(self, directory: Path, record: JobRecord) -> JobRecord:
        """The record as it is now; a job whose supervisor is gone is failed, with the reason."""
        return load_current(directory)

    def wait(self, directory: Path, console: Console) -> int:
        """Print stdout and stderr live until the job ends; its exit code (130: Ctrl+C stopped the waiting only)."""
        if not follow_logs(directory, stderr=False, follow=True, both=True, console=console):
            return CANCELLED_EXIT
        if self._supervisor is not None:
            self._supervisor.wait()
        code = load_current(directory).exit_code
        return 1 if code is None else code

    def cancel(self, directory: Path, record: JobRecord) -> str | None:
        """Mark cancelled under the lock (a queued job then never starts); stop it if it has started."""
        with update_record(directory) as current:
            current.cancelled = True
            started = current.pid is not None or current.container is not None
            snapshot = current.model_copy()
        if started and not snapshot.ended:
            return self.stop(snapshot)
        return None

    def stop_leftovers(self, directory: Path, record: JobRecord) -> str | None:
        """What a job that ended without its supervisor left running, stopped (only processes proven its own)."""
        if record.pid is None and record.container is None:
            return None
        return self.stop(record)

    def logs(self, directory: Path, record: JobRecord, *, stderr: bool, follow: bool, console: Console) -> None:
        """Print stdout.txt / stderr.txt (written live by the supervisor)."""
        follow_logs(directory, stderr=stderr, follow=follow, console=console)

    def output_folders(self, record: JobRecord) -> list[OutputFolder]:
        """Output directories, then the folders given to ``--model-dir`` / ``--output-dir``, on this machine."""
        return output_folders(record, self.bind_mounts(record))


def local_backend(name: str) -> LocalBackend:
    """The backend called ``name``, which must run jobs on this machine.

    Raises:
        BackendError: No such backend, or one that does not run on this machine.
    """
    backend = backend_for(name) if name in BACKENDS else None
    if not isinstance(backend, LocalBackend):
        raise BackendError(f"--backend {name!r} is not known", f"use {' or '.join(LOCAL_BACKENDS)}")
    return backend
