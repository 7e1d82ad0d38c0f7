"""Counts in messages read right: ``1 scene``, ``2 scenes``, ``0 processes`` (never ``1 scenes``)."""

from __future__ import annotations

PLURALS = {"epoch": "epochs"}
"""Nouns whose plural the rule below gets wrong (a hard "ch")."""


def plural(noun: str) -> str:
    """The plural of a noun of these messages: ``process`` -> ``processes``, ``GPU`` -> ``GPUs``."""
    return PLURALS.get(noun) or noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s")


def counted(count: float, noun: str) -> str:
    """``count`` and ``noun`` in the number that the count takes: ``1 pair``, ``8 pairs``, ``0 pairs``."""
    return f"{count} {noun if count == 1 else plural(noun)}"
