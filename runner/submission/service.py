"""The one submit: name, root, plan, dry run, folders and logs, record, start, announce, wait.

A backend's part is a ``Submission``: ``plan`` makes a ``JobPlan`` from the template (raising ``RunnerError``
for what cannot run), ``start`` hands the record to the backend. Every error is a ``RunnerError``: the CLI
prints it as one line (exit 2). Nothing is left behind when a submit fails: the folders it created are removed.
"""

from __future__ import annotations

import datetime as dt
import shutil
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from rich.console import Console

from runner.backends.base import Backend
from runner.details import JobDetails
from runner.errors import RunnerError
from runner.jobspec import JobSpec
from runner.layout import LocalRoot, check_job_name, default_root, first_missing
from runner.store import JobRecord, JobState, load_record


class SubmitError(RunnerError):
    """A job that cannot be submitted: its name is taken, there is no local root, or it cannot be written."""


@dataclass(frozen=True)
class JobPlan:
    """What a backend made of one template: the record's fields, what it writes with the logs, its dry run."""

    command: list[str]
    outputs: dict[str, str]
    environment: dict[str, str]
    details: JobDetails
    preview: str
    """The dry run's text (printed as it is)."""
    stdouterr: Path | None = None
    """The job's log folder on this machine (None: the backend keeps the logs)."""
    files: dict[Path, str] = field(default_factory=dict)
    """Files written once the folders exist (a hostfile, an sbatch script)."""
    job: Any = None
    """What the backend submits, built once (the Azure ML job), or None: it starts from the record."""


class Submission(ABC):
    """One backend's part of a submit; the rest is ``submit``'s."""

    setup_hint: ClassVar[str | None] = None
    """The hint when the root has no ``mounts/``; None: the job needs no local root (checked after the dry run)."""
    exists_hint: ClassVar[str] = "choose another --name, or see it with `runner show`"

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.console = Console()
        self.notes = Console(stderr=True, highlight=False, soft_wrap=True)

    def local_root(self, root: Path | None) -> LocalRoot:
        """The local root the job's record (and folders) go under."""
        return LocalRoot(root or default_root())

    @abstractmethod
    def plan(self, spec: JobSpec, name: str, local: LocalRoot) -> JobPlan:
        """The job's plan (raises ``RunnerError`` for what cannot run)."""

    def preview(self, plan: JobPlan) -> None:
        """Print the dry run."""
        self.console.print(plan.preview, soft_wrap=True, markup=False, highlight=False, end="")

    def ready(self) -> None:  # noqa: B027 (a hook: most backends need nothing more)
        """Check, after the dry run and before anything is written, what only a real submit needs."""

    def start(self, directory: Path, record: JobRecord, plan: JobPlan) -> JobRecord:
        """Hand the job to the backend; the saved record."""
        return self.backend.submit(directory, record)

    def where(self, record: JobRecord) -> str:
        """Where the job runs, for the submitted / running line."""
        return self.backend.name

    def announce(self, record: JobRecord, wait: bool) -> None:
        """Say the job was submitted (or is running, when the command waits for it)."""
        if wait:
            self.console.print(f"running {record.name} ({self.where(record)})")
        else:
            self.console.print(
                f"submitted {record.name} ({self.where(record)}); follow it with `runner logs {record.name} --follow`"
            )

    def follow(self, directory: Path, record: JobRecord) -> int:
        """Stream the job's logs until it ends; its exit code (a runner-recorded error is raised)."""
        code = self.backend.wait(directory, self.notes)
        error = load_record(directory).error
        if error:
            raise SubmitError(f"{record.name}: {error}")
        return code


def default_name(job_file: Path) -> str:
    """The template's name and the time: ``training-job-20261206-214500``."""
    return f"{job_file.stem.replace('_', '-')}-{dt.datetime.now():%Y%m%d-%H%M%S}"


def _free(directory: Path, name: str, hint: str) -> None:
    if directory.exists():
        raise SubmitError(f"job {name!r} already exists", hint)


def submit(
    part: Submission, job_file: Path, spec: JobSpec, name: str | None, root: Path | None, *, dry_run: bool, wait: bool
) -> int:
    """Submit the job (or print its dry run); the exit code the command ends with.

    Raises:
        RunnerError: A bad name, no local root, a name taken, a plan that cannot run, or a job not written.
    """
    name = check_job_name(default_name(job_file) if name is None else name)
    local = part.local_root(root)
    directory = local.job_dir(name)
    if part.setup_hint is not None:
        if not local.mounts.is_dir():
            raise SubmitError(f"{local.root}: no local root", part.setup_hint)
        _free(directory, name, part.exists_hint)
    plan = part.plan(spec, name, local)
    if dry_run:
        part.preview(plan)
        return 0
    if part.setup_hint is None:
        _free(directory, name, part.exists_hint)
    part.ready()
    logs = plan.stdouterr
    record = JobRecord(
        name=name,
        backend=part.backend.name,
        state=JobState.QUEUED,
        command=plan.command,
        stdout=str(logs / "stdout.txt") if logs else "",
        stderr=str(logs / "stderr.txt") if logs else "",
        outputs=dict(plan.outputs),
        environment=plan.environment,
        spec_file=str(job_file.resolve()),
        details=plan.details,
    )
    record = _create(part, directory, record, plan)
    part.announce(record, wait)
    return part.follow(directory, record) if wait else 0


def _create(part: Submission, directory: Path, record: JobRecord, plan: JobPlan) -> JobRecord:
    """Create the job's folders, logs and files, and start it; on failure remove the folders this call created."""
    folders = [directory] + (
        [plan.stdouterr, *(Path(folder) for folder in plan.outputs.values())] if plan.stdouterr else []
    )
    created = [first_missing(folder) for folder in folders]
    try:
        if plan.stdouterr:
            for folder in folders:
                folder.mkdir(parents=True, exist_ok=True)
            for path, text in plan.files.items():
                path.write_text(text)
            Path(record.stdout).touch()
            Path(record.stderr).touch()
        return part.start(directory, record, plan)
    except (OSError, RunnerError) as exc:
        for new in created:
            if new is not None:
                shutil.rmtree(new, ignore_errors=True)
        if isinstance(exc, RunnerError):
            raise
        raise SubmitError(
            f"{exc.filename or directory}: cannot write the job ({exc.strerror or exc}); nothing was submitted",
            "free space there, or pass another --root",
        ) from None
