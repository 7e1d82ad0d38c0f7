r"""How both commands' help reads: value names (``DIR``, ``N``) where Typer would print types.

The hooks are process-wide (Typer's own classes), so both CLIs set them from this one module: a Python
process that imports both gets one behaviour whatever the order.

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


VALUE_COLUMN = 16
"""The widest a value name may make its column: longer choice lists break after a ``|``, so the flag column
beside it keeps room for the longest flag at 80 columns."""


def _packed(choices: list[str]) -> str:
    """``[a|b|c]`` broken into lines of at most :data:`VALUE_COLUMN` characters, each line ending at a ``|``."""
    lines: list[str] = []
    for word in [f"{choice}|" for choice in choices[:-1]] + [choices[-1]]:
        if lines and len(lines[-1]) + len(word) <= VALUE_COLUMN - 2:
            lines[-1] += word
        else:
            lines.append(word)
    return "[" + "\n".join(lines) + "]"


def _option_value_name(option: TyperOption, ctx: Any) -> str | None:
    if option.metavar is not None:
        metavar = option.metavar
        if len(metavar) > VALUE_COLUMN and "|" in metavar:
            bracketed = metavar.startswith("[") and metavar.endswith("]")
            packed = _packed((metavar[1:-1] if bracketed else metavar).split("|"))
            return packed if bracketed else packed[1:-1]
        return metavar or None
    if option.is_flag or option.count:
        return None
    return (option.name or "value").upper()


def _range(option: TyperOption) -> str | None:
    """An option's bounds, short: ``x>=1``, ``x<=9``, or ``0..4294967295`` (inclusive) for both."""
    low, high = option.min, option.max
    if low is not None and high is not None:
        return f"{low}..{high}"
    if low is not None:
        return f"x>={low}"
    return f"x<={high}" if high is not None else None


def show_value_names() -> None:
    """Label options by their value's name instead of its type; arguments and flags by nothing."""
    TyperOption.display_type_rich = _option_value_name  # type: ignore[method-assign,assignment]
    TyperArgument.display_type_rich = lambda argument, ctx: None  # type: ignore[method-assign,assignment]
    rich_utils.highlighter = _FlagsOnLinesOfTheirOwn()
    rich_utils.RANGE_STRING = "\n[{}]"  # a range under its value name, so the column stays narrow
    TyperOption._get_number_range_help_str = _range  # type: ignore[method-assign,assignment]
