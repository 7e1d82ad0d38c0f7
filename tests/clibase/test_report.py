"""An error of either command is one line whatever the values it quotes: line breaks, control characters, markup."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from clibase.report import error_markup, one_line

QUOTED = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(["a\nb", "[/]", "[bold]x", "\r\x00\t"])


def _rendered(markup: str) -> str:
    out = io.StringIO()
    Console(file=out, width=10_000, highlight=False, force_terminal=False).print(markup, soft_wrap=True)
    return out.getvalue()


@settings(max_examples=200, deadline=None)
@given(value=QUOTED, hint=QUOTED)
def test_an_error_quoting_any_value_is_one_line_that_keeps_the_value(value: str, hint: str) -> None:
    text = _rendered(error_markup(f"--asset {value}: no such asset", hint))
    assert text.count("\n") == 1 and text.endswith("\n")
    assert text.startswith("error: --asset ")


@settings(max_examples=200, deadline=None)
@given(value=QUOTED)
def test_one_line_is_printable_and_keeps_printable_text(value: str) -> None:
    line = one_line(value)
    assert line.isprintable() or line == ""
    assert one_line(line) == line
    if value.isprintable():
        assert line == value
