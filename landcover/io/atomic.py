"""Atomic file writes: temporary file, fsync, rename, fsync of the folder (:mod:`clibase.atomic`, shared)."""

from clibase.atomic import atomic_path, fsync_directory, move_into_place, write_text_atomic

__all__ = ["atomic_path", "fsync_directory", "move_into_place", "write_text_atomic"]
