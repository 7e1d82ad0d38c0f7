"""What each backend keeps in a job record beyond the common fields (typed, validated when a record loads).

One model per backend, told apart by its ``backend`` field (a pydantic discriminated union): the process
backend keeps nothing more, docker its whole ``ContainerSpec``, Azure ML the workspace and the job's name there,
Slurm its script and Slurm's job id and state.
pydantic rather than dataclasses: records are read back from JSON written by other versions, and pydantic
validates and converts that JSON (lists to tuples, strings to enums) in one step, as the landcover settings do.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from runner.jobspec import BATCHAI_MOUNT_ROOT

DEFAULT_SHM = "8g"  # PyTorch's data loaders and NCCL use /dev/shm; docker's default 64 MB is far too small


class ContainerSpec(BaseModel):
    """One job's container: everything ``docker run`` needs (kept whole in the job record)."""

    model_config = ConfigDict(frozen=True)

    image: str
    command: list[str]
    environment: dict[str, str]
    mounts: list[tuple[str, str, str]]
    """(host path, path in the container, ``rw`` / ``ro``)."""
    name: str
    user: str
    gpus: str = "0"
    shm_size: str = DEFAULT_SHM
    ulimits: list[tuple[str, int, int]] = Field(default_factory=list)
    network: str = "host"
    working_dir: str = BATCHAI_MOUNT_ROOT
    labels: dict[str, str] = Field(default_factory=dict)


class ProcessDetails(BaseModel):
    """A process job keeps nothing beyond the common record (its pid is a common field)."""

    backend: Literal["process"] = "process"


class DockerDetails(BaseModel):
    """A docker job's container as it was created."""

    backend: Literal["docker"] = "docker"
    container: ContainerSpec


class AzureMLDetails(BaseModel):
    """Where an Azure ML job goes (workspace, cluster, image, datastore) and, once created, its name and page."""

    backend: Literal["azureml"] = "azureml"
    subscription_id: str
    resource_group: str
    workspace: str
    compute: str | None = None
    image: str | None = None
    datastore: str = "workspaceblobstore"
    extra_args: str = ""
    azure_name: str | None = None
    """The job's name in the workspace, once created."""
    studio_url: str | None = None


class SlurmDetails(BaseModel):
    """A Slurm job: how its ranks run, its script beside the record, and what Slurm last said about it."""

    backend: Literal["slurm"] = "slurm"
    container_mode: str = "none"
    """``none``, ``pyxis``, ``apptainer`` or ``oci`` (``runner.backends.slurm.config.ContainerMode``)."""
    nodes_requested: int = 1
    script: str = ""
    """The sbatch script, written beside the record."""
    slurm_job_id: str | None = None
    slurm_state: str | None = None
    """Slurm's own state word (``PENDING``, ``RUNNING``, ``COMPLETED``, ``NODE_FAIL``, ...)."""
    nodes: str = ""
    restarts: int = 0


JobDetails = Annotated[ProcessDetails | DockerDetails | AzureMLDetails | SlurmDetails, Field(discriminator="backend")]
