"""Counts in messages read right: ``1 process``, ``2 processes`` (the rule is :mod:`clibase.text`, shared)."""

from clibase.text import counted

__all__ = ["counted"]
