"""Atomic file writes: write to a temporary file beside the target, fsync, rename over it, fsync the directory.

The one way either command puts a file in place: :func:`atomic_path` (and :func:`write_text_atomic`) for a
file written whole, :func:`move_into_place` for files already written elsewhere on the same disk (a staged
result). A reader never sees a half-written file under its name, and a crash after the rename keeps it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path


def fsync_file(path: Path) -> None:
    """Flush a file's data to disk."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_directory(directory: Path) -> None:
    """Flush a directory's entries to disk, so that a rename inside it survives a crash."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def move_into_place(moves: Iterable[tuple[Path, Path]]) -> None:
    """Rename each complete file onto its target (same file system), durably.

    Each file's data is flushed before its rename, and every folder that received one after the last, so after
    a crash a target holds either its old content or the whole new file.

    Args:
        moves: ``(source, target)`` pairs; a target's folder must exist.
    """
    folders: dict[Path, None] = {}
    for source, target in moves:
        fsync_file(source)
        os.replace(source, target)
        folders[Path(target).parent] = None
    for folder in folders:
        fsync_directory(folder)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the target's directory; rename it onto ``target`` on success.

    The file, and after the rename its directory, are flushed to disk. On an exception the temporary file
    is removed and ``target`` is left as it was, so a reader never sees a half-written file under its name.

    Args:
        target: The final path.

    Yields:
        The temporary path to write to.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # the mode of a file created plainly, not mkstemp's 0600
        move_into_place([(tmp, target)])
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(target: str | os.PathLike[str], text: str) -> Path:
    """Write a text file atomically; return its path."""
    with atomic_path(target) as tmp:
        tmp.write_text(text)
    return Path(target)
