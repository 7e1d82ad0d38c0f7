"""``runner slurm configure``: store the site's partition, account, QOS, time, GPUs and container runtime."""

from __future__ import annotations

from rich.console import Console

from runner.backends.slurm.config import SlurmConfig
from runner.commands.site_options import with_settings


@with_settings(SlurmConfig)
def configure(settings: SlurmConfig) -> None:
    """Write the Slurm settings file (options override it per job; RUNNER_SLURM_* variables too).

    Examples:
      runner slurm configure --partition gpu --account geo --gpus-per-node 4
      runner slurm configure --container apptainer --image /shared/landcover.sif
    """
    Console().print(f"wrote {settings.save()}")
