"""The Azure ML backend's part of a submit: the command job, built once, previewed as YAML or created."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console

from runner.backends.base import backend_for
from runner.cloud_config import CloudConfig, require_workspace
from runner.details import AzureMLDetails
from runner.jobspec import JobSpec, JobSpecError
from runner.layout import LocalRoot
from runner.store import JobRecord
from runner.submission.service import JobPlan, Submission, SubmitError


class CloudSubmission(Submission):
    """A job on an Azure ML compute cluster; its record stays here, its logs in the workspace."""

    exists_hint = "choose another --name"

    def __init__(self, config: CloudConfig, job_file: Path, image: str | None, extra_args: str) -> None:
        super().__init__(backend_for("azureml"))  # imported on demand: the Azure SDK is slow to import
        self.notes = Console(stderr=True)
        self.config, self.job_file, self.image, self.extra_args = config, job_file, image, extra_args

    def plan(self, spec: JobSpec, name: str, local: LocalRoot) -> JobPlan:
        """The Azure ML command job (the dry run prints its YAML) and the record's fields."""
        from runner.backends.azureml.translate import build_job, job_yaml

        image = self.image or spec.image or self.config.default_image()
        if not image:
            raise SubmitError(
                f"{self.job_file}: no image for the cluster", "pass --image or `runner cloud configure --registry`"
            )
        compute = self.config.compute
        if not compute:
            raise SubmitError("no compute cluster", "pass --compute or `runner cloud configure --compute NAME`")
        datastore = self.config.datastore or ""
        try:
            job = build_job(
                spec, name=name, image=image, compute=compute, datastore=datastore, extra_args=self.extra_args
            )
        except JobSpecError as exc:
            raise JobSpecError(
                f"{self.job_file}: {exc}", "keep job paths under $AZ_BATCHAI_MOUNT_ROOT/blobfuse"
            ) from None
        details = AzureMLDetails(
            subscription_id=self.config.subscription_id or "",
            resource_group=self.config.resource_group or "",
            workspace=self.config.workspace or "",
            compute=compute,
            image=image,
            datastore=datastore,
            extra_args=self.extra_args,
        )
        outputs = {key: str(value.path) for key, value in job.outputs.items()}
        environment = dict(job.environment_variables or {})
        return JobPlan([job.command], outputs, environment, details, preview=job_yaml(job), job=job)

    def preview(self, plan: JobPlan) -> None:
        """The job's YAML on stdout; what it would run on, on stderr."""
        sys.stdout.write(plan.preview)
        assert isinstance(plan.details, AzureMLDetails)
        self.notes.print(f"dry run: nothing submitted (image {plan.details.image}, compute {plan.details.compute})")

    def ready(self) -> None:
        """A workspace to submit to."""
        require_workspace(self.config)

    def start(self, directory: Path, record: JobRecord, plan: JobPlan) -> JobRecord:
        """Create the job built for the plan (not built again) and save its record."""
        from runner.backends.azureml.backend import AzureMLBackend

        assert isinstance(self.backend, AzureMLBackend)
        return self.backend.create(directory, record, plan.job)

    def announce(self, record: JobRecord, wait: bool) -> None:
        """The workspace, the cluster and the job's page in Azure ML studio."""
        studio = getattr(record.details, "studio_url", None) or ""
        self.console.print(f"submitted {record.name} to {self.config.workspace}/{self.config.compute}: {studio}")

    def follow(self, directory: Path, record: JobRecord) -> int:
        """Follow the job's log until it ends (``--stream``)."""
        self.backend.logs(directory, record, stderr=False, follow=True, console=self.notes)
        return 0
