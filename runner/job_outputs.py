"""What a local job wrote: its output directories, and the folders its command line writes to.

A Batch AI template names its outputs in ``outputDirectories`` (unique per job), but the training job
writes its model to ``--model-dir``, a folder shared by every run. Both count as the job's outputs;
from a shared folder only the files written since the job started are the job's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from runner.backends.azureml import OUTPUT_OPTIONS
from runner.store import JobRecord


@dataclass(frozen=True)
class OutputFolder:
    """One folder a job writes to, by output directory id (``IMAGES``) or option (``MODEL_DIR``)."""

    key: str
    path: str
    shared: bool


def host_path(path: str, record: JobRecord) -> Path:
    """A path as the job saw it, on this machine: through the container's bind mounts (the deepest that holds it)."""
    mounts = (record.details.get("container") or {}).get("mounts", [])
    holding = [
        (host, inside) for host, inside, *_ in mounts if path == inside or path.startswith(inside.rstrip("/") + "/")
    ]
    if not holding:
        return Path(path)
    host, inside = max(holding, key=lambda mount: len(mount[1]))
    return Path(host) / path[len(inside) :].lstrip("/")


def output_folders(record: JobRecord) -> list[OutputFolder]:
    """The job's output directories, then the folders given to ``--model-dir`` / ``--output-dir`` (local jobs)."""
    folders = [OutputFolder(key, path, shared=False) for key, path in record.outputs.items()]
    if record.backend == "azureml":
        return folders  # Azure ML turns those options into named outputs already
    given: dict[str, str] = {}  # the last value of an option wins, as in the command itself
    tokens = record.command
    for position, token in enumerate(tokens):
        option, _, inline = token.partition("=")
        if option in OUTPUT_OPTIONS and (inline or position + 1 < len(tokens)):
            given[option.lstrip("-").replace("-", "_").upper()] = str(host_path(inline or tokens[position + 1], record))
    for key, path in given.items():
        if all(Path(path) != Path(folder.path) for folder in folders):
            folders.append(OutputFolder(key, path, shared=True))
    return folders


def job_files(folder: OutputFolder, started: str | None) -> tuple[list[Path], int]:
    """Files under a folder (for a shared one, those written since ``started``) and how many were left out."""
    root = Path(folder.path)
    if not root.is_dir():
        return [], 0
    files = sorted(path for path in root.rglob("*") if path.is_file() and not path.name.startswith("."))
    if not folder.shared or started is None:
        return files, 0
    since = dt.datetime.fromisoformat(started).timestamp() - 1  # record times are whole seconds
    mine = [path for path in files if path.stat().st_mtime >= since]
    return mine, len(files) - len(mine)
