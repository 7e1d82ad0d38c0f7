"""A runner error is one line whatever the values it quotes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runner.errors import one_line


@settings(max_examples=200, deadline=None)
@given(value=st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(["a\nb", "\r\x00\t"]))
def test_runner_errors_are_one_line(value: str) -> None:
    line = one_line(value)
    assert line.isprintable() or line == ""
