"""Counts in messages read right: ``1 scene``, ``2 scenes`` (the rule is :mod:`clibase.text`, shared with runner)."""

from clibase.text import PLURALS, counted, plural

__all__ = ["PLURALS", "counted", "plural"]
