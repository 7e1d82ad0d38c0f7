"""Azure ML behind the Backend interface: jobs live in the workspace; the record names them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from runner.backends.base import Backend, JobOutput
from runner.store import JobRecord, save_record, update_record


def record_client(record: JobRecord) -> Any:
    """The MLClient of the workspace a cloud job was submitted to."""
    from runner.backends.azureml import ml_client

    details = record.details
    return ml_client(details["subscription_id"], details["resource_group"], details["workspace"])


def _call(action: Any, *args: Any, **kwargs: Any) -> Any:
    from runner.commands.cloud.options import call_azure

    return call_azure(action, *args, **kwargs)


class AzureMLBackend(Backend):
    """An Azure ML command job; every verb goes through ``MLClient.jobs``."""

    name = "azureml"

    def submit(self, directory: Path, record: JobRecord, payload: Any = None) -> JobRecord:
        """Create the job (``payload`` is the azure-ai-ml ``CommandJob``), then save its record."""
        created = _call(record_client(record).jobs.create_or_update, payload)
        record.details["azure_name"] = created.name
        record.details["studio_url"] = getattr(created, "studio_url", None)
        save_record(directory, record)
        return record

    def wait(self, directory: Path, console: Console) -> int:
        """Stream the job's log until it ends; 0 when it succeeded."""
        record = self.refresh(directory, _load(directory))
        _call(record_client(record).jobs.stream, record.details["azure_name"])
        return 0 if self.refresh(directory, record).state == "succeeded" else 1

    def refresh(self, directory: Path, record: JobRecord) -> JobRecord:
        """The job's state from Azure ML."""
        from runner.backends.azureml import execution_state

        job = _call(record_client(record).jobs.get, record.details["azure_name"])
        with update_record(directory) as current:
            current.state = execution_state(getattr(job, "status", None))
        return current

    def cancel(self, directory: Path, record: JobRecord) -> None:
        """Ask Azure ML to cancel the job."""
        with update_record(directory) as current:
            current.cancelled = True
        _call(record_client(record).jobs.begin_cancel, record.details["azure_name"])

    def logs(self, directory: Path, record: JobRecord, *, stderr: bool, follow: bool, console: Console) -> None:
        """Azure ML's log stream (it follows until the job ends)."""
        try:
            _call(record_client(record).jobs.stream, record.details["azure_name"])
        except KeyboardInterrupt:
            console.print(f"\nstopped following; the job keeps running (`runner show {record.name}`)")

    def files(self, record: JobRecord) -> dict[str, JobOutput]:
        """The job's named outputs on the datastore (``runner cloud download`` fetches them)."""
        job = _call(record_client(record).jobs.get, record.details["azure_name"])
        outputs = job.outputs or {}
        return {key: JobOutput(str(getattr(value, "path", value)), listed=False) for key, value in outputs.items()}


def _load(directory: Path) -> JobRecord:
    from runner.store import load_record

    return load_record(directory)
