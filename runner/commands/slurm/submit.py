"""``runner slurm submit``: a job template as one sbatch job; show, list, logs, files and cancel work as for any job."""

from __future__ import annotations

import os
import re
import signal as signal_module
import sys
from pathlib import Path
from typing import Annotated

import typer

from runner.backends.slurm.config import ContainerMode, SlurmConfigError, load_config
from runner.backends.slurm.script import SlurmJobOptions
from runner.commands.job_file import JOB_FILE_HELP, read_job
from runner.commands.report import fail
from runner.commands.slurm.options import Account, Container, GpusPerNode, Image, Partition, PythonEnv, Qos, Time
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


def submit(
    job_file: Annotated[Path, typer.Argument(help=JOB_FILE_HELP, metavar="JOB_FILE")],
    name: Annotated[
        str | None, typer.Option(help="Job name \\[default: template name + time].", metavar="NAME")
    ] = None,
    nodes: Annotated[
        int | None, typer.Option(help="Nodes \\[default: the template's nodeCount].", metavar="N", min=1)
    ] = None,
    partition: Partition = None,
    account: Account = None,
    qos: Qos = None,
    time: Time = None,
    gpus_per_node: GpusPerNode = None,
    container: Container = None,
    image: Image = None,
    python_env: PythonEnv = None,
    requeue: Annotated[
        bool, typer.Option("--requeue", help="Let Slurm requeue the job (preemption, node failure).")
    ] = False,
    signal: Annotated[
        str | None,
        typer.Option(help="sbatch --signal, e.g. TERM@120: warn the job before its time limit.", metavar="SIG@S"),
    ] = None,
    extra_args: Annotated[
        str, typer.Option("--extra-args", help="Appended to the job's command line.", metavar="ARGS")
    ] = "",
    root: Annotated[
        Path | None,
        typer.Option(
            help="Local root on a folder every node sees \\[default: $RUNNER_HOME or ./.runner].", metavar="DIR"
        ),
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Stay, streaming the logs, until the job ends.")] = False,
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
        fail(str(exc), "fix the option, the RUNNER_SLURM_* variable or `runner slurm configure`")
    if config.container is ContainerMode.NONE and config.python_env:
        bin_folder = Path(python_bin(config.python_env))
        if not (bin_folder / "python").exists():
            fail(
                f"--python-env {config.python_env}: no Python environment there (no {bin_folder / 'python'})",
                "give a virtual environment on storage every node (and this machine) sees",
            )
    if signal is not None and not _signal_ok(signal):
        fail(f"--signal {signal!r} is not an sbatch signal", "use [B:]SIG[@SECONDS], e.g. TERM@120 or B:USR1@300")
    options = SlurmJobOptions(
        extra_args=extra_args,
        nodes=nodes,
        requeue=requeue,
        signal=signal,
        as_root=os.geteuid() == 0,
        python_bin=python_bin(config.python_env)
        if config.container is ContainerMode.NONE
        else (f"{config.python_env.rstrip('/')}/bin" if config.python_env else None),
    )
    code = run_submission(SlurmSubmission(config, options), job_file, spec, name, root, dry_run=dry_run, wait=wait)
    if wait:
        raise typer.Exit(code if code < 256 else 1)
