"""A ``landcover`` command's Typer parameters, generated from its settings model.

:func:`settings_command` turns ``def train_command(settings: TrainSettings)`` into a function whose
signature Typer reads: one ``typer.Option`` / ``typer.Argument`` per field, with the field's flags, help,
value name, default and range. A choice (:class:`~landcover.choices.Choice`) is read as text and
shows its values (``[balanced|tutorial]``); the model then checks it, so a wrong value is a one-line error.
"""

from __future__ import annotations

import functools
import inspect
import os
import typing
from collections.abc import Callable
from typing import Any, TypeVar

import annotated_types
import typer
from pydantic.fields import FieldInfo

from landcover.choices import Choice
from landcover.io.console import fail
from landcover.io.errors import LandcoverError
from landcover.settings.fields import CliMeta, Settings

S = TypeVar("S", bound=Settings)


def _bounds(field: FieldInfo) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    for item in field.metadata:
        if isinstance(item, annotated_types.Ge):
            bounds["min"] = item.ge
        elif isinstance(item, annotated_types.Le):
            bounds["max"] = item.le
    return bounds


def _choice(annotation: Any) -> type[Choice] | None:
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, Choice):
            return candidate
    return None


def _read_as_text(annotation: Any) -> bool:
    """A choice, or a fixed-length tuple (``W,S,E,N``): read as one text, which the model parses and checks."""
    return _choice(annotation) is not None or any(
        typing.get_origin(candidate) is tuple for candidate in (annotation, *typing.get_args(annotation))
    )


def _cli_type(annotation: Any) -> Any:
    """The type Typer parses: the field's, with a choice or a tuple read as text (the model validates it)."""
    if not _read_as_text(annotation):
        return annotation
    optional = type(None) in typing.get_args(annotation)
    return str | None if optional else str


def parameter(name: str, field: FieldInfo, meta: CliMeta) -> inspect.Parameter:
    """The Typer parameter of one settings field."""
    annotation = field.annotation
    default = ... if field.is_required() else field.default
    choice = _choice(annotation)
    metavar = meta.metavar
    if choice is not None:
        metavar = metavar or "[" + "|".join(choice.names()) + "]"  # a name given (``MODE``) when the values are long
        default = default.value if isinstance(default, Choice) else default
    info: Any
    if meta.argument:
        info = typer.Argument(default, help=meta.help, metavar=metavar)
    else:
        info = typer.Option(default, *meta.flags, help=meta.help, metavar=metavar, **_bounds(field))
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=_cli_type(annotation))


def parameters(model: type[Settings]) -> list[inspect.Parameter]:
    """Every command-line field of a settings model, in its command-line order."""
    names = list(model.CLI_ORDER) or list(model.model_fields)
    result = []
    for name in names:
        field = model.model_fields[name]
        meta = CliMeta.of(field)
        if meta is not None:
            result.append(parameter(name, field, meta))
    return result


def several_ranks() -> bool:
    """Whether this process is one of several MPI ranks (what ``landcover.parallel.world`` checks, without torch)."""
    names = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MV2_COMM_WORLD_SIZE")
    return any(os.environ.get(name, "1").isdigit() and int(os.environ.get(name, "1")) > 1 for name in names)


def settings_command(model: type[S]) -> Callable[[Callable[[S], None]], Callable[..., None]]:
    """Decorate ``def command(settings)`` so that Typer sees the settings model's fields as its parameters.

    The values Typer parsed are validated into ``model`` (:meth:`Settings.build`) before the command runs.
    """

    def decorate(command: Callable[[S], None]) -> Callable[..., None]:
        @functools.wraps(command)
        def run(**values: Any) -> None:
            try:
                command(model.build(**values))
            except LandcoverError as exc:
                if several_ranks():
                    raise  # main() reports it and ends the whole MPI job
                fail(exc.message, exc.hint)  # one line and exit 2, also where the app runs in-process

        run.__signature__ = inspect.Signature(parameters(model), return_annotation=None)  # type: ignore[attr-defined]
        run.settings_model = model  # type: ignore[attr-defined]  # what the command takes, for tools that read the app
        run.__annotations__ = {}
        del run.__wrapped__  # Typer must read the generated signature
        return run

    return decorate
