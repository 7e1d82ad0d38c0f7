"""``runner cloud submit``: the Batch AI job template as an Azure ML command job, same image."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from runner.backends.base import backend_for
from runner.commands.cloud.options import ResourceGroup, Subscription, Workspace, require_workspace, settings
from runner.commands.job_file import JOB_FILE_HELP, read_job
from runner.commands.report import fail
from runner.details import AzureMLDetails
from runner.jobspec import JobSpecError
from runner.layout import LocalRoot, check_job_name, default_root
from runner.store import JobRecord, JobState


def submit(
    job_file: Annotated[Path, typer.Argument(help=JOB_FILE_HELP, metavar="JOB_FILE")],
    name: Annotated[
        str | None, typer.Option(help="Job name \\[default: template name + time].", metavar="NAME")
    ] = None,
    compute: Annotated[
        str | None, typer.Option(help="Compute cluster \\[default: the configured one].", metavar="CLUSTER")
    ] = None,
    image: Annotated[
        str | None,
        typer.Option(help="Image \\[default: the template's, else the configured registry's].", metavar="IMAGE"),
    ] = None,
    extra_args: Annotated[
        str, typer.Option("--extra-args", help="Appended to the job's command line.", metavar="ARGS")
    ] = "",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the Azure ML job YAML; submit nothing.")] = False,
    stream: Annotated[bool, typer.Option("--stream", help="Follow the job's log until it ends.")] = False,
    subscription: Subscription = None,
    resource_group: ResourceGroup = None,
    workspace: Workspace = None,
    root: Annotated[
        Path | None, typer.Option(help="Where job records live \\[default: $RUNNER_HOME or ./.runner].", metavar="DIR")
    ] = None,
) -> None:
    """Submit a job template to an Azure ML compute cluster (--dry-run: the job YAML on stdout, nothing sent).

    Examples:
      runner cloud submit jobs/training_job.json --dry-run
      runner cloud submit jobs/training_job.json --name train1 --stream
    """
    from runner.backends.azureml.translate import build_job, job_yaml

    notes = Console(stderr=True)
    config = settings(subscription, resource_group, workspace, compute=compute)
    spec = read_job(job_file, extra_args)
    if name is None:
        name = f"{job_file.stem.replace('_', '-')}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    try:
        check_job_name(name)
    except ValueError as exc:
        fail(str(exc), "choose another --name")
    image = image or spec.image or config.default_image()
    if not image:
        fail(f"{job_file}: no image for the cluster", "pass --image or `runner cloud configure --registry`")
    if not config.compute:
        fail("no compute cluster", "pass --compute or `runner cloud configure --compute NAME`")
    try:
        job = build_job(
            spec,
            name=name,
            image=image,
            compute=config.compute,
            datastore=config.datastore or "",
            extra_args=extra_args,
        )
    except JobSpecError as exc:
        fail(f"{job_file}: {exc}", "keep job paths under $AZ_BATCHAI_MOUNT_ROOT/blobfuse")
    if dry_run:
        sys.stdout.write(job_yaml(job))
        notes.print(f"dry run: nothing submitted (image {image}, compute {config.compute})")
        return
    local = LocalRoot(root or default_root())
    if local.job_dir(name).exists():
        fail(f"job {name!r} already exists", "choose another --name")
    require_workspace(config)
    assert config.subscription_id and config.resource_group and config.workspace
    record = JobRecord(
        name=name,
        backend="azureml",
        state=JobState.QUEUED,
        command=[job.command],
        stdout="",
        stderr="",
        outputs={k: str(v.path) for k, v in job.outputs.items()},
        environment=dict(job.environment_variables or {}),
        spec_file=str(job_file.resolve()),
        details=AzureMLDetails(
            subscription_id=config.subscription_id,
            resource_group=config.resource_group,
            workspace=config.workspace,
            compute=config.compute,
            image=image,
            datastore=config.datastore or "",
            extra_args=extra_args,
        ),
    )
    backend = backend_for("azureml")
    record = backend.submit(local.job_dir(name), record)
    studio = getattr(record.details, "studio_url", None) or ""
    Console().print(f"submitted {name} to {config.workspace}/{config.compute}: {studio}")
    if stream:
        backend.logs(local.job_dir(name), record, stderr=False, follow=True, console=notes)
