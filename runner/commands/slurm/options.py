"""Options ``runner slurm submit`` and ``runner slurm configure`` share (the site settings)."""

from __future__ import annotations

from typing import Annotated

import typer

Partition = Annotated[
    str | None, typer.Option(help="Partition \\[default: $RUNNER_SLURM_PARTITION, then the cluster's].", metavar="NAME")
]
Account = Annotated[
    str | None, typer.Option(help="Account to charge \\[default: $RUNNER_SLURM_ACCOUNT].", metavar="NAME")
]
Qos = Annotated[str | None, typer.Option(help="Quality of service \\[default: $RUNNER_SLURM_QOS].", metavar="NAME")]
Time = Annotated[
    str | None, typer.Option(help="Time limit, e.g. 30 or 4:00:00 \\[default: $RUNNER_SLURM_TIME].", metavar="TIME")
]
GpusPerNode = Annotated[
    int | None,
    typer.Option("--gpus-per-node", help="GPUs per node \\[default: $RUNNER_SLURM_GPUS_PER_NODE or 0].", metavar="N"),
]
Container = Annotated[
    str | None,
    typer.Option(
        help="none (a Python environment on shared storage), pyxis (enroot), apptainer or oci (Slurm's own) "
        "\\[default: $RUNNER_SLURM_CONTAINER or none].",
        metavar="MODE",
    ),
]
Image = Annotated[
    str | None,
    typer.Option(
        help="Image (pyxis, apptainer) or OCI bundle folder (oci) \\[default: $RUNNER_SLURM_IMAGE].", metavar="IMAGE"
    ),
]
PythonEnv = Annotated[
    str | None,
    typer.Option(
        "--python-env",
        help="Container none: the Python environment every node sees \\[default: this runner's].",
        metavar="DIR",
    ),
]
