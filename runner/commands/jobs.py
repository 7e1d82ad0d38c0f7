"""Finding a job's record by name, for the job verbs (show, list, logs, files, cancel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runner.errors import fail
from runner.layout import LocalRoot, default_root
from runner.store import RECORD, JobRecord


def job_directory(name: str, root: Path | None) -> Path:
    """The record folder of a job, or a one-line error naming the job."""
    local = LocalRoot(root or default_root())
    directory = local.job_dir(name)
    if "/" in name or ".." in name or not (directory / RECORD).is_file():
        fail(f"no job named {name!r} under {local.root}", "see `runner list`")
    return directory


def cloud_client(record: JobRecord) -> Any:
    """The MLClient of the workspace a cloud job was submitted to."""
    from runner.backends.azureml import ml_client

    if record.backend != "azureml":
        fail(f"job {record.name!r} ran locally ({record.backend})", "this verb is for cloud jobs")
    details = record.details
    return ml_client(details["subscription_id"], details["resource_group"], details["workspace"])


def current_record(name: str, root: Path | None) -> tuple[Path, JobRecord]:
    """A job's folder and record, its state refreshed from Azure ML for cloud jobs."""
    from runner.backends.azureml import execution_state
    from runner.commands.cloud.options import call_azure
    from runner.store import load_record, save_record

    directory = job_directory(name, root)
    record = load_record(directory)
    if record.backend != "azureml":
        return directory, record
    job = call_azure(cloud_client(record).jobs.get, record.details["azure_name"])
    record.state = execution_state(getattr(job, "status", None))
    save_record(directory, record)
    return directory, record
