"""A hash snapshot of a folder tree, and what changed between two snapshots."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

Entry = tuple[str, ...]
"""``("file", sha256)``, ``("link", target)`` or ``("dir",)``."""


def snapshot(root: Path) -> dict[str, Entry]:
    """Every path under ``root`` (relative, POSIX), symbolic links recorded as links and never followed."""
    entries: dict[str, Entry] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        base = Path(folder)
        for name in dirs + files:
            path = base / name
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                entries[key] = ("link", os.readlink(path))
            elif path.is_dir():
                entries[key] = ("dir",)
            elif path.is_file():
                digest = hashlib.sha256()
                try:
                    with open(path, "rb") as handle:
                        for block in iter(lambda: handle.read(1 << 20), b""):
                            digest.update(block)
                    entries[key] = ("file", digest.hexdigest())
                except OSError as exc:  # unreadable (mode 0): its mode and size stand for its content
                    stat = path.stat()
                    entries[key] = ("file", f"unreadable {stat.st_mode:o} {stat.st_size} {exc.errno}")
            else:
                entries[key] = ("special",)
    return entries


@dataclass(frozen=True)
class Changes:
    """What a run did to a tree: paths created, changed (content or kind) and removed."""

    created: frozenset[str]
    changed: frozenset[str]
    removed: frozenset[str]

    @classmethod
    def between(cls, before: dict[str, Entry], after: dict[str, Entry]) -> Changes:
        """The differences from ``before`` to ``after``."""
        common = before.keys() & after.keys()
        return cls(
            created=frozenset(after.keys() - before.keys()),
            changed=frozenset(key for key in common if before[key] != after[key]),
            removed=frozenset(before.keys() - after.keys()),
        )


def under(path: str, folders: frozenset[str] | set[str]) -> bool:
    """Whether ``path`` (relative, POSIX) is one of ``folders`` or lies inside one."""
    return any(path == folder or path.startswith(folder.rstrip("/") + "/") for folder in folders)


def ancestor_of(path: str, folders: frozenset[str] | set[str]) -> bool:
    """Whether ``path`` is a parent folder of one of ``folders`` (made on the way to an output)."""
    return any(folder.startswith(path.rstrip("/") + "/") for folder in folders)
