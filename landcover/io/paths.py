"""Whether a path can be written, checked before any work, so a bad one fails in one line.

The output mechanism (:mod:`landcover.io.outputs`) that every command that writes goes through calls
:func:`check_output_dir` or :func:`check_output_file` first: a path that is a file where a folder is wanted
(or the reverse), a folder that is read-only, or a path whose parent cannot be created is refused with the
option's name and the fix. Nothing is created by the check itself.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from landcover.io.errors import LandcoverError


def _existing_ancestor(path: Path) -> Path:
    """The nearest ancestor of ``path`` (or ``path`` itself) that exists."""
    current = path.absolute()
    while not current.exists() and current != current.parent:
        if current.is_symlink():  # a dangling link: refused by the caller as it is not a folder
            return current
        current = current.parent
    return current


def _writable(folder: Path) -> bool:
    """Whether a file can be made in ``folder``: tried, as permission bits do not tell (root, read-only mounts)."""
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".landcover-write-test"):
            return True
    except OSError:
        return False


def _check_creatable(path: Path, option: str) -> None:
    """Refuse a path whose nearest existing ancestor is not a writable folder."""
    ancestor = _existing_ancestor(path)
    if not ancestor.is_dir():
        raise LandcoverError(
            f"{option} {path}: cannot be created, {ancestor} is a file, not a folder",
            "choose a path under a folder",
        )
    if not _writable(ancestor):
        raise LandcoverError(
            f"{option} {path}: cannot be created, {ancestor} is not writable",
            "choose a writable location or fix its permissions",
        )


def check_output_dir(path: Path, option: str = "--output-dir") -> None:
    """Refuse an output folder that is a file, is read-only, or cannot be created (nothing is created).

    Args:
        path: The folder the command will write into.
        option: How the command line names it, for the message.

    Raises:
        LandcoverError: One line naming the option, the path and the fix.
    """
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise LandcoverError(f"{option} {path}: is a file, not a folder", "give a folder (new or existing)")
        if not _writable(path):
            raise LandcoverError(f"{option} {path}: folder is not writable", "choose a writable folder")
        return
    _check_creatable(path, option)


def check_output_file(path: Path, option: str, *, force: bool | None = None) -> None:
    """Refuse an output file that is a folder, exists (when ``force`` is False), or cannot be written.

    Args:
        path: The file the command will write.
        option: How the command line names it, for the message.
        force: ``False``: an existing file is refused (the command has ``--force``); ``True``: it may be
            replaced; ``None``: the command always replaces it (no ``--force`` to ask for).

    Raises:
        LandcoverError: One line naming the option, the path and the fix.
    """
    if path.is_dir():
        raise LandcoverError(f"{option} {path}: is a folder, not a file", "give a file name")
    if path.exists():
        if force is False:
            raise LandcoverError(
                f"{option} {path}: already exists", "pass --force to overwrite it, or choose another name"
            )
        if not _writable(path.parent):
            raise LandcoverError(f"{option} {path}: its folder is not writable", "choose a writable folder")
        return
    _check_creatable(path.parent, option)
