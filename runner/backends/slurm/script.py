"""A Batch AI job template as one ``sbatch`` script (pure: the same inputs give the same text).

``nodeCount`` becomes ``--nodes``, ``processCount`` (a total in Batch AI) ``--ntasks-per-node`` = processCount /
nodeCount. The mount root is a folder every node sees; it is ``$AZ_BATCHAI_MOUNT_ROOT`` on the nodes and, bound at
the same path, inside containers. The script writes Batch AI's MPI host file from the allocation's node list,
then starts the ranks: ``mpirun`` inside the allocation (Open MPI starts its daemons through Slurm), or the
container runtime's launcher.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from runner.backends.base import BackendError
from runner.backends.slurm.config import ContainerMode, SlurmConfig
from runner.jobspec import JobSpec, expand
from runner.layout import JobPaths, job_environment, job_paths
from runner.shellwords import split
from runner.text import counted

MPI_FLAGS = ("--bind-to", "none", "--mca", "odls_base_sigkill_timeout", "30")
"""Slurm has placed the ranks already (Open MPI must not pin them to cores of its own choosing); a rank sent
SIGTERM (preemption, ``scontrol requeue``, ``--signal``) gets 30 s, not Open MPI's 1 s, to write its checkpoint
before the MPI daemons kill it (Slurm's ``KillWait`` is the other bound)."""


@dataclass(frozen=True)
class SlurmJobOptions:
    """What ``runner slurm submit`` was asked for beyond the template and the site settings."""

    extra_args: str = ""
    nodes: int | None = None
    """Overrides the template's ``nodeCount``."""
    requeue: bool = False
    signal: str | None = None
    """``sbatch --signal``, e.g. ``TERM@120``: a signal that long before the time limit (for checkpointing)."""
    as_root: bool = False
    """The job runs as root: Open MPI needs ``--allow-run-as-root``."""
    python_bin: str | None = None
    """The folder put first on ``PATH``: the Python environment's ``bin`` (on the nodes, or in the image)."""


@dataclass(frozen=True)
class SlurmScript:
    """One job's sbatch script and what the runner records about it."""

    text: str
    launch: list[str]
    """The line that starts the ranks, as the script runs it."""
    command: list[str]
    """The ranks' own command line (Batch AI variables expanded, ``--extra-args`` appended)."""
    environment: dict[str, str]
    paths: JobPaths
    """Batch AI's variables, the stdouterr and output folders (the nodes see this machine's paths)."""
    nodes: int
    tasks_per_node: int


def node_layout(spec: JobSpec, nodes: int | None = None) -> tuple[int, int]:
    """``(nodes, ranks per node)`` of a job.

    Raises:
        BackendError: The process count does not divide over the nodes.
    """
    count = nodes or spec.node_count
    if count < 1:
        raise BackendError(f"--nodes must be at least 1, not {count}", "give a node count of 1 or more")
    if not spec.mpi:
        return count, 1
    if spec.process_count % count:
        raise BackendError(
            f"processCount {spec.process_count} does not divide over {counted(count, 'node')} "
            "(Slurm starts the same number of ranks on every node)",
            f"make processCount a multiple of the node count, e.g. {count * max(1, spec.process_count // count)}",
        )
    return count, spec.process_count // count


def _image_reference(mode: ContainerMode, image: str) -> str:
    """Apptainer takes ``docker://NAME`` for a registry image; a ``.sif`` file or a URI stays as given."""
    if mode is ContainerMode.APPTAINER and "://" not in image and not image.endswith((".sif", ".simg")):
        return f"docker://{image}"
    return image


def launch_line(
    mode: ContainerMode, command: list[str], *, ranks: int, mpi: bool, mount_root: str, image: str | None, as_root: bool
) -> list[str]:
    """The exact argv that starts the job's ranks inside the allocation, for one container mode.

    Args:
        mode: How the ranks run (environment on shared storage, pyxis, Apptainer, Slurm OCI).
        command: The ranks' command line.
        ranks: Total ranks (nodes x ranks per node).
        mpi: An MPI job (``customToolkitSettings`` runs its command once, on the first node).
        mount_root: The shared folder, bound at the same path inside containers.
        image: Image or OCI bundle (container modes).
        as_root: Add ``--allow-run-as-root`` to mpirun.
    """
    mpirun = ["mpirun", "-np", str(ranks), *MPI_FLAGS, *(["--allow-run-as-root"] if as_root else [])]
    # one rank needs no process management interface (and a single-rank step works where PMIx does not)
    step = ["--mpi=pmix"] if mpi and ranks > 1 else ["--mpi=none", "--ntasks=1", "--nodes=1"]
    if mode is ContainerMode.NONE:
        return [*mpirun, *command] if mpi else command
    assert image is not None  # SlurmConfig refuses a container mode without one
    if mode is ContainerMode.PYXIS:
        return [
            "srun",
            *step,
            f"--container-image={image}",
            f"--container-mounts={mount_root}:{mount_root}",
            *command,
        ]
    if mode is ContainerMode.APPTAINER:
        apptainer = ["apptainer", "exec", "--nv", "--bind", f"{mount_root}:{mount_root}"]
        return [*(mpirun if mpi else []), *apptainer, _image_reference(mode, image), *command]
    return ["srun", *step, f"--container={image}", *command]


def _directives(
    name: str, nodes: int, per_node: int, stdouterr: Path, config: SlurmConfig, options: SlurmJobOptions
) -> list[str]:
    """The ``#SBATCH`` options: name, nodes and ranks, logs, requeue, GPUs, partition, account, QOS, time, signal."""
    directives = [
        f"--job-name={name}",
        f"--nodes={nodes}",
        f"--ntasks-per-node={per_node}",
        f"--output={stdouterr / 'stdout.txt'}",
        f"--error={stdouterr / 'stderr.txt'}",
        "--open-mode=append",
        "--requeue" if options.requeue else "--no-requeue",
    ]
    if config.gpus_per_node:
        directives.append(f"--gpus-per-node={config.gpus_per_node}")
    for option, value in (
        ("partition", config.partition),
        ("account", config.account),
        ("qos", config.qos),
        ("time", config.time),
        ("signal", options.signal),
    ):
        if value:
            directives.append(f"--{option}={value}")
    return directives


def build_script(
    spec: JobSpec,
    name: str,
    mount_root: Path,
    config: SlurmConfig,
    options: SlurmJobOptions,
    job_id: str | None = None,
) -> SlurmScript:
    """The sbatch script of one job.

    Args:
        spec: The job template.
        name: The job's name (unique; its stdouterr folder and Slurm's ``--job-name``).
        mount_root: ``$AZ_BATCHAI_MOUNT_ROOT``: a folder every node sees at this path.
        config: Partition, account, QOS, time, GPUs per node, container mode and image.
        options: Extra arguments, node count override, requeue, signal.
        job_id: Batch AI's job id (a new one if None): makes the output directories unique.

    Raises:
        BackendError: Counts that do not divide over the nodes.
    """
    nodes, per_node = node_layout(spec, options.nodes)
    root = str(mount_root)
    paths = job_paths(spec, name, root, job_id=job_id, gpus=config.gpus_per_node)
    environment = job_environment(spec, paths.variables)
    command = split(expand(f"{spec.command} {options.extra_args}".strip(), paths.variables))
    launch = launch_line(
        config.container,
        command,
        ranks=nodes * per_node,
        mpi=spec.mpi,
        mount_root=root,
        image=config.image,
        as_root=options.as_root,
    )
    directives = _directives(name, nodes, per_node, Path(paths.stdouterr), config, options)
    lines = [
        "#!/bin/bash",
        f"# runner slurm submit: job {name} ({spec.tool}, container mode {config.container.value})",
        *(f"#SBATCH {directive}" for directive in directives),
        "set -eo pipefail",
        "# Batch AI's variables and the template's environment",
        *(f"export {key}={shlex.quote(value)}" for key, value in sorted(environment.items())),
        *([f'export PATH={shlex.quote(options.python_bin)}:"$PATH"'] if options.python_bin else []),
        "# Batch AI's MPI host file, from the allocation's node list",
        'scontrol show hostnames "$SLURM_JOB_NODELIST"'
        f' | awk \'{{print $0 " slots={per_node}"}}\' >"$AZ_BATCHAI_MPI_HOST_FILE"',
        f"exec {shlex.join(launch)}",
        "",
    ]
    return SlurmScript("\n".join(lines), launch, command, environment, paths, nodes, per_node)
