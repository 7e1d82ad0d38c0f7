"""The process and docker backends' part of a submit: the launch plan, its notes, a hostfile with the logs."""

from __future__ import annotations

from pathlib import Path

from clibase.text import counted
from runner.backends.local import CANCELLED_EXIT, LaunchPlan, LocalBackend, SubmitOptions
from runner.jobspec import JobSpec
from runner.layout import LocalRoot
from runner.store import JobRecord
from runner.submission.service import JobPlan, Submission


class LocalSubmission(Submission):
    """A job on this machine: local processes under mpirun, or the image in the Docker engine."""

    setup_hint = "run `runner local setup` first (or pass --root)"

    def __init__(self, backend: LocalBackend, options: SubmitOptions, notes: list[str]) -> None:
        super().__init__(backend)
        self.runs, self.options, self.here = backend, options, notes
        self.processes = 0

    def plan(self, spec: JobSpec, name: str, local: LocalRoot) -> JobPlan:
        """The backend's launch plan, checked before anything is written; its notes and warnings printed."""
        plan: LaunchPlan = self.runs.plan(spec, name, local, self.options)
        if not self.options.dry_run:
            self.runs.preflight(plan)
        for note in self.here:
            self.notes.print(f"note: {note}", markup=False)
        for note in plan.notes:
            self.notes.print(f"warning: {note}")
        stdouterr = Path(plan.paths.stdouterr)
        self.processes = spec.process_count
        return JobPlan(
            command=plan.command,
            outputs=dict(plan.paths.outputs),
            environment=plan.environment,
            details=plan.details,
            preview=self.runs.describe(plan) + "\n",
            stdouterr=stdouterr,
            files={stdouterr / "hostfile": f"localhost slots={spec.process_count}\n"},
        )

    def where(self, record: JobRecord) -> str:
        """The backend and the number of processes."""
        return f"{record.backend}, {counted(self.processes, 'process')}"

    def follow(self, directory: Path, record: JobRecord) -> int:
        """The job's exit code; a failure says where its stderr is."""
        code = super().follow(directory, record)
        if code not in (0, CANCELLED_EXIT):
            name = record.name
            self.notes.print(
                f"{name} failed with exit code {code} (its stderr is above; `runner logs {name} --stderr`)"
            )
        return code
