"""Job records: one small JSON file per job, read-modify-written under a lock.

Every writer after submission (the supervisor, ``runner cancel``, a cloud refresh) goes through
``update_record``, so a cancel and the supervisor's end-of-job write never overwrite each other. A record
holds only what the job was given (Batch AI's variables and the template's), never the caller's environment.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RECORD = "record.json"
LOCK = ".record.lock"
ENDED = ("succeeded", "failed")


def now() -> str:
    """The current UTC time, ISO 8601."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class JobRecord:
    """What the runner knows about one job."""

    name: str
    backend: str
    state: str
    command: list[str]
    stdout: str
    stderr: str
    outputs: dict[str, str] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)
    created: str = field(default_factory=now)
    started: str | None = None
    finished: str | None = None
    exit_code: int | None = None
    pid: int | None = None
    container: str | None = None
    cancelled: bool = False
    error: str | None = None
    spec_file: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ended(self) -> bool:
        """Whether the job has reached a final state."""
        return self.state in ENDED


def save_record(directory: Path, record: JobRecord) -> None:
    """Write a job record atomically (temp file + rename)."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix=".record.", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(dataclasses.asdict(record), handle, indent=2)
    os.replace(name, directory / RECORD)


def load_record(directory: Path) -> JobRecord:
    """Read a job record."""
    data = json.loads((directory / RECORD).read_text())
    return JobRecord(**data)


@contextlib.contextmanager
def update_record(directory: Path) -> Iterator[JobRecord]:
    """Read the record under an exclusive lock, let the caller change it, write it back atomically."""
    with open(directory / LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        record = load_record(directory)
        yield record
        save_record(directory, record)


def list_records(jobs: Path) -> list[JobRecord]:
    """Every job record under a jobs folder, oldest first."""
    records = [load_record(d) for d in jobs.iterdir() if (d / RECORD).is_file()] if jobs.is_dir() else []
    return sorted(records, key=lambda r: r.created)
