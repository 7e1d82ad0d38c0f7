"""Operating-system and GDAL failures as one-line errors that name the path and the real cause.

One mapping for every command: an ``OSError`` (a full disk, a name too long, a symbolic-link loop, a folder
where a file belongs, no permission, a read-only file system) or a GDAL error (whose own words may be only
"Seek error" or "Read failed") becomes a :class:`LandcoverError` naming the file or the disk and the fix.
:func:`check_input_file` applies it up front to a file a command reads; :func:`as_landcover_error` is the
last line of defence of the ``landcover`` command (``landcover.cli``), so no such failure ends in a traceback.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
from collections.abc import Sequence
from pathlib import Path

from landcover.io.errors import LandcoverError

FULL_DISK = (errno.ENOSPC, errno.EDQUOT)
NEARLY_FULL = 64 * 1024 * 1024
"""Free bytes under which a write failure that does not say why is put down to a full disk: GDAL reports ENOSPC
as "Write error", and by the time it is reported the unfinished file is removed, so "nearly full" counts."""

_CAUSES: dict[int, tuple[str, str]] = {
    errno.ENAMETOOLONG: ("file name too long", "use a shorter name (at most 255 bytes a name, 4096 a path)"),
    errno.ELOOP: ("a symbolic-link loop", "fix the link so that it points at a file"),
    errno.EISDIR: ("is a folder, where a file belongs", "give the file inside it"),
    errno.ENOTDIR: ("part of the path is a file, not a folder", "check the path"),
    errno.ENOENT: ("no such file or folder", "check the path"),
    errno.EACCES: ("permission denied", "fix its permissions or choose another path"),
    errno.EPERM: ("operation not permitted", "fix its permissions or choose another path"),
    errno.EROFS: ("on a read-only file system", "choose a writable location"),
    errno.EIO: ("input/output error (a failing disk or network share)", "check the disk, then rerun"),
}

_STRERRORS = {os.strerror(code): code for code in (*FULL_DISK, *_CAUSES)}
_READ_FAILURE = re.compile(r"IReadBlock failed|TIFFRead\w*\(\) failed|Read failed|TIFFReadDirectory|Cannot read")
_WRITE_FAILURE = re.compile(r"Write error|Seek error|Write failed|TIFFAppend|TIFFWrite|_tiffWriteProc|_tiffSeekProc")
_TORCH_WRITE_FAILURE = re.compile(r"unexpected pos|PytorchStreamWriter failed|file write failed")
_GDAL_FILE = re.compile(r"([^\s:,]+\.(?:tiff?|vrt|ovr|png|jpe?g))", re.IGNORECASE)


def mount_point(path: Path) -> Path:
    """The mount point of the file system holding ``path`` (or its nearest existing ancestor)."""
    current = path.absolute()
    while not current.exists() and current != current.parent:
        current = current.parent
    while not os.path.ismount(current) and current != current.parent:
        current = current.parent
    return current


def _size(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GiB"  # pragma: no cover


def full_disk(path: Path) -> LandcoverError:
    """A full disk (or quota): which disk, how much is free now, and what was kept."""
    mount = mount_point(path)
    try:
        free = f"{_size(shutil.disk_usage(mount).free)} free now"
    except OSError:
        free = "free space unknown"
    return LandcoverError(
        f"{path}: no space left on the disk mounted at {mount} ({free}); the file was not finished, "
        "what was written before it is kept",
        f"free space on {mount} (or write elsewhere), then rerun",
    )


def describe(code: int, path: Path | str) -> LandcoverError:
    """The one-line error for ``errno`` ``code`` on ``path``."""
    if code in FULL_DISK:
        return full_disk(Path(path))
    cause, hint = _CAUSES.get(code, (os.strerror(code).lower(), "check the path"))
    return LandcoverError(f"{path}: {cause}", hint)


def check_input_file(path: Path, what: str = "") -> None:
    """Refuse, in one line, a path given as a file to read that is not a readable regular file.

    A folder, a symbolic-link loop, a name too long, a missing file and a file without read permission are
    told apart (not all "no such file").

    Args:
        path: The file.
        what: What the file is (``"model file"``), for the message.

    Raises:
        LandcoverError: The path is not a readable file.
    """
    what = what or "file"
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        code = exc.errno or errno.ENOENT
        if code == errno.ENOENT:
            dangling = " (a broken symbolic link)" if path.is_symlink() else ""
            raise LandcoverError(f"{path}: no such {what}{dangling}", "check the path") from None
        raise describe(code, path) from None
    if stat.S_ISDIR(mode):
        raise LandcoverError(f"{path}: is a folder, where a {what} belongs", f"give the {what} inside it")
    if not stat.S_ISREG(mode):
        raise LandcoverError(f"{path}: not a regular file, where a {what} belongs", f"give a {what}")
    if not os.access(path, os.R_OK):
        raise LandcoverError(f"{path}: cannot read the {what} (permission denied)", "fix its permissions")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _paths(argv: Sequence[str]) -> list[Path]:
    """The command line's values that look like paths (the value of ``--flag=value`` too)."""
    paths = []
    for arg in argv:
        text = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else arg
        if text and not text.startswith("-") and "://" not in text and len(text) < 4096:
            paths.append(Path(text))
    return paths


