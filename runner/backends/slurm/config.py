"""Slurm site settings: options, then environment variables, then the file ``runner slurm configure`` writes."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import field_validator, model_validator

from runner.errors import RunnerError
from runner.site_settings import SiteSettings, setting


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


class SlurmConfigError(RunnerError):
    """A setting has a value Slurm or the runner cannot use; the message names it."""

    hint = "fix the option, the RUNNER_SLURM_* variable or `runner slurm configure`"


TIME_LIMIT = re.compile(
    r"(?i:unlimited|infinite)|\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}"
)
"""The time limits sbatch takes: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, or UNLIMITED."""


class SlurmConfig(SiteSettings):
    """Where and how Slurm jobs run (every field optional: Slurm's defaults apply)."""

    FILE_VARIABLE: ClassVar[str] = "RUNNER_SLURM_CONFIG"
    FILE_NAME: ClassVar[str] = "slurm.json"

    container: ContainerMode = setting(
        "RUNNER_SLURM_CONTAINER",
        "MODE",
        "none (a Python environment on shared storage), pyxis (enroot), apptainer or oci (Slurm's own)",
        ContainerMode.NONE,
    )
    image: str | None = setting("RUNNER_SLURM_IMAGE", "IMAGE", "Image (pyxis, apptainer) or OCI bundle folder (oci)")
    """The image (pyxis, apptainer: a name, ``docker://...`` or a ``.sif``/``.sqsh`` file) or OCI bundle folder."""
    python_env: str | None = setting(
        "RUNNER_SLURM_PYTHON_ENV", "DIR", "Container none: the Python environment every node sees", then="this runner's"
    )
    """The Python environment whose ``bin`` goes first on ``PATH``: on shared storage (``container none``, default
    this runner's), or inside the image (container modes whose runtime passes the caller's ``PATH`` in, e.g.
    ``oci``: ``/opt/venv`` for the project's image)."""
    partition: str | None = setting("RUNNER_SLURM_PARTITION", "NAME", "Partition", then="the cluster's")
    account: str | None = setting("RUNNER_SLURM_ACCOUNT", "NAME", "Account to charge")
    qos: str | None = setting("RUNNER_SLURM_QOS", "NAME", "Quality of service")
    time: str | None = setting("RUNNER_SLURM_TIME", "TIME", "Time limit, e.g. 30 or 4:00:00")
    """Time limit in a form sbatch takes (``30``, ``4:00:00``, ``1-00:00:00``)."""
    gpus_per_node: int = setting("RUNNER_SLURM_GPUS_PER_NODE", "N", "GPUs per node", 0)

    @classmethod
    def file_error(cls, path: Path, reason: str | None) -> RunnerError:
        """``PATH: not valid JSON (...)`` or ``PATH: not a JSON object``, and how to write it again."""
        what = "not a JSON object" if reason is None else f"not valid JSON ({reason})"
        return SlurmConfigError(f"{path}: {what}; run `runner slurm configure` again")

    @field_validator("gpus_per_node", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> int:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SlurmConfigError(f"gpus per node must be a whole number, not {value!r}") from None

    @field_validator("container", mode="before")
    @classmethod
    def _known_mode(cls, value: Any) -> ContainerMode:
        try:
            return ContainerMode(value)
        except ValueError:
            known = ", ".join(mode.value for mode in ContainerMode)
            raise SlurmConfigError(f"container mode {value!r} is not known (known: {known})") from None

    @field_validator("partition", "account", "qos", "time", "image", "python_env", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str | None:
        return None if value is None else str(value)

    @model_validator(mode="after")
    def _usable(self) -> Self:
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
        return self


load_config = SlurmConfig.load
config_path = SlurmConfig.config_path


def save_config(config: SlurmConfig) -> Path:
    """Write the config file atomically (only the fields that are set)."""
    return config.save()
