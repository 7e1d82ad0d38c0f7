"""``runner slurm configure``: store the site's partition, account, QOS, time, GPUs and container runtime."""

from __future__ import annotations

from rich.console import Console

from runner.backends.slurm.config import SlurmConfigError, load_config, save_config
from runner.commands.report import fail
from runner.commands.slurm.options import Account, Container, GpusPerNode, Image, Partition, PythonEnv, Qos, Time


def configure(
    partition: Partition = None,
    account: Account = None,
    qos: Qos = None,
    time: Time = None,
    gpus_per_node: GpusPerNode = None,
    container: Container = None,
    image: Image = None,
    python_env: PythonEnv = None,
) -> None:
    """Write the Slurm settings file (options override it per job; RUNNER_SLURM_* variables too).

    Examples:
      runner slurm configure --partition gpu --account geo --gpus-per-node 4
      runner slurm configure --container apptainer --image /shared/landcover.sif
    """
    try:
        config = load_config(
            partition=partition,
            account=account,
            qos=qos,
            time=time,
            gpus_per_node=gpus_per_node,
            container=container,
            image=image,
            python_env=python_env,
        )
    except SlurmConfigError as exc:
        fail(str(exc), "see `runner slurm configure --help`")
    Console().print(f"wrote {save_config(config)}")
