"""Azure ML behind the Backend interface: jobs live in the workspace; the record names them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from runner.backends.azureml import client
from runner.backends.azureml.translate import build_job, execution_state
from runner.backends.base import Backend, BackendError, JobOutput
from runner.details import AzureMLDetails
from runner.jobspec import JobSpecError, load_job
from runner.store import JobRecord, JobState, load_record, save_record, update_record


def _details(record: JobRecord) -> AzureMLDetails:
    if not isinstance(record.details, AzureMLDetails):
        raise BackendError(f"job {record.name!r} has no Azure ML details in its record", "submit it again")
    return record.details


def _azure_name(record: JobRecord) -> str:
    details = _details(record)
    if not details.azure_name:
        raise BackendError(f"job {record.name!r} never reached Azure ML", "submit it again")
    return details.azure_name


class AzureMLBackend(Backend):
    """An Azure ML command job; every verb goes through ``MLClient.jobs``."""

    name = "azureml"

    def submit(self, directory: Path, record: JobRecord) -> JobRecord:
        """Translate the record's job template (``spec_file``) for its workspace, create it, save the record."""
        details = _details(record)
        if not (details.image and details.compute):
            raise BackendError(f"job {record.name!r} names no image or compute cluster", "pass --image and --compute")
        try:
            job = build_job(
                load_job(record.spec_file),
                name=record.name,
                image=details.image,
                compute=details.compute,
                datastore=details.datastore,
                extra_args=details.extra_args,
            )
        except JobSpecError as exc:
            hint = "keep job paths under $AZ_BATCHAI_MOUNT_ROOT/blobfuse"
            raise BackendError(f"{record.spec_file}: {exc}", hint) from exc
        return self.create(directory, record, job)

    def create(self, directory: Path, record: JobRecord, job: Any) -> JobRecord:
        """Create the Azure ML ``job`` (built from the record's template) in its workspace; save the record."""
        details = _details(record)
        created = client.call(client.workspace_client(details).jobs.create_or_update, job)
        record.details = details.model_copy(
            update={"azure_name": created.name, "studio_url": getattr(created, "studio_url", None)}
        )
        save_record(directory, record)
        return record

    def wait(self, directory: Path, console: Console) -> int:
        """Stream the job's log until it ends; 0 when it succeeded."""
        record = self.refresh(directory, load_record(directory))
        client.call(client.workspace_client(_details(record)).jobs.stream, _azure_name(record))
        return 0 if self.refresh(directory, record).state == JobState.SUCCEEDED else 1

    def refresh(self, directory: Path, record: JobRecord) -> JobRecord:
        """The job's state from Azure ML."""
        job = client.call(client.workspace_client(_details(record)).jobs.get, _azure_name(record))
        with update_record(directory) as current:
            current.state = execution_state(getattr(job, "status", None))
        return current

    def cancel(self, directory: Path, record: JobRecord) -> None:
        """Ask Azure ML to cancel the job."""
        with update_record(directory) as current:
            current.cancelled = True
        client.call(client.workspace_client(_details(record)).jobs.begin_cancel, _azure_name(record))

    def logs(self, directory: Path, record: JobRecord, *, stderr: bool, follow: bool, console: Console) -> None:
        """Azure ML's log stream (it follows until the job ends)."""
        try:
            client.call(client.workspace_client(_details(record)).jobs.stream, _azure_name(record))
        except KeyboardInterrupt:
            console.print(f"\nstopped following; the job keeps running (`runner show {record.name}`)")

    def files(self, record: JobRecord) -> dict[str, JobOutput]:
        """The job's named outputs on the datastore (``runner cloud download`` fetches them)."""
        job = client.call(client.workspace_client(_details(record)).jobs.get, _azure_name(record))
        outputs = job.outputs or {}
        return {key: JobOutput(str(getattr(value, "path", value)), listed=False) for key, value in outputs.items()}

    def download(self, record: JobRecord, target: Path, output: str | None = None) -> None:
        """The job's outputs (all of them and its logs, or the one named ``output``) into ``target``."""
        jobs = client.workspace_client(_details(record)).jobs
        if output:
            client.call(jobs.download, _azure_name(record), download_path=str(target), output_name=output)
        else:
            client.call(jobs.download, _azure_name(record), download_path=str(target), all=True)
