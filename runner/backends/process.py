"""The process backend: the job's ranks as local processes under ``mpirun`` (the embedded default)."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from clibase.text import counted
from runner.backends.base import BackendError
from runner.backends.local import LaunchPlan, LocalBackend, SubmitOptions
from runner.jobspec import JobSpec, expand
from runner.layout import LocalRoot
from runner.procs import identify, is_alive, pid_taken_by_another, processes_started_with
from runner.shellwords import split
from runner.store import JobRecord, JobState, now, update_record

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
    """The exact argv of a job: its command line with Batch AI variables expanded, under mpirun.

    Args:
        spec: The job template.
        variables: ``$AZ_BATCHAI_*`` values for this job.
        extra_args: Appended to the job's command line (e.g. a smaller ``--epoch-size`` for a smoke run).
        as_root: Add ``--allow-run-as-root`` (OpenMPI refuses root otherwise).
        hostfile: An MPI host file.
    """
    argv = split(expand(f"{spec.command} {extra_args}".strip(), variables))
    if not spec.mpi:
        return argv
    return [*mpirun_prefix(spec.process_count, as_root=as_root, hostfile=hostfile), *argv]


def process_environment(job: Mapping[str, str], base: Mapping[str, str] | None = None) -> dict[str, str]:
    """A process job's environment at launch: the caller's, this Python's bin first on PATH, then the job's."""
    env = dict(os.environ if base is None else base)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(job)
    return env


class ProcessBackend(LocalBackend):
    """``processCount`` ranks under mpirun on this machine; the mount root is a local folder."""

    name = "process"

    def job_mount_root(self, local: LocalRoot) -> str:
        """The local mount folder itself."""
        return str(local.mounts)

    def plan(self, spec: JobSpec, name: str, local: LocalRoot, options: SubmitOptions) -> LaunchPlan:
        """The mpirun command and the job's variables."""
        paths = self.paths(spec, name, local)
        hostfile = paths.variables["AZ_BATCHAI_MPI_HOST_FILE"] if spec.mpi else None
        command = job_command(spec, paths.variables, options.extra_args, as_root=os.geteuid() == 0, hostfile=hostfile)
        return self.plan_for(spec, paths, command)

    def describe(self, plan: LaunchPlan) -> str:
        """The command, then the job's variables (added to the caller's environment at launch)."""
        lines = [shlex.join(plan.command)]
        lines += [f"{key}={value}" for key, value in sorted(plan.environment.items())]
        lines.append(f"PATH={Path(sys.executable).parent}{os.pathsep}$PATH")
        return "\n".join(lines)

    def preflight(self, plan: LaunchPlan) -> None:
        """Nothing to check: the command's own errors land in stderr.txt."""

    def run(self, directory: Path) -> int | None:
        """Run the ranks with their output in the Batch AI stdout / stderr files."""
        process: subprocess.Popen[bytes] | None = None
        try:
            with update_record(directory) as record:
                if record.cancelled:
                    return None
                with open(record.stdout, "ab") as out, open(record.stderr, "ab") as err:
                    process = subprocess.Popen(
                        record.command,
                        stdout=out,
                        stderr=err,
                        env=process_environment(record.environment),
                        start_new_session=True,
                    )
                record.pid, record.process = process.pid, identify(process.pid)
                record.state, record.started = JobState.RUNNING, now()
        except OSError:
            if process is not None:  # started, but its record could not say so (a full disk): not left unrecorded
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            raise

        def forward(signum: int, frame: FrameType | None) -> None:
            process.send_signal(signum)

        signal.signal(signal.SIGTERM, forward)
        return process.wait()

    def stop(self, record: JobRecord) -> str | None:
        """SIGTERM to the job's processes, and only to processes proven to be the job's.

        The process group of the recorded leader while the leader is the same process (pid, start time, boot);
        once the leader is gone, the processes it left that carry the job's unique ``AZ_BATCHAI_JOB_ID``.

        Raises:
            BackendError: A pid recorded without its identity (an earlier runner): it is never signalled.
        """
        leader = record.process
        if leader is None:
            if record.pid is None:
                return None
            raise BackendError(
                f"pid {record.pid} was recorded without its start time (by an earlier runner): nothing signalled",
                f"if it is still the job's, stop it yourself: kill -TERM -{record.pid}",
            )
        if is_alive(leader):
            os.killpg(leader.pid, signal.SIGTERM)
            return f"sent SIGTERM to the job's process group {leader.pid}"
        job_id = record.environment.get("AZ_BATCHAI_JOB_ID")
        left = processes_started_with("AZ_BATCHAI_JOB_ID", job_id, leader) if job_id else []
        for identity in left:
            with contextlib.suppress(ProcessLookupError):
                if is_alive(identity):
                    os.kill(identity.pid, signal.SIGTERM)
        if left:
            pids = " ".join(str(identity.pid) for identity in left)
            label = "pid" if len(left) == 1 else "pids"
            return f"sent SIGTERM to {counted(len(left), 'process')} the job left running ({label} {pids})"
        if pid_taken_by_another(leader):
            return f"pid {leader.pid} is not the job's process any more (another process has it): nothing signalled"
        return f"the job's process {leader.pid} has ended: nothing signalled"
