r"""How the ``runner`` command's help reads: value names (``DIR``, ``N``) where Typer would print types.

Typer labels every option with its Python type (``<str>``, ``<bool>``, ``<path>``), which tells a user
nothing. :func:`show_value_names` makes an option show its ``metavar`` (set where it helps, e.g. ``DIR``),
flags and arguments nothing, so the help reads like ``--model-dir DIR``. Help strings are Rich markup:
a literal ``[`` is written ``\\[``.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperOption


def _option_value_name(option: TyperOption, ctx: Any) -> str | None:
    if option.metavar is not None:
        return option.metavar or None
    if option.is_flag or option.count:
        return None
    return (option.name or "value").upper()


def show_value_names() -> None:
    """Label options by their value's name instead of its type; arguments and flags by nothing."""
    TyperOption.display_type_rich = _option_value_name  # type: ignore[method-assign,assignment]
    TyperArgument.display_type_rich = lambda argument, ctx: None  # type: ignore[method-assign,assignment]
