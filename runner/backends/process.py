"""The process backend: the job's ranks as local processes under ``mpirun`` (the embedded default)."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from runner.jobspec import JobSpec, expand

MPI_FLAGS = ("--oversubscribe", "--bind-to", "none")


def mpirun_prefix(processes: int, *, as_root: bool, hostfile: str | None = None) -> list[str]:
    """``mpirun -np N`` with the flags one local node needs."""
    command = ["mpirun", "-np", str(processes), *MPI_FLAGS]
    if hostfile:
        command += ["--hostfile", hostfile]
    if as_root:
        command.append("--allow-run-as-root")
    return command


def job_command(
    spec: JobSpec,
    variables: dict[str, str],
    extra_args: str = "",
    *,
    as_root: bool = False,
    hostfile: str | None = None,
) -> list[str]:
    """The exact argv of a process job: its command line with Batch AI variables expanded, under mpirun.

    Args:
        spec: The job template.
        variables: ``$AZ_BATCHAI_*`` values for this job.
        extra_args: Appended to the job's command line (e.g. a smaller ``--epoch-size`` for a smoke run).
        as_root: Add ``--allow-run-as-root`` (OpenMPI refuses root otherwise).
        hostfile: An MPI host file.
    """
    argv = shlex.split(expand(f"{spec.command} {extra_args}".strip(), variables))
    if not spec.mpi:
        return argv
    return [*mpirun_prefix(spec.process_count, as_root=as_root, hostfile=hostfile), *argv]


def job_environment(spec: JobSpec, variables: dict[str, str], base: dict[str, str] | None = None) -> dict[str, str]:
    """The job's environment: the caller's, the template's variables (expanded), and Batch AI's."""
    env = dict(os.environ if base is None else base)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(variables)
    env.update({k: expand(v, variables) for k, v in spec.environment.items()})
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.setdefault("LANDCOVER_PROGRESS", "plain")  # the logs go to files: periodic lines, not a live bar
    return env
