"""``runner cloud submit``: the Batch AI job template as an Azure ML command job, same image."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from runner.cloud_config import CloudConfig
from runner.commands.cloud.options import WORKSPACE
from runner.commands.job_file import ExtraArgs, JobFile, JobName, read_job
from runner.commands.site_options import with_settings
from runner.submission.cloud import CloudSubmission
from runner.submission.service import submit as run_submission


@with_settings(CloudConfig, *WORKSPACE, "compute")
def submit(
    job_file: JobFile,
    settings: CloudConfig,
    name: JobName = None,
    image: Annotated[
        str | None,
        typer.Option(help="Image \\[default: the template's, else the configured registry's].", metavar="IMAGE"),
    ] = None,
    extra_args: ExtraArgs = "",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the Azure ML job YAML; submit nothing.")] = False,
    stream: Annotated[bool, typer.Option("--stream", help="Follow the job's log until it ends.")] = False,
    root: Annotated[
        Path | None, typer.Option(help="Where job records live \\[default: $RUNNER_HOME or ./.runner].", metavar="DIR")
    ] = None,
) -> None:
    """Submit a job template to an Azure ML compute cluster (--dry-run: the job YAML on stdout, nothing sent).

    Examples:
      runner cloud submit jobs/training_job.json --dry-run
      runner cloud submit jobs/training_job.json --name train1 --stream
    """
    spec = read_job(job_file, extra_args)
    part = CloudSubmission(settings, job_file, image, extra_args)
    run_submission(part, job_file, spec, name, root, dry_run=dry_run, wait=stream)
