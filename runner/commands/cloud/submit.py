"""``runner cloud submit``: the Batch AI job template as an Azure ML command job, same image."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from runner.commands.cloud.options import ResourceGroup, Subscription, Workspace, settings
from runner.commands.job_file import JOB_FILE_HELP, read_job
from runner.submission.cloud import CloudSubmission
from runner.submission.service import submit as run_submission


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
    config = settings(subscription, resource_group, workspace, compute=compute)
    spec = read_job(job_file, extra_args)
    part = CloudSubmission(config, job_file, image, extra_args)
    run_submission(part, job_file, spec, name, root, dry_run=dry_run, wait=stream)
