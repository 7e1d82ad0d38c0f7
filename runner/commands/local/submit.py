"""``runner local submit``: run a job template as local processes or in the image, Batch AI style."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from runner.backends.local import SubmitOptions, local_backend
from runner.commands.job_file import ExtraArgs, JobFile, JobName, Wait, read_job
from runner.commands.report import fail
from runner.jobspec import local_notes
from runner.submission.local import LocalSubmission
from runner.submission.service import submit as run_submission


def submit(
    job_file: JobFile,
    name: JobName = None,
    backend: Annotated[
        str, typer.Option(help="process (local processes) or docker (the image).", metavar="BACKEND")
    ] = "process",
    gpus: Annotated[
        str,
        typer.Option(
            help="GPUs for docker: auto (all if the engine has them, else the CPU), all, or a count.", metavar="GPUS"
        ),
    ] = "auto",
    image: Annotated[
        str | None, typer.Option(help="Image for docker \\[default: the template's].", metavar="IMAGE")
    ] = None,
    extra_args: ExtraArgs = "",
    root: Annotated[
        Path | None, typer.Option(help="Local root \\[default: $RUNNER_HOME or ./.runner].", metavar="DIR")
    ] = None,
    wait: Wait = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the exact command; run nothing.")] = False,
) -> None:
    """Run the job's processCount ranks on this machine: under mpirun, or in the image with --backend docker.

    Examples:
      runner local submit jobs/training_job.json --wait
      runner local submit jobs/training_job.json --backend docker --gpus all
    """
    spec = read_job(job_file, extra_args, root)
    here = local_notes(spec, len(os.sched_getaffinity(0)))
    runs = local_backend(backend)
    if backend == "process":
        for option, value, default in (("--gpus", gpus, "auto"), ("--image", image, None)):
            if value != default:
                fail(f"{option} is for --backend docker (this job runs as local processes)", f"drop {option}")
    part = LocalSubmission(runs, SubmitOptions(gpus, image, extra_args, dry_run), here)
    code = run_submission(part, job_file, spec, name, root, dry_run=dry_run, wait=wait)
    if wait:
        raise typer.Exit(code if code < 256 else 1)
