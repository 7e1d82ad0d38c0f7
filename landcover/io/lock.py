"""One writer per output folder: an exclusive ``fcntl.flock`` on a lock file inside it, naming its holder.

Every ``landcover`` command that writes holds the lock of each output folder for as long as it writes there
(``train`` on ``--model-dir``, ``evaluate`` and ``predict`` on ``--output-dir``, the others on the folder of
their output). A second run into the same folder stops in one line naming the holder (command, pid, host,
start time). The lock goes with the process (kill -9 included), so a stale lock never blocks a rerun, and a
lock that can be taken proves that no other writer is alive: only then are leftovers (``.part`` files,
staging folders) of an earlier run removed.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import socket
from pathlib import Path
from typing import IO

from landcover.io.errors import LandcoverError

LOCK_NAME = ".landcover.lock"
"""The lock file in every output folder (the file stays: removing it would race with a run waiting for it)."""


class FolderLock:
    """An exclusive lock on an output folder for one run.

    Attributes:
        path: The lock file.
        option: How the command line names the folder, for the message.
        command: The command holding it (``train``, ``evaluate``...), written into the lock file.
    """

    def __init__(self, folder: Path, *, option: str, command: str, name: str = LOCK_NAME) -> None:
        """Remember the folder; :meth:`acquire` takes the lock."""
        self.path = folder / name
        self.option, self.command = option, command
        self.handle: IO[str] | None = None

    def acquire(self) -> FolderLock:
        """Take the lock, creating the folder, and write who holds it.

        Raises:
            LandcoverError: Another process holds it (named from the lock file).
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held open for the run
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise LandcoverError(
                f"{self.option} {self.path.parent}: in use by {holder}: it is being written",
                f"wait for that run to finish, or write into another {self.option}",
            ) from exc
        handle.seek(0)
        handle.truncate()
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        handle.write(f"landcover {self.command} pid {os.getpid()} on {socket.gethostname()} since {started}\n")
        handle.flush()
        self.handle = handle
        return self

    def release(self) -> None:
        """Let go of the lock (the file stays)."""
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()
