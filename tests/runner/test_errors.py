"""Every runner error has one shape, ``RunnerError(message, hint)``, and the CLI alone prints it: one line, exit 2."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import runner
from clibase.report import one_line
from runner.cli import OneLineErrors
from runner.errors import RunnerError


def _runner_modules() -> list[str]:
    names = [info.name for info in pkgutil.walk_packages(runner.__path__, "runner.")]
    return [name for name in names if not name.startswith("runner.resources") and name != "runner.__main__"]


def test_every_public_error_class_is_a_runner_error() -> None:
    errors = []
    for name in _runner_modules():
        module = importlib.import_module(name)
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and issubclass(cls, Exception) and not cls_name.startswith("_"):
                errors.append(cls)
    assert len(errors) >= 8, errors  # BackendError, JobSpecError, RecordError, SlurmError, ... found
    assert [cls for cls in errors if not issubclass(cls, RunnerError)] == []
    for cls in errors:  # one shape: message and hint, the class's hint when none is given
        assert issubclass(cls, RunnerError)
        error = cls("what is wrong")
        assert error.message == str(error) == "what is wrong" and error.hint == cls.hint
        assert cls("m", "h").hint == "h"


_text = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(["a\nb [bold]x[/]", "\r\x00\t"])


@settings(max_examples=100, deadline=None)
@given(message=_text.filter(str.strip), hint=_text)
def test_a_runner_error_from_any_layer_is_one_line_and_exit_2(message: str, hint: str) -> None:
    app = typer.Typer(cls=OneLineErrors, add_completion=False)

    @app.command()
    def job() -> None:
        raise RunnerError(message, hint)

    @app.command()
    def other() -> None:  # two commands: the group is kept, as in ``runner``
        """Nothing."""

    result = CliRunner().invoke(app, ["job"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert " ".join(one_line(message).split()) in " ".join(lines[0].split())
