"""The one output mechanism of every ``landcover`` command that writes.

A command declares its inputs and its outputs; then:

1. **Confinement.** Every output is resolved (symlinks too) and refused when it is, sits inside, or holds one
   of the command's inputs (:func:`check_confined`), before any work.
2. **Ownership.** An output folder keeps a manifest of the files landcover wrote there
   (``.landcover-outputs.json``, replaced atomically). A file at an output's name that is not recorded there
   is the user's: it is refused, with or without ``--force``. An earlier result of ours is refused without
   ``--force``; with it, only the recorded files of that result are replaced or removed: nothing else in the
   folder is touched.
3. **Replace when complete.** A whole result (:class:`StagedResult`) is written into a staging folder inside
   the output folder (same filesystem) and moved into place only once it is complete, so a failure or a full
   disk part-way leaves the earlier result as it was. Results that grow item by item (``predict``,
   ``pairs``) claim each name in the manifest before writing it and record it once it is complete, with
   the identity of its source, so a rerun trusts only what opens and still matches (:meth:`OutputFolder.intact`).
4. **One writer per folder.** The folder's lock (:class:`~landcover.io.lock.FolderLock`) is held for the
   whole run; leftovers of an earlier run (staging folders, ``.part`` files) are removed only while it is held,
   that is only when their writer is gone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from clibase.atomic import fsync_directory, move_into_place, write_text_atomic
from landcover.io.errors import LandcoverError
from landcover.io.lock import LOCK_NAME, FolderLock
from landcover.io.oserrors import out_of_space
from landcover.io.paths import check_output_dir, check_output_file

MANIFEST_NAME = ".landcover-outputs.json"
STAGING_PREFIX = ".landcover-staging-"
LEFTOVER_SUFFIXES = (".part.tif", ".tmp")
"""Hidden partial files (``StreamingRaster``, ``atomic_path``) that a killed writer leaves."""
OWN_NAMES = (MANIFEST_NAME, LOCK_NAME)


class Named(BaseModel):
    """A path a command reads or writes, with how its command line names it (for messages)."""

    path: Path
    option: str


class FileRecord(BaseModel):
    """One file landcover wrote (or is writing) in an output folder.

    Attributes:
        result: The result it belongs to (``evaluate``, ``export:m.onnx``, ``predict``...).
        complete: Written in full; ``size`` and ``mtime_ns`` then say what was written.
        source: The identity of what it was made from (e.g. a scene's size and mtime), when that matters.
    """

    result: str
    complete: bool = False
    size: int | None = None
    mtime_ns: int | None = None
    source: dict[str, str | int] = Field(default_factory=dict)


class Manifest(BaseModel):
    """What landcover wrote in one folder: file records (names relative to it) and results being committed."""

    format_version: Literal[1] = 1
    files: dict[str, FileRecord] = Field(default_factory=dict)
    pending: dict[str, int] = Field(default_factory=dict)
    """Results whose files are being moved into place (result -> pid): set while a commit runs."""

    @field_validator("files")
    @classmethod
    def _inside(cls, files: dict[str, FileRecord]) -> dict[str, FileRecord]:
        """Names stay inside the folder: a record naming ``../x`` or ``/x`` is damaged, never followed."""
        for name in files:
            path = Path(name)
            if path.is_absolute() or ".." in path.parts or not path.parts:
                raise ValueError(f"{name!r} is not a name inside the folder")
        return files

    @classmethod
    def load(cls, folder: Path, option: str) -> Manifest:
        """The folder's manifest (empty when there is none).

        Raises:
            LandcoverError: The manifest is damaged.
        """
        path = folder / MANIFEST_NAME
        if not path.is_file():
            return cls()
        try:
            return cls.model_validate_json(path.read_bytes())
        except (OSError, ValidationError) as exc:
            raise LandcoverError(
                f"{option} {folder}: its record of landcover's files {path.name} is unreadable or damaged",
                f"remove {path} (landcover then treats every file there as not its own) or choose another folder",
            ) from exc

    def save(self, folder: Path) -> None:
        """Write the manifest atomically."""
        write_text_atomic(folder / MANIFEST_NAME, self.model_dump_json(indent=1) + "\n")


def _resolve(path: Path, option: str) -> Path:
    try:
        return path.expanduser().resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise LandcoverError(f"{option} {path}: cannot be resolved ({exc})", "check the path's symlinks") from exc


def _relation(output: Path, given: Path) -> str | None:
    """How a resolved output relates to a resolved input: ``is``, ``is inside``, ``holds`` or None."""
    if output == given:
        return "is"
    with contextlib.suppress(OSError):
        if output.exists() and given.exists() and os.path.samefile(output, given):
            return "is"  # a hard link to the input
    if output.is_relative_to(given):
        return "is inside"
    if given.is_relative_to(output):
        return "holds"
    return None


def check_confined(outputs: Sequence[Named], inputs: Sequence[Named]) -> None:
    """Refuse an output that is, sits inside, or holds an input (symlinks resolved).

    Raises:
        LandcoverError: One line naming the output's option, the input and the fix.
    """
    for output in outputs:
        resolved = _resolve(output.path, output.option)
        for given in inputs:
            relation = _relation(resolved, _resolve(given.path, given.option))
            if relation is not None:
                raise LandcoverError(
                    f"{output.option} {output.path}: {relation} {given.option} {given.path}, an input of this command",
                    f"write to a path that neither is, holds nor sits inside an input (not {output.path})",
                )


def _stat(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns


def _listing(names: Sequence[str]) -> str:
    return names[0] + (f" and {len(names) - 1} more" if len(names) > 1 else "")


def _hidden_own(name: str) -> bool:
    """Our own bookkeeping (manifest, lock, staging) and a killed writer's partial files."""
    return (
        name in OWN_NAMES
        or name.startswith(STAGING_PREFIX)
        or (name.startswith(".") and name.endswith(LEFTOVER_SUFFIXES))
    )


class OutputFolder:
    """One output folder of a run: confined, locked, with its manifest; leftovers of dead writers removed.

    :meth:`check` changes nothing; :meth:`acquire` (or entering ``with``) takes the lock; :meth:`close` (or
    leaving ``with``) releases it.
    """

    def __init__(
        self, folder: Path, *, option: str, command: str, result: str | None = None, target: Path | None = None
    ) -> None:
        """Remember the folder.

        Args:
            folder: The output folder.
            option: How the command line names it (or the output file), for messages.
            command: The command writing it.
            result: The result its files belong to (default: the command).
            target: The output file, when the command writes one file into this folder (messages name it).
        """
        self.folder, self.option, self.command, self.target = folder, option, command, target
        self.result = result or command
        self.lock = FolderLock(folder, option=option, command=command)
        self.manifest = Manifest()

    def check(self, inputs: Sequence[Named] = ()) -> OutputFolder:
        """Check the folder (writable, confined) and read its manifest, changing nothing.

        Raises:
            LandcoverError: Not writable, overlapping an input, or a damaged manifest.
        """
        check_output_dir(self.folder, self.option)
        check_confined([Named(path=self.folder, option=self.option)], inputs)
        if self.folder.is_dir():
            self.manifest = Manifest.load(self.folder, self.option)
        return self

    def acquire(self) -> OutputFolder:
        """Take the folder's lock (creating the folder), then read its manifest again.

        Raises:
            LandcoverError: In use by another run, or a damaged manifest.
        """
        self.lock.acquire()
        try:
            self.manifest = Manifest.load(self.folder, self.option)
        except LandcoverError:
            self.lock.release()
            raise
        return self

    def open(self, inputs: Sequence[Named] = ()) -> OutputFolder:
        """:meth:`check`, then :meth:`acquire`."""
        return self.check(inputs).acquire()

    def close(self) -> None:
        """Release the lock."""
        self.lock.release()

    def __enter__(self) -> OutputFolder:
        return self if self.lock.handle is not None else self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def owned(self, name: str) -> bool:
        """Whether landcover wrote (or claimed) the file of this name."""
        return name in self.manifest.files

    def foreign(self, names: Sequence[str]) -> list[str]:
        """The names among ``names`` that exist in the folder and landcover did not write."""
        present = [n for n in names if (self.folder / n).exists() or (self.folder / n).is_symlink()]
        return [n for n in present if not self.owned(n)]

    def refuse_foreign(self, names: Sequence[str]) -> None:
        """Refuse output names taken by files landcover did not write (``--force`` does not replace them).

        Raises:
            LandcoverError: One line naming the first such file.
        """
        taken = self.foreign(names)
        if not taken:
            return
        folders = [n for n in taken if (self.folder / n).is_dir()]
        if folders:
            raise LandcoverError(
                f"{self.option} {self.folder}: {folders[0]} is a folder, where an output file goes",
                f"move it away, or choose another {self.option}",
            )
        rule = "(--force replaces only what landcover wrote)"
        if self.target is not None:
            raise LandcoverError(
                f"{self.option} {self.target}: already exists, and landcover did not write it {rule}",
                "move it away, or choose another name",
            )
        raise LandcoverError(
            f"{self.option} {self.folder}: holds {_listing(taken)} already, which landcover did not write {rule}",
            f"move {'it' if len(taken) == 1 else 'them'} away, or choose another {self.option}",
        )

    def ours(self, result: str | None = None) -> list[str]:
        """The recorded files of a result (default: this one) that are in the folder."""
        wanted = result or self.result
        return [n for n, r in self.manifest.files.items() if r.result == wanted and (self.folder / n).exists()]

    def remove_result(self) -> list[str]:
        """Remove this result's recorded files (``--force`` on a result that grows item by item); return them."""
        assert self.lock.handle is not None, "files are removed only under the folder's lock"
        names = [n for n, r in self.manifest.files.items() if r.result == self.result]
        for name in names:
            (self.folder / name).unlink(missing_ok=True)
            del self.manifest.files[name]
        if names:
            self.manifest.save(self.folder)
        return names

    def claim(self, names: Sequence[str]) -> None:
        """Record names as landcover's before writing them (refusing any taken by a file it did not write)."""
        self.refuse_foreign(names)
        new = [n for n in names if n not in self.manifest.files]
        for name in new:
            self.manifest.files[name] = FileRecord(result=self.result)
        if new:
            self.manifest.save(self.folder)

    def record(self, name: str, source: dict[str, str | int] | None = None, *, save: bool = True) -> None:
        """Record a file as complete: its size and mtime now, and the identity of its source."""
        size, mtime = _stat(self.folder / name)
        self.manifest.files[name] = FileRecord(
            result=self.result, complete=True, size=size, mtime_ns=mtime, source=source or {}
        )
        if save:
            self.manifest.save(self.folder)

    def unchanged(self, name: str) -> bool:
        """Whether a file is not known to have changed since landcover recorded it complete (size and mtime)."""
        record = self.manifest.files.get(name)
        path = self.folder / name
        if record is None or not record.complete:
            return True
        return path.is_file() and _stat(path) == (record.size, record.mtime_ns)

    def intact(self, name: str, source: dict[str, str | int] | None = None) -> bool:
        """Whether a recorded file is complete and unchanged since, and was made from this source."""
        record = self.manifest.files.get(name)
        path = self.folder / name
        if record is None or not record.complete or not path.is_file():
            return False
        if _stat(path) != (record.size, record.mtime_ns):
            return False
        return source is None or record.source == source

    def staging_prefix(self, result: str | None = None) -> str:
        """The name a staging folder of a result starts with."""
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in (result or self.result))
        return f"{STAGING_PREFIX}{safe}-"

    def staging_leftovers(self, result: str | None = None) -> list[Path]:
        """Staging folders of earlier runs (of one result, or all): their writers are gone (the lock is ours)."""
        prefix = STAGING_PREFIX if result is None else self.staging_prefix(result)
        return sorted(p for p in self.folder.glob(f"{prefix}*") if p.is_dir())

    def remove_leftovers(self, patterns: Sequence[str] = ()) -> list[Path]:
        """Remove staging folders, the given partial-file patterns and half-saved records of dead writers.

        The record's own temporary file (``.landcover-outputs.json.*.tmp``) is a leftover of every command: a
        run killed while it saved the record leaves one.
        """
        assert self.lock.handle is not None, "leftovers are removed only under the folder's lock"
        patterns = [*patterns, f".{MANIFEST_NAME}.*.tmp"]
        found = self.staging_leftovers() + [p for pattern in patterns for p in self.folder.glob(pattern)]
        for path in found:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        return found


