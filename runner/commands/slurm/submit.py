"""``runner slurm submit``: a job template as one sbatch job; show, list, logs, files and cancel work as for any job."""

from __future__ import annotations

import os
import re
import signal as signal_module
import sys
from pathlib import Path
from typing import Annotated

import typer

from runner.backends.slurm.config import ContainerMode, SlurmConfig, SlurmConfigError
from runner.backends.slurm.script import SlurmJobOptions
from runner.commands.job_file import ExtraArgs, JobFile, JobName, Wait, read_job
from runner.commands.site_options import with_settings
from runner.submission.service import submit as run_submission
from runner.submission.slurm import SlurmSubmission


def python_bin(python_env: str | None) -> str:
    """The folder put first on the nodes' ``PATH``: ``ENV/bin`` (or ``ENV`` itself), default this Python's."""
    if not python_env:
        return str(Path(sys.executable).parent)
    env = Path(python_env).absolute()
    return str(env / "bin" if (env / "bin").is_dir() else env)


SIGNAL = re.compile(r"(?:[BR]{1,2}:)?(?:SIG)?(?P<sig>[A-Z][A-Z0-9]*|[0-9]+)(?:@[0-9]+)?")
"""What ``sbatch --signal`` takes: ``[{R|B}:]<sig_num>[@sig_time]``."""


def _signal_ok(text: str) -> bool:
    match = SIGNAL.fullmatch(text)
    if match is None:
        return False
    sig = match.group("sig")
    return 0 < int(sig) < 65 if sig.isdigit() else f"SIG{sig}" in signal_module.Signals.__members__


def _job_options(
    config: SlurmConfig, extra_args: str, nodes: int | None, requeue: bool, signal: str | None
) -> SlurmJobOptions:
    """What the job asks beyond the template, checked: the Python environment, the signal.

    Raises:
        SlurmConfigError: No Python environment at ``--python-env``, or a signal sbatch does not take.
    """
    bin_folder: str | None = None
    if config.container is ContainerMode.NONE:
        bin_folder = python_bin(config.python_env)
        if config.python_env and not (Path(bin_folder) / "python").exists():
            raise SlurmConfigError(
                f"--python-env {config.python_env}: no Python environment there (no {Path(bin_folder) / 'python'})",
                "give a virtual environment on storage every node (and this machine) sees",
            )
    elif config.python_env:
        bin_folder = f"{config.python_env.rstrip('/')}/bin"
    if signal is not None and not _signal_ok(signal):
        raise SlurmConfigError(
            f"--signal {signal!r} is not an sbatch signal", "use [B:]SIG[@SECONDS], e.g. TERM@120 or B:USR1@300"
        )
    return SlurmJobOptions(extra_args, nodes, requeue, signal, as_root=os.geteuid() == 0, python_bin=bin_folder)


@with_settings(SlurmConfig)
def submit(
    job_file: JobFile,
    settings: SlurmConfig,
    name: JobName = None,
    nodes: Annotated[
        int | None, typer.Option(help="Nodes \\[default: the template's nodeCount].", metavar="N", min=1)
    ] = None,
    requeue: Annotated[
        bool, typer.Option("--requeue", help="Let Slurm requeue the job (preemption, node failure).")
    ] = False,
    signal: Annotated[
        str | None,
        typer.Option(help="sbatch --signal, e.g. TERM@120: warn the job before its time limit.", metavar="SIG@S"),
    ] = None,
    extra_args: ExtraArgs = "",
    root: Annotated[
        Path | None,
        typer.Option(
            help="Local root on a folder every node sees \\[default: $RUNNER_HOME or ./.runner].", metavar="DIR"
        ),
    ] = None,
    wait: Wait = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the exact sbatch script; submit nothing.")] = False,
) -> None:
    """Submit the job as one sbatch script: nodeCount nodes, processCount / nodeCount ranks on each.

    The root's mounts/ folder must be on storage every node sees: it is $AZ_BATCHAI_MOUNT_ROOT on the nodes.

    Examples:
      runner slurm submit jobs/training_job.json --wait
      runner slurm submit jobs/predict_job.json --nodes 2 --partition gpu --gpus-per-node 4
      runner slurm submit jobs/training_job.json --dry-run
    """
    spec = read_job(job_file, extra_args, root)
    options = _job_options(settings, extra_args, nodes, requeue, signal)
    code = run_submission(SlurmSubmission(settings, options), job_file, spec, name, root, dry_run=dry_run, wait=wait)
    if wait:
        raise typer.Exit(code if code < 256 else 1)
