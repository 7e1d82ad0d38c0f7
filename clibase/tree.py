"""Every command of a Typer app, walked from the app itself (no command is listed by hand)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group under ``command`` (depth first, in the app's order), with its path of names.

    ``command`` is a Click command (``typer.main.get_command(app)``); hidden commands are left out.
    """
    yield path, command
    if hasattr(command, "list_commands"):  # a group (Typer ships its own copy of click: no isinstance)
        context = command.context_class(command)
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            if sub is not None and not getattr(sub, "hidden", False):
                yield from walk(sub, (*path, name))
