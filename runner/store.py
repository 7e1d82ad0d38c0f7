"""Job records: one small JSON file per job, the one interface every backend and job verb uses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RECORD = "record.json"


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
    spec_file: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def save_record(directory: Path, record: JobRecord) -> None:
    """Write a job record atomically."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix=".record.", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(dataclasses.asdict(record), handle, indent=2)
    os.replace(name, directory / RECORD)


def load_record(directory: Path) -> JobRecord:
    """Read a job record."""
    data = json.loads((directory / RECORD).read_text())
    return JobRecord(**data)


def list_records(jobs: Path) -> list[JobRecord]:
    """Every job record under a jobs folder, oldest first."""
    records = [load_record(d) for d in jobs.iterdir() if (d / RECORD).is_file()] if jobs.is_dir() else []
    return sorted(records, key=lambda r: r.created)
