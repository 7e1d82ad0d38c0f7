"""Job records: one small JSON file per job, read-modify-written under a lock.

Every writer after submission (the supervisor, ``runner cancel``, a cloud refresh) goes through
``update_record``, so a cancel and the supervisor's end-of-job write never overwrite each other. A record
holds only what the job was given (Batch AI's variables and the template's), never the caller's environment.

A record carries ``format_version``; ``load_record`` upgrades older records (``upgrade``) before validating
them, so jobs recorded by an earlier runner stay visible to ``runner list|show|logs|files``.

A local job's record names its supervisor and its process by identity (pid, start time, boot id:
``runner.procs``). ``load_current`` reads a record and checks that a job it calls queued or running still has
its supervisor; one whose supervisor is gone without recording the end is failed, with the reason.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from clibase.atomic import write_text_atomic
from runner.details import JobDetails, ProcessDetails
from runner.errors import RunnerError
from runner.procs import ProcessIdentity, boot_id, is_alive

RECORD = "record.json"
LOCK = ".record.lock"
FORMAT_VERSION = 3
"""1: runner 0.1.0 (no ``format_version`` key, untyped ``details``); 2: typed details per backend; 3: the
supervisor and the job's process recorded by identity (pid, start time, boot id)."""


class JobState(StrEnum):
    """A job's executionState, as Batch AI named them."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def ended(self) -> bool:
        """Whether this is a final state."""
        return self in (JobState.SUCCEEDED, JobState.FAILED)


class RecordError(RunnerError):
    """A job record that cannot be read (corrupt, or written by a newer runner)."""

    hint = "remove the job's folder, or read it with the runner that wrote it"


def now() -> str:
    """The current UTC time, ISO 8601."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class JobRecord(BaseModel):
    """What the runner knows about one job."""

    model_config = ConfigDict(validate_assignment=True)

    format_version: int = FORMAT_VERSION
    name: str
    backend: str
    state: JobState
    command: list[str]
    stdout: str
    stderr: str
    outputs: dict[str, str] = Field(default_factory=dict)
    environment: dict[str, str] = Field(default_factory=dict)
    created: str = Field(default_factory=now)
    started: str | None = None
    finished: str | None = None
    exit_code: int | None = None
    pid: int | None = Field(default=None, gt=0)
    """The job's process (mpirun, or the command itself); ``process`` names it for good."""
    supervisor: ProcessIdentity | None = None
    """The process that keeps this record current (``runner.supervise``; the submitting command until it starts)."""
    process: ProcessIdentity | None = None
    """The job's process group leader, as started."""
    container: str | None = None
    cancelled: bool = False
    error: str | None = None
    spec_file: str = ""
    details: JobDetails = Field(default_factory=ProcessDetails)

    @model_validator(mode="before")
    @classmethod
    def _details_name_their_backend(cls, data: Any) -> Any:
        """Details given as a mapping without ``backend`` belong to the record's backend."""
        if isinstance(data, dict):
            details = data.get("details")
            if details is None or (isinstance(details, dict) and "backend" not in details):
                data = {**data, "details": {**(details or {}), "backend": data.get("backend")}}
        return data

    @property
    def ended(self) -> bool:
        """Whether the job has reached a final state."""
        return self.state.ended


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """A record as read from JSON, brought to ``FORMAT_VERSION`` (one step per version).

    Raises:
        RecordError: The record is from a newer runner.
    """
    version = data.get("format_version", 1)
    if version > FORMAT_VERSION:
        raise RecordError(f"format version {version} is newer than this runner's ({FORMAT_VERSION}); upgrade runner")
    if version == 1:
        # 1 -> 2: details become the backend's typed model (same keys; the discriminator added).
        details = dict(data.get("details") or {})
        details["backend"] = data.get("backend")
        data = {**data, "details": details, "format_version": 2}
    if version <= 2:
        # 2 -> 3: the identities are new fields; a pid recorded without one is never signalled.
        data = {**data, "format_version": 3}
    return data


def save_record(directory: Path, record: JobRecord) -> None:
    """Write a job record atomically (temporary file, fsync, rename, fsync of the folder)."""
    write_text_atomic(directory / RECORD, record.model_dump_json(indent=2))


def load_record(directory: Path) -> JobRecord:
    """Read a job record, upgrading one written by an earlier runner.

    Raises:
        RecordError: One line naming the record file and what is wrong with it.
    """
    path = directory / RECORD
    try:
        data = json.loads(path.read_text())
        if not isinstance(data, dict):
            raise RecordError(f"a JSON {type(data).__name__}, not an object")
        return JobRecord.model_validate(upgrade(data))
    except OSError as exc:
        raise RecordError(f"{path}: cannot read the job record ({exc.strerror or exc})") from exc
    except (json.JSONDecodeError, UnicodeDecodeError, ValidationError, RecordError) as exc:
        reason = str(exc).splitlines()[0] if not isinstance(exc, ValidationError) else f"{exc.error_count()} bad fields"
        raise RecordError(f"{path}: not a readable job record ({reason})") from exc


@contextlib.contextmanager
def record_lock(directory: Path) -> Iterator[None]:
    """Hold the record's exclusive lock (every writer takes it)."""
    with open(directory / LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@contextlib.contextmanager
def update_record(directory: Path) -> Iterator[JobRecord]:
    """Read the record under an exclusive lock, let the caller change it, write it back atomically."""
    with record_lock(directory):
        record = load_record(directory)
        yield record
        save_record(directory, record)


def lost_supervisor(record: JobRecord) -> str | None:
    """Why a job that has not ended will never record its end (its supervisor is gone), or None."""
    supervisor = record.supervisor
    if record.ended or supervisor is None or is_alive(supervisor):
        return None
    restarted = " (the machine restarted since)" if supervisor.boot_id != boot_id() else ""
    return f"supervisor pid {supervisor.pid} is gone{restarted}: the job's end was never recorded"


def load_current(directory: Path) -> JobRecord:
    """A job's record, with a job whose supervisor is gone marked failed (saved when the disk allows).

    Raises:
        RecordError: The record cannot be read.
    """
    record = load_record(directory)
    if lost_supervisor(record) is None:
        return record
    with contextlib.suppress(OSError), record_lock(directory):
        record = load_record(directory)  # again under the lock: the supervisor may have just written the end
        reason = lost_supervisor(record)
        if reason is None:
            return record
        record.state, record.error, record.finished = JobState.FAILED, reason, record.finished or now()
        save_record(directory, record)
        return record
    reason = lost_supervisor(record)  # the disk refused the write: the truth, shown though not saved
    if reason is not None:
        record.state, record.error = JobState.FAILED, reason
    return record


def list_records(jobs: Path) -> list[JobRecord]:
    """Every job record under a jobs folder, oldest first."""
    records = [load_current(d) for d in jobs.iterdir() if (d / RECORD).is_file()] if jobs.is_dir() else []
    return sorted(records, key=lambda r: r.created)
