"""Which process a recorded pid is: an identity (pid, start time, boot id) that a reused pid does not match.

A pid alone names a different process once the first has ended and the kernel has handed the number on; the
start time (``/proc/PID/stat`` field 22, in clock ticks since boot) and the boot id
(``/proc/sys/kernel/random/boot_id``) together name one process for good. Nothing here signals a process.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

PROC = Path("/proc")
BOOT_ID = PROC / "sys/kernel/random/boot_id"


class ProcessIdentity(BaseModel):
    """One process for good: its pid, its start time since boot (clock ticks) and the boot it started in."""

    model_config = ConfigDict(frozen=True)

    pid: int = Field(gt=0)
    start_time: int = Field(ge=0)
    boot_id: str


class ProcStat(BaseModel):
    """The fields of ``/proc/PID/stat`` the runner reads."""

    state: str
    pgrp: int
    session: int
    start_time: int


def boot_id() -> str:
    """This boot's id."""
    return BOOT_ID.read_text().strip()


def read_stat(pid: int) -> ProcStat | None:
    """``/proc/PID/stat`` of a process (None: no such process); an exited one not yet reaped has state ``Z``."""
    if pid <= 0:
        return None
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name in parentheses may hold spaces and ")"
    return ProcStat(state=fields[0], pgrp=int(fields[2]), session=int(fields[3]), start_time=int(fields[19]))


def identify(pid: int) -> ProcessIdentity | None:
    """The identity of process ``pid``, running or exited but not yet reaped (None when there is none)."""
    stat = read_stat(pid)
    return None if stat is None else ProcessIdentity(pid=pid, start_time=stat.start_time, boot_id=boot_id())


def is_alive(identity: ProcessIdentity) -> bool:
    """Whether the process ``identity`` names still runs (not exited, and not another one that got its pid)."""
    stat = read_stat(identity.pid)
    if stat is None or stat.state in ("Z", "X"):
        return False
    return stat.start_time == identity.start_time and identity.boot_id == boot_id()


def pid_taken_by_another(identity: ProcessIdentity) -> bool:
    """Whether a different process than ``identity`` holds its pid now."""
    return identify(identity.pid) not in (None, identity)


def environment_of(pid: int) -> dict[str, str]:
    """The environment a process started with (empty when it cannot be read: gone, or another user's)."""
    try:
        raw = (PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.partition(b"=") for item in raw.split(b"\0") if item)
    return {key.decode(errors="replace"): value.decode(errors="replace") for key, _, value in pairs}


def processes_started_with(variable: str, value: str, since: ProcessIdentity) -> list[ProcessIdentity]:
    """Live processes started no earlier than ``since`` (in its boot) whose environment has ``variable=value``.

    A job's ranks carry its unique ``AZ_BATCHAI_JOB_ID``: this finds them after their launcher is gone.
    """
    if since.boot_id != boot_id():
        return []
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        identity = identify(int(entry.name))
        if identity is None or identity.start_time < since.start_time or not is_alive(identity):
            continue
        if environment_of(identity.pid).get(variable) == value:
            found.append(identity)
    return found
