"""Atomic file writes: temporary file, fsync, rename, fsync of the folder (:mod:`clibase.atomic`, shared)."""

from clibase.atomic import atomic_path, fsync_directory, write_text_atomic

__all__ = ["atomic_path", "fsync_directory", "write_text_atomic"]
