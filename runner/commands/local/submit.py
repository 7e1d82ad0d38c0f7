"""``runner local submit``: run a job template as local processes or in the image, Batch AI style."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from runner.backends.docker import container_spec, docker_client
from runner.backends.process import job_command, job_environment
from runner.errors import fail
from runner.jobspec import BATCHAI_MOUNT_ROOT, JobSpecError, load_job
from runner.layout import LocalRoot, check_job_name, default_root, job_paths
from runner.store import JobRecord, save_record
from runner.watch import follow_logs


def _host_path(path: str, local: LocalRoot, backend: str) -> Path:
    """A path as the job sees it, on this machine."""
    if backend == "docker" and path.startswith(BATCHAI_MOUNT_ROOT):
        return local.mounts / path[len(BATCHAI_MOUNT_ROOT) :].lstrip("/")
    return Path(path)


def submit(
    job_file: Annotated[Path, typer.Argument(help="A Batch AI job template (JSON).", metavar="JOB_FILE")],
    name: Annotated[
        str | None, typer.Option(help="Job name \\[default: template name + time].", metavar="NAME")
    ] = None,
    backend: Annotated[
        str, typer.Option(help="process (local processes) or docker (the image, on GPUs).", metavar="BACKEND")
    ] = "process",
    gpus: Annotated[str, typer.Option(help="GPUs for docker: all, or a count.", metavar="GPUS")] = "all",
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
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the command and environment; run nothing.")] = False,
) -> None:
    """Run the job's processCount ranks on this machine: under mpirun, or in the image with --backend docker.

    Examples:
      runner local submit jobs/training_job.json --wait
      runner local submit jobs/training_job.json --backend docker --gpus all
    """
    console = Console()
    try:
        spec = load_job(job_file)
    except JobSpecError as exc:
        fail(str(exc), exc.hint)
    if backend not in ("process", "docker"):
        fail(f"--backend {backend!r} is not known", "use process or docker")
    if gpus != "all" and not gpus.isdigit():
        fail(f"--gpus {gpus!r} is not all or a number", "e.g. --gpus all or --gpus 2")
    name = name or f"{job_file.stem.replace('_', '-')}-{dt.datetime.now():%Y%m%d-%H%M%S}"
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
    mount_root = BATCHAI_MOUNT_ROOT if backend == "docker" else str(local.mounts)
    gpu_count = 0 if backend == "process" else (int(gpus) if gpus.isdigit() else -1)
    paths = job_paths(spec, name, mount_root, gpus=max(gpu_count, 0))
    as_root = backend == "process" and os.geteuid() == 0
    command = job_command(
        spec,
        paths.variables,
        extra_args,
        as_root=as_root,
        hostfile=paths.variables["AZ_BATCHAI_MPI_HOST_FILE"] if spec.mpi else None,
    )
    environment = job_environment(spec, paths.variables, base={} if backend == "docker" else None)
    details: dict[str, Any] = {}
    if backend == "docker":
        image = image or spec.image
        if not image:
            fail(
                f"{job_file}: no image for the docker backend",
                "add properties.containerSettings.imageSourceRegistry.image or pass --image",
            )
        details["container"] = {
            "image": image,
            "command": command,
            "environment": environment,
            "mount_root": str(local.mounts),
            "name": name,
            "gpus": gpus,
            "shm_size": spec.shm_size,
        }
    if dry_run:
        _print_plan(console, backend, command, environment if backend == "process" else paths.variables, details)
        return
    if backend == "docker":
        try:
            docker_client()
        except RuntimeError as exc:
            fail(
                f"--backend docker: {exc}", "install Docker with the NVIDIA container toolkit, or use --backend process"
            )
    stdouterr = _host_path(paths.stdouterr, local, backend)
    stdouterr.mkdir(parents=True, exist_ok=True)
    (stdouterr / "hostfile").write_text(f"localhost slots={spec.process_count}\n")
    for path in paths.outputs.values():
        _host_path(path, local, backend).mkdir(parents=True, exist_ok=True)
    record = JobRecord(
        name=name,
        backend=backend,
        state="queued",
        command=command,
        stdout=str(stdouterr / "stdout.txt"),
        stderr=str(stdouterr / "stderr.txt"),
        outputs={k: str(_host_path(v, local, backend)) for k, v in paths.outputs.items()},
        environment=environment,
        spec_file=str(job_file.resolve()),
        details=details,
    )
    Path(record.stdout).touch()
    Path(record.stderr).touch()
    save_record(directory, record)
    supervisor = [sys.executable, "-m", "runner.supervise", str(directory)]
    if not wait:
        subprocess.Popen(
            supervisor,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        console.print(
            f"submitted {name} ({backend}, {spec.process_count} processes); "
            f"follow it with `runner logs {name} --follow`"
        )
        return
    process = subprocess.Popen(supervisor, start_new_session=True, stdin=subprocess.DEVNULL)
    console.print(f"running {name} ({backend}, {spec.process_count} processes)")
    follow_logs(directory, stderr=False, follow=True, console=console)
    code = process.wait()
    time.sleep(0.1)
    raise typer.Exit(code if code < 256 else 1)


def _print_plan(
    console: Console, backend: str, command: list[str], env: dict[str, str], details: dict[str, Any]
) -> None:
    import shlex

    if backend == "docker":
        spec = container_spec(**{**details["container"], "mount_root": Path(details["container"]["mount_root"])})
        mounts = " ".join(f"-v {src}:{m['bind']}:{m['mode']}" for src, m in spec["volumes"].items())
        gpus = "--gpus all" if spec["device_requests"] else ""
        envs = " ".join(f"-e {k}={shlex.quote(v)}" for k, v in sorted(env.items()))
        console.print(
            f"docker run --rm {gpus} --shm-size {spec['shm_size']} --user {spec['user']} {mounts} {envs} "
            f"{spec['image']} {shlex.join(command)}",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )
        return
    console.print(shlex.join(command), soft_wrap=True, markup=False, highlight=False)
    for key in sorted(k for k in env if k.startswith("AZ_BATCHAI") or k in ("PATH", "PYTHONUNBUFFERED")):
        console.print(f"{key}={env[key]}", soft_wrap=True, markup=False, highlight=False)
