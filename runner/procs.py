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
    """``/proc/PID/stat`` of a live process (None: no such process, or an exited one not yet reaped)."""
    if pid <= 0:
        return None
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name in parentheses may hold spaces and ")"
    stat = ProcStat(state=fields[0], pgrp=int(fields[2]), session=int(fields[3]), start_time=int(fields[19]))
    return None if stat.state in ("Z", "X") else stat


def identify(pid: int) -> ProcessIdentity | None:
    """The identity of the live process ``pid`` (None when there is none)."""
    stat = read_stat(pid)
    return None if stat is None else ProcessIdentity(pid=pid, start_time=stat.start_time, boot_id=boot_id())


def is_alive(identity: ProcessIdentity) -> bool:
    """Whether the process ``identity`` names still runs (not another one that got its pid since)."""
    return identify(identity.pid) == identity


def environment_of(pid: int) -> dict[str, str]:
    """The environment a process started with (empty when it cannot be read: gone, or another user's)."""
    try:
        raw = (PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.partition(b"=") for item in raw.split(b"\0") if item)
    return {key.decode(errors="replace"): value.decode(errors="replace") for key, _, value in pairs}


def processes_in_session(session: int) -> list[int]:
    """The live processes whose session id is ``session``."""
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            stat = read_stat(int(entry.name))
            if stat is not None and stat.session == session:
                found.append(int(entry.name))
    return found