def _named(text: str, argv: Sequence[str]) -> str:
    """The path of the command line that GDAL's message names (it names only a file's base name), or the name."""
    match = _GDAL_FILE.search(text)
    if match is None:
        return ""
    name = Path(match.group(1)).name
    for path in _paths(argv):
        if path.name == name:
            return str(path)
    return name


def _fullest(argv: Sequence[str]) -> Path:
    """Of the disks that the command line's paths are on, the one with least free space (else the folder here)."""
    best, least = Path.cwd(), float("inf")
    for path in _paths(argv):
        try:
            free = shutil.disk_usage(mount_point(path)).free
        except (OSError, ValueError):
            continue
        if free < least:
            best, least = path, free
    return best


def nearly_full(path: Path) -> bool:
    """Whether the disk holding ``path`` has less than :data:`NEARLY_FULL` bytes free (unknown: no)."""
    try:
        return shutil.disk_usage(mount_point(path)).free < NEARLY_FULL
    except (OSError, ValueError):
        return False


def _unexplained_write_failure(item: BaseException) -> bool:
    """A write failure that does not say why: GDAL's "Write error" / "Seek error", torch's "file write failed"."""
    if type(item).__module__.startswith("rasterio"):
        return bool(_WRITE_FAILURE.search(str(item)))
    return isinstance(item, RuntimeError) and bool(_TORCH_WRITE_FAILURE.search(str(item)))


def out_of_space(exc: BaseException, where: Path) -> bool:
    """Whether a failed write ran out of disk space: the one full-disk test of every command.

    ENOSPC or EDQUOT anywhere in the exception's chain; else (no errno in the chain) a write failure that does not
    say why, on a disk that is :func:`nearly_full` now.

    Args:
        exc: What the write raised.
        where: A path on the disk written to.
    """
    chain = _chain(exc)
    codes = [item.errno for item in chain if isinstance(item, OSError) and item.errno is not None]
    if codes:
        return any(code in FULL_DISK for code in codes)
    return any(_unexplained_write_failure(item) for item in chain) and nearly_full(where)


def _gdal_error(text: str, argv: Sequence[str]) -> LandcoverError:
    """A GDAL failure by its real cause: an errno in its words, a full disk behind a write or seek error."""
    named = _named(text, argv)
    for words, code in _STRERRORS.items():
        if words in text:
            return describe(code, named or _fullest(argv))
    first = text.splitlines()[0][:200] if text else "unknown error"
    if _WRITE_FAILURE.search(text):
        # libtiff prints "No space left on device" itself and GDAL raises only "Write error" / "Seek error";
        # the disk's free space tells (the unfinished file is removed by then, so "nearly full" counts).
        where = Path(named) if named and Path(named).parent != Path() else _fullest(argv)
        if nearly_full(where):
            return full_disk(where)
        return LandcoverError(f"{where}: writing failed ({first})", "check the disk's free space and permissions")
    if _READ_FAILURE.search(text):
        return LandcoverError(
            f"{named or 'a raster'}: truncated or damaged, its pixels cannot be read ({first})",
            "re-create or re-download it",
        )
    return LandcoverError(f"{named + ': ' if named else ''}GDAL error: {first}", "check the file")


def as_landcover_error(exc: BaseException, argv: Sequence[str] = ()) -> LandcoverError | None:
    """The one-line error for an operating-system or GDAL failure anywhere in ``exc``'s chain (else None).

    Args:
        exc: What a command raised.
        argv: The command line, to turn GDAL's base names into paths and to find the disk that filled up.
    """
    chain = _chain(exc)
    for item in chain:
        if isinstance(item, LandcoverError):
            return item
    for item in chain:
        if isinstance(item, OSError) and item.errno is not None:
            where = item.filename if item.filename is not None else _fullest(argv)
            return describe(item.errno, where)
    for item in chain:
        if type(item).__module__.startswith("rasterio"):
            text = " / ".join(str(link) for link in chain if type(link).__module__.startswith("rasterio"))
            return _gdal_error(text, argv)
    for item in chain:
        if isinstance(item, RuntimeError) and _TORCH_WRITE_FAILURE.search(str(item)):
            return _gdal_error(f"Write failed: {str(item).splitlines()[0]}", argv)
    for item in chain:
        if isinstance(item, RecursionError):
            return LandcoverError(
                f"an input is nested too deeply to read ({item})", "check the JSON files given to the command"
            )
    return None
