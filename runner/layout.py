"""Where a local job's files go: the simulated cluster storage and Batch AI's per-job paths (pure)."""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from runner.errors import RunnerError
from runner.jobspec import MOUNT_ROOT_VARIABLE, JobSpec, JobSpecError, expand

JOB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
EXPERIMENT = "default"


def default_root() -> Path:
    """``$RUNNER_HOME`` or ``./.runner``."""
    return Path(os.environ.get("RUNNER_HOME") or Path.cwd() / ".runner")


@dataclass(frozen=True)
class LocalRoot:
    """The simulated cluster: a mount root (``afs/``, ``blobfuse/``) and the job records."""

    root: Path

    @property
    def mounts(self) -> Path:
        """What ``$AZ_BATCHAI_MOUNT_ROOT`` points at for process jobs."""
        return self.root / "mounts"

    @property
    def jobs(self) -> Path:
        """Job records, one folder per job."""
        return self.root / "jobs"

    def job_dir(self, name: str) -> Path:
        """A job's record folder."""
        return self.jobs / name


class JobNameError(RunnerError):
    """A ``--name`` that cannot be a job's name."""

    hint = "choose another --name"


def check_job_name(name: str) -> str:
    """Refuse names that could escape the jobs folder or confuse the cloud (``/``, ``..``, spaces).

    Raises:
        JobNameError: The name is not 1-64 letters, digits, '-' or '_' starting with a letter or digit.
    """
    if not JOB_NAME.fullmatch(name):
        raise JobNameError(
            f"job name {name!r} must be 1-64 letters, digits, '-' or '_', starting with a letter or digit"
        )
    return name


@dataclass(frozen=True)
class JobPaths:
    """One job's Batch AI variables (as the job sees them), its stdouterr folder and its output folders.

    ``job_paths`` gives every path as the job sees it; ``on_host`` the same paths on this machine.
    """

    variables: dict[str, str]
    stdouterr: str
    outputs: dict[str, str]

    def on_host(self, mounts: Path) -> JobPaths:
        """The folders on this machine, where ``mounts`` holds what the job sees at ``$AZ_BATCHAI_MOUNT_ROOT``.

        The variables stay as the job sees them.
        """
        root = self.variables[MOUNT_ROOT_VARIABLE]

        def host(path: str) -> str:
            return str(mounts / path[len(root) :].lstrip("/")) if path.startswith(root) else path

        return JobPaths(self.variables, host(self.stdouterr), {key: host(path) for key, path in self.outputs.items()})


def job_paths(spec: JobSpec, name: str, mount_root: str, job_id: str | None = None, gpus: int = 0) -> JobPaths:
    """Batch AI's variables and per-job directories (unique per job id), as seen from ``mount_root``.

    Args:
        spec: The job template.
        name: Job name.
        mount_root: ``$AZ_BATCHAI_MOUNT_ROOT`` inside the job (host path or the container's).
        job_id: Unique id of this run (a new one if None).
        gpus: GPUs per node, for ``$AZ_BATCHAI_NUM_GPUS``.
    """
    job_id = job_id or uuid.uuid4().hex[:12]
    base = {MOUNT_ROOT_VARIABLE: mount_root}
    job_part = f"local/experiments/{EXPERIMENT}/jobs/{name}"
    stdouterr = f"{expand(spec.std_out_err_path_prefix, base)}/{job_part}/stdouterr"
    outputs = {
        out.id: "/".join(
            p for p in (f"{expand(out.path_prefix, base)}/{job_part}/{job_id}/outputs", out.path_suffix) if p
        )
        for out in spec.output_directories
    }
    variables = {
        **base,
        "AZ_BATCHAI_JOB_NAME": name,
        "AZ_BATCHAI_JOB_ID": job_id,
        "AZ_BATCHAI_NUM_GPUS": str(gpus),
        "AZ_BATCHAI_STDOUTERR_DIR": stdouterr,
        "AZ_BATCHAI_MPI_HOST_FILE": f"{stdouterr}/hostfile",
        **{f"AZ_BATCHAI_OUTPUT_{key}": path for key, path in outputs.items()},
    }
    return JobPaths(variables, stdouterr, outputs)


def job_environment(spec: JobSpec, variables: dict[str, str]) -> dict[str, str]:
    """What a job is given, on any backend: Batch AI's variables and the template's (expanded).

    Nothing of the caller's environment: this is what job records store and containers receive.
    """
    env = dict(variables)
    env.update({k: expand(v, variables) for k, v in spec.environment.items()})
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.setdefault("LANDCOVER_PROGRESS", "plain")  # the logs go to files: periodic lines, not a live bar
    return env


def confine_on_host(spec: JobSpec, paths: JobPaths, mounts: Path) -> None:
    """Check, on this machine, that a job's paths stay inside the mount root with symbolic links followed.

    The folders the runner creates (stdouterr, output directories) and every ``$AZ_BATCHAI_MOUNT_ROOT/...`` path
    of the command line and the environment are resolved; a link under the mount root that leads out of it is
    refused (the template's ``..`` were refused when it was read).

    Raises:
        JobSpecError: Naming the field, the path and where it really is.
    """
    root = os.path.realpath(mounts)
    named = [("properties.stdOutErrPathPrefix", paths.stdouterr)]
    named += [(f"properties.outputDirectories {key}", path) for key, path in paths.outputs.items()]
    texts = [(f"properties.{spec.tool}", spec.command), *((f"variable {k}", v) for k, v in spec.environment.items())]
    job_root = paths.variables[MOUNT_ROOT_VARIABLE]  # as the job sees it: mapped back onto this machine
    under_root = re.compile(re.escape(job_root) + r"(?=/|$)[^\s'\",;:]*")
    for where, text in texts:
        expanded = expand(text, paths.variables)
        named += [(where, str(mounts) + m.group(0)[len(job_root) :]) for m in under_root.finditer(expanded)]
    seen = set()
    for where, path in named:
        if path in seen:
            continue
        seen.add(path)
        resolved = os.path.realpath(path)
        if resolved != root and not resolved.startswith(root.rstrip(os.sep) + os.sep):
            raise JobSpecError(
                f"{where}: {path} is really {resolved}, outside the mount root {root} (a symbolic link leads out)",
                "make the link point inside the mount root, or copy the data in",
            )


def first_missing(folder: Path) -> Path | None:
    """The outermost folder of ``folder``'s path that does not exist yet (what creating it would add), or None."""
    missing: Path | None = None
    for path in (folder, *folder.parents):
        if path.exists():
            break
        missing = path
    return missing
