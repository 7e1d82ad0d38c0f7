"""Counts in messages read right: ``1 process``, ``2 processes`` (never ``1 processes``).

The same rule as ``landcover/io/text.py`` (the two packages never import each other).
"""

from __future__ import annotations

PLURALS = {"epoch": "epochs"}
"""Nouns whose plural the rule below gets wrong (a hard "ch")."""


def counted(count: float, noun: str) -> str:
    """``count`` and ``noun`` in the number that the count takes: ``1 node``, ``2 nodes``, ``4 processes``."""
    plural = PLURALS.get(noun) or noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s")
    return f"{count} {noun if count == 1 else plural}"
