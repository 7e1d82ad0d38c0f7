"""Slurm behind the one Backend interface: ``sbatch`` submits, the record follows Slurm's view of the job.

The job's files are on the shared folder this machine sees too (the mount root), so logs and outputs are
read where the nodes wrote them; only the state comes from Slurm (``client.job_state``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from runner.backends.base import Backend, BackendError
from runner.backends.slurm import client
from runner.details import SlurmDetails
from runner.job_outputs import OutputFolder, output_folders
from runner.store import JobRecord, load_record, save_record, update_record
from runner.watch import follow_logs

SCRIPT = "job.sbatch"
POLL_S = 2.0
CANCELLED_EXIT = client.CANCELLED_EXIT


def _iso(slurm_time: str | None) -> str | None:
    """Slurm's local ``2026-12-01T22:09:13`` as the records' UTC ISO time."""
    if not slurm_time:
        return None
    try:
        return dt.datetime.fromisoformat(slurm_time).astimezone(dt.UTC).isoformat(timespec="seconds")
    except ValueError:
        return None


def _details(record: JobRecord) -> SlurmDetails:
    if not isinstance(record.details, SlurmDetails):
        raise BackendError(f"job {record.name!r} has no Slurm details in its record", "submit it again")
    return record.details


def failure_line(state: client.SlurmJobState) -> str | None:
    """One line saying why Slurm ended the job, where Slurm (not the job's command) ended it."""
    if state.state not in client.SLURM_FAILURES:
        return None
    line = f"Slurm ended the job: {state.state}"
    if state.state == "NODE_FAIL":
        down = client.node_reasons(state.nodes)
        line += f" (a node of {state.nodes} was lost: {down or 'its slurmd stopped answering'})"
    elif state.reason and state.reason != "None":
        line += f" ({state.reason})"
    return line


class SlurmBackend(Backend):
    """A batch job on a Slurm cluster; the record names it by Slurm's job id (``details.slurm_job_id``)."""

    name = "slurm"

    def submit(self, directory: Path, record: JobRecord) -> JobRecord:
        """``sbatch`` the script the record's details name (written beside the record); save the record.

        Raises:
            BackendError: sbatch refused the job (its message).
        """
        details = _details(record)
        try:
            job_id = client.sbatch(Path(details.script))
        except client.SlurmError as exc:
            raise BackendError(str(exc), "check the cluster with `sinfo` and the options with --dry-run") from None
        record.details = details.model_copy(update={"slurm_job_id": job_id})
        try:
            save_record(directory, record)
        except OSError as exc:  # a job without its record could be neither followed nor cancelled: cancel it
            with contextlib.suppress(client.SlurmError):
                client.scancel(job_id)
            raise BackendError(
                f"{exc.filename or directory}: cannot write the job record ({exc.strerror or exc}); "
                f"Slurm job {job_id} was cancelled",
                "free space there, or pass another --root",
            ) from None
        return record

    def refresh(self, directory: Path, record: JobRecord) -> JobRecord:
        """The record with Slurm's state (kept once the job has ended; unchanged when Slurm cannot be asked)."""
        details = _details(record)
        if record.ended or details.slurm_job_id is None:
            return record
        try:
            state = client.job_state(details.slurm_job_id, record.name)
        except client.SlurmError:
            return record
        if state is None:
            return record
        error = failure_line(state) if state.runner_state == "failed" else None
        with update_record(directory) as current:
            current.state = state.runner_state
            current.cancelled = current.cancelled or state.cancelled
            current.started = _iso(state.started) or current.started
            current.details = _details(current).model_copy(
                update={"slurm_state": state.state, "nodes": state.nodes, "restarts": state.restarts}
            )
            if current.ended:
                current.finished = _iso(state.end) or current.finished
                current.exit_code = state.job_exit_code
                current.error = current.error or error
        return current

    def _ended(self, directory: Path) -> Callable[[], bool]:
        last = [0.0]

        def ended() -> bool:
            record = load_record(directory)
            if record.ended or time.monotonic() - last[0] < POLL_S:
                return record.ended
            last[0] = time.monotonic()
            return self.refresh(directory, record).ended

        return ended

    def wait(self, directory: Path, console: Console) -> int:
        """Print stdout and stderr live until the job ends; its exit code (130: Ctrl+C stopped the waiting only)."""
        if not follow_logs(
            directory, stderr=False, follow=True, both=True, console=console, ended=self._ended(directory)
        ):
            return CANCELLED_EXIT
        code = load_record(directory).exit_code
        return 1 if code is None else code

    def cancel(self, directory: Path, record: JobRecord) -> None:
        """``scancel``: a queued job never starts; a running one loses every rank on every node.

        Raises:
            BackendError: scancel failed.
        """
        job_id = _details(record).slurm_job_id
        with update_record(directory) as current:
            current.cancelled = True
        if job_id is None:
            return  # never reached sbatch
        try:
            client.scancel(job_id)
        except client.SlurmError as exc:
            raise BackendError(str(exc), "is slurmctld running? (`sinfo`)") from None

    def logs(self, directory: Path, record: JobRecord, *, stderr: bool, follow: bool, console: Console) -> None:
        """stdout.txt / stderr.txt on the shared folder; with ``follow`` until Slurm says the job ended."""
        follow_logs(directory, stderr=stderr, follow=follow, console=console, ended=self._ended(directory))

    def output_folders(self, record: JobRecord) -> list[OutputFolder]:
        """Output directories, then ``--model-dir`` / ``--output-dir`` (the nodes' paths are this machine's)."""
        return output_folders(record)
