r"""How the ``runner`` command's help reads: value names (``DIR``, ``N``) where Typer would print types.

Typer labels every option with its Python type (``<str>``, ``<bool>``, ``<path>``), which tells a user
nothing. :func:`show_value_names` makes an option show its ``metavar`` (set where it helps, e.g. ``DIR``),
flags and arguments nothing, so the help reads like ``--model-dir DIR``. Help strings are Rich markup:
a literal ``[`` is written ``\\[``.

Typer also joins an option's flags with commas into one word (``--input-dir,--input_dir``), which a narrow
terminal cuts (``--input-dir,--input_…``); :func:`show_value_names` puts each flag on a line of its own, so the
column is only as wide as the longest flag and no flag is cut at 80 columns.
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text
from typer import rich_utils
from typer.core import TyperArgument, TyperOption

FLAG_LIST = re.compile(r"-{1,2}[\w-]+(?:,-{1,2}[\w-]+)+")
"""What Typer's options panel passes its highlighter: an option's flags, comma-joined (never a message)."""


class _FlagsOnLinesOfTheirOwn(rich_utils.OptionHighlighter):
    def __call__(self, text: str | Text) -> Text:
        if isinstance(text, str) and FLAG_LIST.fullmatch(text):
            text = text.replace(",", ",\n")
        return super().__call__(text)


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
    rich_utils.highlighter = _FlagsOnLinesOfTheirOwn()
