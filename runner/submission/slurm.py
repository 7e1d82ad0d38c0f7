"""The Slurm backend's part of a submit: one sbatch script, written into the job's folder, submitted."""

from __future__ import annotations

from pathlib import Path

from clibase.text import counted
from runner.backends.slurm.backend import SCRIPT, SlurmBackend
from runner.backends.slurm.config import SlurmConfig
from runner.backends.slurm.script import SlurmJobOptions, SlurmScript, build_script
from runner.details import SlurmDetails
from runner.jobspec import JobSpec
from runner.layout import LocalRoot, default_root
from runner.store import JobRecord
from runner.submission.service import JobPlan, Submission


class SlurmSubmission(Submission):
    """A job as one sbatch script on a root every node sees."""

    setup_hint = "run `runner local setup --root DIR` on the shared folder first"

    def __init__(self, config: SlurmConfig, options: SlurmJobOptions) -> None:
        super().__init__(SlurmBackend())
        self.notes.soft_wrap = False
        self.config, self.options = config, options
        self.script: SlurmScript | None = None

    def local_root(self, root: Path | None) -> LocalRoot:
        """The root as an absolute path (the nodes resolve it, not this folder)."""
        return LocalRoot((root or default_root()).absolute())

    def plan(self, spec: JobSpec, name: str, local: LocalRoot) -> JobPlan:
        """The sbatch script (the dry run) and the record's fields."""
        script = self.script = build_script(spec, name, local.mounts, self.config, self.options)
        directory = local.job_dir(name)
        return JobPlan(
            command=script.launch,
            outputs=dict(script.paths.outputs),
            environment=script.environment,
            details=SlurmDetails(
                container_mode=self.config.container.value, nodes_requested=script.nodes, script=str(directory / SCRIPT)
            ),
            preview=script.text,
            stdouterr=Path(script.paths.stdouterr),
            files={directory / SCRIPT: script.text},
        )

    def where(self, record: JobRecord) -> str:
        """The Slurm job id and the nodes and ranks."""
        assert self.script is not None
        job_id = getattr(record.details, "slurm_job_id", None)
        return (
            f"Slurm job {job_id}, {counted(self.script.nodes, 'node')} x {counted(self.script.tasks_per_node, 'rank')}"
        )
