"""``runner local submit``: run a job template as local processes or in the image, Batch AI style."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from runner.backends.base import BackendError
from runner.backends.local import CANCELLED_EXIT, LocalBackend, SubmitOptions, local_backend
from runner.commands.job_file import JOB_FILE_HELP, read_job
from runner.commands.report import fail
from runner.jobspec import JobSpecError, local_notes
from runner.layout import LocalRoot, check_job_name, default_root, first_missing
from runner.store import JobRecord, JobState, load_record
from runner.text import counted


def submit(
    job_file: Annotated[Path, typer.Argument(help=JOB_FILE_HELP, metavar="JOB_FILE")],
    name: Annotated[
        str | None, typer.Option(help="Job name \\[default: template name + time].", metavar="NAME")
    ] = None,
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
    extra_args: Annotated[
        str, typer.Option("--extra-args", help="Appended to the job's command line.", metavar="ARGS")
    ] = "",
    root: Annotated[
        Path | None, typer.Option(help="Local root \\[default: $RUNNER_HOME or ./.runner].", metavar="DIR")
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Stay, streaming the logs, until the job ends.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the exact command; run nothing.")] = False,
) -> None:
    """Run the job's processCount ranks on this machine: under mpirun, or in the image with --backend docker.

    Examples:
      runner local submit jobs/training_job.json --wait
      runner local submit jobs/training_job.json --backend docker --gpus all
    """
    console, notes = Console(), Console(stderr=True, highlight=False, soft_wrap=True)
    spec = read_job(job_file, extra_args, root)
    try:
        here = local_notes(spec, len(os.sched_getaffinity(0)))
    except JobSpecError as exc:
        fail(str(exc), exc.hint)
    try:
        runs = local_backend(backend)
    except BackendError as exc:
        fail(exc.message, exc.hint)
    if backend == "process":
        for option, value, default in (("--gpus", gpus, "auto"), ("--image", image, None)):
            if value != default:
                fail(f"{option} is for --backend docker (this job runs as local processes)", f"drop {option}")
    if name is None:
        name = f"{job_file.stem.replace('_', '-')}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    try:
        check_job_name(name)
    except ValueError as exc:
        fail(str(exc), "choose another --name")
    local = LocalRoot(root or default_root())
    if not local.mounts.is_dir():
        fail(f"{local.root}: no local root", "run `runner local setup` first (or pass --root)")
    directory = local.job_dir(name)
    if directory.exists():
        fail(f"job {name!r} already exists", "choose another --name, or see it with `runner show`")
    try:
        plan = runs.plan(spec, name, local, SubmitOptions(gpus, image, extra_args, dry_run))
        if not dry_run:
            runs.preflight(plan)
    except BackendError as exc:
        fail(exc.message, exc.hint)
    for note in here:
        notes.print(f"note: {note}", markup=False)
    for note in plan.notes:
        notes.print(f"warning: {note}")
    if dry_run:
        console.print(runs.describe(plan), soft_wrap=True, markup=False, highlight=False)
        return
    record = JobRecord(
        name=name,
        backend=backend,
        state=JobState.QUEUED,
        command=plan.command,
        stdout=str(Path(plan.paths.stdouterr) / "stdout.txt"),
        stderr=str(Path(plan.paths.stdouterr) / "stderr.txt"),
        outputs=dict(plan.paths.outputs),
        environment=plan.environment,
        spec_file=str(job_file.resolve()),
        details=plan.details,
    )
    _create_job(runs, directory, record, plan.paths.stdouterr, spec.process_count)
    if not wait:
        console.print(
            f"submitted {name} ({backend}, {counted(spec.process_count, 'process')}); "
            f"follow it with `runner logs {name} --follow`"
        )
        return
    console.print(f"running {name} ({backend}, {counted(spec.process_count, 'process')})")
    code = runs.wait(directory, notes)
    error = load_record(directory).error
    if error:
        fail(f"{name}: {error}")
    if code not in (0, CANCELLED_EXIT):
        notes.print(f"{name} failed with exit code {code} (its stderr is above; `runner logs {name} --stderr`)")
    raise typer.Exit(code if code < 256 else 1)


def _create_job(runs: LocalBackend, directory: Path, record: JobRecord, stdouterr: str, processes: int) -> None:
    """Create the job's folders, log files and record, and start its supervisor; a full disk is one line.

    On failure, the folders this call created are removed again: no job is left "queued" without a supervisor.
    """
    folders = [Path(stdouterr), *(Path(folder) for folder in record.outputs.values()), directory]
    created = [first_missing(folder) for folder in folders]
    try:
        for folder in folders[:-1]:
            folder.mkdir(parents=True, exist_ok=True)
        (Path(stdouterr) / "hostfile").write_text(f"localhost slots={processes}\n")
        Path(record.stdout).touch()
        Path(record.stderr).touch()
        runs.submit(directory, record)
    except OSError as exc:
        for new in created:
            if new is not None:
                shutil.rmtree(new, ignore_errors=True)
        where = exc.filename or directory
        fail(
            f"{where}: cannot write the job ({exc.strerror or exc}); nothing was submitted",
            "free space there, or pass another --root",
        )
