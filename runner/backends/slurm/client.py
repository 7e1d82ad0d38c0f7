"""Slurm's commands, from this machine: sbatch, scancel, and a job's state from wherever Slurm still keeps it.

A job's state comes from the controller (``scontrol show job``) while it knows the job (``MinJobAge`` after its
end), then from accounting (``sacct``, where a site runs slurmdbd), then from the job completion records
(``JobCompType=jobcomp/filetxt``, the file named by ``JobCompLoc``).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from runner.errors import RunnerError
from runner.store import JobState

TIMEOUT_S = 30
QUEUED = frozenset({"PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"})
RUNNING = frozenset({"RUNNING", "COMPLETING", "SUSPENDED", "STAGE_OUT", "SIGNALING", "RESIZING", "STOPPED"})
SLURM_FAILURES = frozenset({"NODE_FAIL", "TIMEOUT", "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL", "DEADLINE"})
"""End states where Slurm, not the job's command, ended the job (their reason goes in the record's error)."""
CANCELLED_EXIT = 130
"""The exit code of a job cancelled before it started (as for local jobs)."""


class SlurmError(RunnerError):
    """A Slurm command failed or is missing; the message is one line naming it."""


@dataclass(frozen=True)
class SlurmJobState:
    """One job as Slurm reports it."""

    state: str
    """Slurm's job state (``PENDING``, ``RUNNING``, ``COMPLETED``, ``CANCELLED``, ``NODE_FAIL``, ...)."""
    reason: str = ""
    """Why it is in that state, as Slurm says (``Resources``, ``Priority``, ``None``)."""
    exit_code: int | None = None
    signal: int | None = None
    nodes: str = ""
    start: str | None = None
    end: str | None = None
    restarts: int = 0
    source: str = "scontrol"

    @property
    def runner_state(self) -> JobState:
        """queued, running, succeeded or failed (a cancelled job is failed, with ``cancelled`` set)."""
        if self.state in QUEUED:
            return JobState.QUEUED
        if self.state in RUNNING:
            return JobState.RUNNING
        return JobState.SUCCEEDED if self.state == "COMPLETED" else JobState.FAILED

    @property
    def cancelled(self) -> bool:
        """Whether the job was cancelled (scancel, or its time ran out before it started)."""
        return self.state == "CANCELLED"

    @property
    def job_exit_code(self) -> int | None:
        """The exit code the runner records: the command's, or 128 + the signal that ended it."""
        if not self.runner_state.ended:
            return None
        if self.exit_code:
            return self.exit_code
        if self.signal:
            return 128 + self.signal
        if self.cancelled:
            return CANCELLED_EXIT
        return 0 if self.state == "COMPLETED" else 1

    @property
    def started(self) -> str | None:
        """When it started; None for a job that never did (Slurm gives a job cancelled while queued its end)."""
        if self.state in QUEUED or (self.cancelled and self.start == self.end):
            return None
        return self.start


def run(*command: str) -> str:
    """Run a Slurm command; its stdout.

    Raises:
        SlurmError: The command is missing, timed out or failed (its last stderr line).
    """
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
    except FileNotFoundError:
        raise SlurmError(f"{command[0]} is not installed (Slurm's client commands must be on PATH)") from None
    except subprocess.TimeoutExpired:
        raise SlurmError(f"{command[0]} did not answer in {TIMEOUT_S} s (is slurmctld running?)") from None
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise SlurmError(f"{command[0]} failed: {lines[-1] if lines else f'exit code {result.returncode}'}")
    return result.stdout


def sbatch(script: Path) -> str:
    """Submit a batch script; Slurm's job id."""
    return run("sbatch", "--parsable", str(script)).strip().split(";")[0]


def scancel(job_id: str) -> None:
    """Cancel a job, queued or running (every step on every node)."""
    run("scancel", job_id)


def fields(line: str) -> dict[str, str]:
    """``Key=value Key=value`` (scontrol's ``-o`` lines, jobcomp records) as a dict; values may hold spaces."""
    return dict(re.findall(r"(\S+?)=(.*?)(?= \S+?=|\s*$)", line.strip()))


def _exit(text: str) -> tuple[int | None, int | None]:
    code, _, signal = text.partition(":")
    return (int(code) if code.isdigit() else None), (int(signal) if signal.isdigit() else None)


def _time(text: str | None) -> str | None:
    return text if text and text not in ("Unknown", "None", "N/A") else None


def _from_fields(found: dict[str, str], source: str) -> SlurmJobState:
    code, signal = _exit(found.get("ExitCode", ""))
    return SlurmJobState(
        state=found.get("JobState", "UNKNOWN").split()[0],
        exit_code=code,
        signal=signal,
        reason=found.get("Reason", "None"),
        nodes=found.get("NodeList", ""),
        start=_time(found.get("StartTime")),
        end=_time(found.get("EndTime")),
        restarts=int(found.get("Restarts", "0") or 0),
        source=source,
    )


def _controller(job_id: str) -> SlurmJobState | None:
    try:
        out = run("scontrol", "show", "job", "-o", job_id)
    except SlurmError as exc:
        if "Invalid job id" in str(exc):
            return None
        raise
    return _from_fields(fields(out.splitlines()[0]), "scontrol") if out.strip() else None


def _accounting(job_id: str) -> SlurmJobState | None:
    try:
        out = run("sacct", "-j", job_id, "-X", "-n", "-P", "-o", "State,ExitCode,NodeList,Start,End")
    except SlurmError:
        return None
    lines = [line for line in out.splitlines() if line.strip()]
    if not lines or "accounting storage is disabled" in out:
        return None
    state, exit_code, nodes, start, end = (lines[-1].split("|") + [""] * 5)[:5]
    code, signal = _exit(exit_code)
    return SlurmJobState(
        state.split()[0], exit_code=code, signal=signal, nodes=nodes, start=_time(start), end=_time(end), source="sacct"
    )


def completion_log() -> Path | None:
    """The job completion file (``JobCompLoc``) where ``JobCompType=jobcomp/filetxt``, else None."""
    settings = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition("=") for line in run("scontrol", "show", "config").splitlines())
    )
    if settings.get("JobCompType") != "jobcomp/filetxt" or not settings.get("JobCompLoc"):
        return None
    return Path(settings["JobCompLoc"])


def _completion_record(job_id: str, name: str) -> SlurmJobState | None:
    path = completion_log()
    if path is None or not path.is_file():
        return None
    found = None
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith(f"JobId={job_id} "):
            record = fields(line)
            if record.get("Name") == name:
                found = record
    return _from_fields(found, "jobcomp") if found else None


def job_state(job_id: str, name: str) -> SlurmJobState | None:
    """A job's state from the controller, accounting or the completion records; None when none knows it.

    Raises:
        SlurmError: The controller cannot be asked.
    """
    return _controller(job_id) or _accounting(job_id) or _completion_record(job_id, name)


def node_reasons(nodes: str) -> str:
    """Why the given nodes are down or drained (``node2: Not responding``), or ''."""
    if not nodes:
        return ""
    try:
        out = run("sinfo", "-h", "-R", "-n", nodes, "-o", "%N: %E")
    except SlurmError:
        return ""
    return "; ".join(line.strip() for line in out.splitlines() if line.strip())
