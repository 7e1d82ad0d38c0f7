"""What a local job wrote: its output directories, and the folders its command line writes to.

A Batch AI template names its outputs in ``outputDirectories`` (unique per job), but the training job
writes its model to ``--model-dir``, a folder shared by every run. Both count as the job's outputs;
from a shared folder only the files written since the job started are the job's. The local backends use
these helpers; nothing here knows which backend ran a job (a container's bind mounts are passed in).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from runner.jobspec import OUTPUT_OPTIONS
from runner.store import JobRecord

Mount = tuple[str, str, str]
"""(host path, path the job sees, mode), as ``ContainerSpec.mounts`` lists them."""


@dataclass(frozen=True)
class OutputFolder:
    """One folder a job writes to, by output directory id (``IMAGES``) or option (``MODEL_DIR``)."""

    key: str
    path: str
    shared: bool


def host_path(path: str, mounts: Sequence[Mount] = ()) -> Path:
    """A path as the job saw it, on this machine: through the bind mounts (the deepest that holds it)."""
    holding = [
        (host, inside) for host, inside, *_ in mounts if path == inside or path.startswith(inside.rstrip("/") + "/")
    ]
    if not holding:
        return Path(path)
    host, inside = max(holding, key=lambda mount: len(mount[1]))
    return Path(host) / path[len(inside) :].lstrip("/")


def output_folders(record: JobRecord, mounts: Sequence[Mount] = ()) -> list[OutputFolder]:
    """The job's output directories, then the folders given to ``--model-dir`` / ``--output-dir``."""
    folders = [OutputFolder(key, path, shared=False) for key, path in record.outputs.items()]
    given: dict[str, str] = {}  # the last value of an option wins, as in the command itself
    tokens = record.command
    for position, token in enumerate(tokens):
        option, _, inline = token.partition("=")
        if option in OUTPUT_OPTIONS and (inline or position + 1 < len(tokens)):
            given[option.lstrip("-").replace("-", "_").upper()] = str(host_path(inline or tokens[position + 1], mounts))
    for key, path in given.items():
        if all(Path(path) != Path(folder.path) for folder in folders):
            folders.append(OutputFolder(key, path, shared=True))
    return folders


def _mtime(path: Path) -> float | None:
    """The modification time, or None for a file that vanished or a link that leads nowhere."""
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def job_files(folder: OutputFolder, started: str | None) -> tuple[list[Path], int]:
    """Files under a folder (for a shared one, those written since ``started``) and how many were left out.

    Broken symbolic links are listed too (``sized`` shows them without a size); a file that vanishes while the
    folder is read is left out.
    """
    root = Path(folder.path)
    if not root.is_dir():
        return [], 0
    try:
        found = list(root.rglob("*"))
    except OSError:  # a sub-folder removed while it was read: list what remains
        found = list(root.iterdir()) if root.is_dir() else []
    files = sorted(
        path
        for path in found
        if not path.name.startswith(".") and (path.is_file() or (path.is_symlink() and not path.exists()))
    )
    if not folder.shared or started is None:
        return files, 0
    since = dt.datetime.fromisoformat(started).timestamp() - 1  # record times are whole seconds
    mine = [path for path in files if (_mtime(path) or path.lstat().st_mtime) >= since]
    return mine, len(files) - len(mine)


def sized(paths: Sequence[Path], root: str) -> list[tuple[str, int | None]]:
    """Each path relative to ``root`` with its size: None for a broken link or a file gone since it was listed."""
    sizes: list[tuple[str, int | None]] = []
    for path in paths:
        try:
            size: int | None = path.stat().st_size
        except OSError:
            size = None
        sizes.append((str(path.relative_to(root)), size))
    return sizes
