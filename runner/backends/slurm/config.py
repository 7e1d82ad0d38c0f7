"""Slurm site settings: options, then environment variables, then the file ``runner slurm configure`` writes."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from clibase.atomic import write_text_atomic
from runner.errors import RunnerError


class ContainerMode(StrEnum):
    """How the ranks run: in a Python environment on shared storage, or in the image through a container runtime."""

    NONE = "none"
    """No container: ``mpirun`` starts the ranks with the Python environment's ``bin`` first on ``PATH``."""
    PYXIS = "pyxis"
    """enroot + pyxis: ``srun --container-image`` (Azure CycleCloud Workspace for Slurm, AWS HyperPod)."""
    APPTAINER = "apptainer"
    """Apptainer / Singularity: ``mpirun`` on the host starts ``apptainer exec --nv`` per rank (hybrid MPI)."""
    OCI = "oci"
    """Slurm's own OCI support: ``srun --container=BUNDLE`` (``oci.conf`` with runc or crun on every node)."""


ENVIRONMENT = {
    "partition": "RUNNER_SLURM_PARTITION",
    "account": "RUNNER_SLURM_ACCOUNT",
    "qos": "RUNNER_SLURM_QOS",
    "time": "RUNNER_SLURM_TIME",
    "gpus_per_node": "RUNNER_SLURM_GPUS_PER_NODE",
    "container": "RUNNER_SLURM_CONTAINER",
    "image": "RUNNER_SLURM_IMAGE",
    "python_env": "RUNNER_SLURM_PYTHON_ENV",
}


class SlurmConfigError(RunnerError):
    """A setting has a value Slurm or the runner cannot use; the message names it."""


TIME_LIMIT = re.compile(
    r"(?i:unlimited|infinite)|\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}"
)
"""The time limits sbatch takes: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, or UNLIMITED."""


@dataclass(frozen=True)
class SlurmConfig:
    """Where and how Slurm jobs run (every field optional: Slurm's defaults apply)."""

    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    time: str | None = None
    """Time limit in a form sbatch takes (``30``, ``4:00:00``, ``1-00:00:00``)."""
    gpus_per_node: int = 0
    container: ContainerMode = ContainerMode.NONE
    image: str | None = None
    """The image (pyxis, apptainer: a name, ``docker://...`` or a ``.sif``/``.sqsh`` file) or OCI bundle folder."""
    python_env: str | None = None
    """The Python environment whose ``bin`` goes first on ``PATH``: on shared storage (``container none``, default
    this runner's), or inside the image (container modes whose runtime passes the caller's ``PATH`` in, e.g.
    ``oci``: ``/opt/venv`` for the project's image)."""

    def __post_init__(self) -> None:
        for flag, value in (("--partition", self.partition), ("--account", self.account), ("--qos", self.qos)):
            if value is not None and (not value.strip() or any(c.isspace() for c in value)):
                raise SlurmConfigError(f"{flag} {value!r} is not a Slurm name (no spaces)")
        if self.time is not None and not TIME_LIMIT.fullmatch(self.time):
            raise SlurmConfigError(
                f"--time {self.time!r} is not a Slurm time limit (minutes, H:MM:SS, D-HH:MM:SS or UNLIMITED)"
            )
        if self.gpus_per_node < 0:
            raise SlurmConfigError(f"--gpus-per-node must be 0 or more, not {self.gpus_per_node}")
        if self.container is not ContainerMode.NONE and not self.image:
            raise SlurmConfigError(f"--container {self.container.value} needs --image (the image or OCI bundle)")


def config_path() -> Path:
    """``$RUNNER_SLURM_CONFIG``, or ``~/.config/landcover-runner/slurm.json``."""
    return Path(os.environ.get("RUNNER_SLURM_CONFIG") or Path.home() / ".config" / "landcover-runner" / "slurm.json")


def _typed(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "gpus_per_node":
        try:
            return int(value)
        except ValueError:
            raise SlurmConfigError(f"gpus per node must be a whole number, not {value!r}") from None
    if name == "container":
        try:
            return ContainerMode(value)
        except ValueError:
            known = ", ".join(mode.value for mode in ContainerMode)
            raise SlurmConfigError(f"container mode {value!r} is not known (known: {known})") from None
    return str(value)


def load_config(**options: Any) -> SlurmConfig:
    """Merge options (highest), ``RUNNER_SLURM_*`` variables, and the config file (lowest).

    Raises:
        SlurmConfigError: A value of the wrong kind, or a container mode without an image.
    """
    path = config_path()
    try:
        stored = json.loads(path.read_text()) if path.is_file() else {}
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8 text"
        raise SlurmConfigError(f"{path}: not valid JSON ({reason}); run `runner slurm configure` again") from None
    if not isinstance(stored, dict):
        raise SlurmConfigError(f"{path}: not a JSON object; run `runner slurm configure` again")
    values = {}
    for item in fields(SlurmConfig):
        for source in (options.get(item.name), os.environ.get(ENVIRONMENT[item.name]), stored.get(item.name)):
            if source is not None and source != "":
                values[item.name] = _typed(item.name, source)
                break
    return SlurmConfig(**values)


def save_config(config: SlurmConfig) -> Path:
    """Write the config file atomically (only the fields that are set)."""
    data = {key: value for key, value in asdict(replace(config)).items() if value not in (None, 0, ContainerMode.NONE)}
    stored = {key: str(value) if isinstance(value, ContainerMode) else value for key, value in data.items()}
    return write_text_atomic(config_path(), json.dumps(stored, indent=2) + "\n")