class StagedResult:
    """A result written as a whole into a staging folder, moved into place once complete (:meth:`commit`).

    Before any work (:meth:`prepare`): the output names must not be files landcover did not write; an
    earlier result of ours, or the incomplete output of a stopped run, is refused without ``force``; with
    ``exclusive``, a folder holding anything else is refused without ``force`` (so a result is never mixed
    with unrelated files by accident; with ``force`` they are kept beside it).
    """

    def __init__(self, out: OutputFolder, names: Sequence[str], *, force: bool, exclusive: bool = False) -> None:
        """Remember the output folder and the names this result will have (relative to the folder)."""
        self.out, self.names, self.force, self.exclusive = out, list(names), force, exclusive
        self.staging: Path | None = None

    def _earlier(self, *, locked: bool) -> None:
        out = self.out
        stopped = locked and (out.staging_leftovers(out.result) or out.result in out.manifest.pending)
        if stopped and not self.force and out.target is None:
            raise LandcoverError(
                f"{out.option} {out.folder}: holds the incomplete output of an earlier `landcover {out.command}` "
                "that stopped before it finished",
                "add --force to replace it with this run's",
            )
        earlier = out.ours()
        if earlier and not self.force and out.target is not None:
            raise LandcoverError(
                f"{out.option} {out.target}: already exists (an earlier `landcover {out.command}` wrote it)",
                "add --force to replace it, or choose another name",
            )
        if earlier and not self.force:
            raise LandcoverError(
                f"{out.option} {out.folder}: holds {_listing(sorted(earlier))} of an earlier "
                f"`landcover {out.command}` already",
                f"add --force to replace {'it' if len(earlier) == 1 else 'them'}, or choose another {out.option}",
            )

    def _unrelated(self) -> None:
        out = self.out
        others = (
            sorted(e.name for e in out.folder.iterdir() if not _hidden_own(e.name) and not out.owned(e.name))
            if out.folder.is_dir()
            else []
        )
        if others and not self.force:
            raise LandcoverError(
                f"{out.option} {out.folder}: holds {_listing(others)} already",
                "choose an empty or new folder, or add --force to write beside them (they are kept)",
            )

    def check(self, *, locked: bool = False) -> StagedResult:
        """Check the folder for this result, changing nothing (call it before any work).

        Raises:
            LandcoverError: A name taken by a user's file, an earlier result without ``force``, ...
        """
        self.out.refuse_foreign(self.names)
        self._earlier(locked=locked)
        if self.exclusive:
            self._unrelated()
        return self

    def prepare(self) -> StagedResult:
        """Lock the folder, check it again, remove dead writers' leftovers, and make the staging folder.

        The checks run before the lock is taken (:meth:`check`), so a refused run leaves the folder as it was,
        and again under it (another run may have written in between); a stopped run's staging folder can be
        told from a live one's only under the lock.

        Raises:
            LandcoverError: In use by another run, or a check fails now.
        """
        self.out.acquire()
        try:
            self.check(locked=True)
        except LandcoverError:
            self.out.close()
            raise
        partial = [f".{Path(n).name}.*.tmp" for n in self.names] + [f".{Path(n).stem}.*.part.tif" for n in self.names]
        self.out.remove_leftovers(partial)
        self.staging = Path(tempfile.mkdtemp(prefix=self.out.staging_prefix(), dir=self.out.folder))
        return self

    def path(self, name: str) -> Path:
        """Where to write the output ``name`` (inside the staging folder)."""
        assert self.staging is not None, "prepare() first"
        target = self.staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def folder(self, name: str = "") -> Path:
        """A folder (``""``: the top) of the result inside the staging folder, created."""
        assert self.staging is not None, "prepare() first"
        folder = self.staging / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def final(self, name: str) -> Path:
        """Where the output ``name`` ends up."""
        return self.out.folder / name

    def commit(self) -> list[Path]:
        """Move the complete result into place; remove this result's earlier files that it does not replace.

        The manifest marks the result pending before the first move and complete after the last, so a run
        stopped in between is reported as incomplete by the next. Returns the final paths.
        """
        assert self.staging is not None, "prepare() first"
        out, staging = self.out, self.staging
        written = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
        out.refuse_foreign(written)
        out.manifest.pending[out.result] = os.getpid()
        for name in written:
            out.manifest.files.setdefault(name, FileRecord(result=out.result))
        out.manifest.save(out.folder)
        for name in written:
            (out.folder / name).parent.mkdir(parents=True, exist_ok=True)
        move_into_place((staging / name, out.folder / name) for name in written)
        for name in [n for n in out.ours() if n not in written]:
            (out.folder / name).unlink(missing_ok=True)
            del out.manifest.files[name]
        for name in written:
            out.record(name, save=False)
        del out.manifest.pending[out.result]
        out.manifest.save(out.folder)
        fsync_directory(out.folder)
        self.abandon()
        return [out.folder / name for name in written]

    def abandon(self) -> None:
        """Drop the staging folder (on failure, or after the commit)."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None

    def __enter__(self) -> StagedResult:
        return self.prepare()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _trace: object) -> None:
        """Commit on success; on failure drop the staging folder (a full disk becomes one line). Unlock.

        Whether a failure is a full disk is decided before the staging folder is dropped, while the disk is still full.
        """
        try:
            if exc is None:
                self.commit()
            elif isinstance(exc, Exception) and not isinstance(exc, LandcoverError):
                self._full_disk(exc)
        except (OSError, RuntimeError) as error:
            self._full_disk(error)
            raise
        finally:
            self.abandon()
            self.out.close()

    def _full_disk(self, exc: BaseException) -> None:
        out = self.out
        if out_of_space(exc, out.folder):
            kept = "the earlier result is kept" if out.ours() else "nothing was written"
            raise LandcoverError(
                f"{out.option} {out.folder}: the disk is full, so this run's outputs were dropped; {kept}",
                "free space on that disk, or write to another one",
            ) from exc


@contextlib.contextmanager
def staged_folder(
    folder: Named,
    *,
    command: str,
    names: Sequence[str],
    inputs: Sequence[Named] = (),
    force: bool,
    exclusive: bool = False,
    result: str | None = None,
    target: Path | None = None,
) -> Iterator[StagedResult]:
    """Write a folder's result as a whole: checked and locked, staged, committed when the block ends.

    Yields:
        The result: write each output at ``result.path(name)``.

    Raises:
        LandcoverError: See :meth:`OutputFolder.open` and :meth:`StagedResult.prepare`.
    """
    out = OutputFolder(folder.path, option=folder.option, command=command, result=result, target=target)
    with StagedResult(out.check(inputs), names, force=force, exclusive=exclusive).check() as staged:
        yield staged


@contextlib.contextmanager
def staged_file(target: Named, *, command: str, inputs: Sequence[Named] = (), force: bool) -> Iterator[Path]:
    """Write one output file: checked, confined and locked first; in place only once the block completes.

    Yields:
        The path to write to (in a staging folder beside the target).

    Raises:
        LandcoverError: The target is a folder, cannot be written, is an input, is a file landcover did not
            write (even with ``force``), or an earlier output without ``force``.
    """
    check_output_file(target.path, target.option)
    check_confined([target], inputs)
    folder = Named(path=target.path.parent, option=target.option)
    name = target.path.name
    with staged_folder(
        folder, command=command, names=[name], force=force, result=f"{command}:{name}", target=target.path
    ) as staged:
        yield staged.path(name)
