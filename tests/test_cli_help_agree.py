"""Both CLIs set the same process-wide Typer hooks: their help modules must be the same, or import order decides."""

from __future__ import annotations

import inspect

import landcover.cli_help
import runner.cli_help


def _code(module: object) -> str:
    source = inspect.getsource(module)  # type: ignore[arg-type]
    return source[source.index('"""', 3) + 3 :]  # after the module docstring, which names its command


def test_the_help_hooks_of_both_clis_are_the_same_code():
    assert _code(landcover.cli_help) == _code(runner.cli_help)
