"""A command's site-settings options, generated from the backend's settings model (``runner.site_settings``).

``@with_settings(SlurmConfig)`` on ``def submit(..., settings: SlurmConfig)`` gives the command one option per
field (its flag, help and value name from the field) and calls it with the settings loaded in the one order:
option, environment variable, settings file, default. A value that cannot be used is the model's one-line error.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from runner.site_settings import SiteSettings

S = TypeVar("S", bound=SiteSettings)


def site_option(model: type[SiteSettings], name: str) -> Any:
    """The Typer option of one settings field: ``--field-name`` (or the field's flag), its help and value name."""
    field = model.model_fields[name]
    extra = field.json_schema_extra
    assert isinstance(extra, dict)
    flag = str(extra.get("flag") or "--" + name.replace("_", "-"))
    return typer.Option(flag, help=(field.description or "").replace("[", "\\["), metavar=str(extra["metavar"]))


def _parameter(model: type[SiteSettings], name: str) -> inspect.Parameter:
    """The command's parameter of one field: read as text (or a whole number), None where not given."""
    kind: Any = int | None if model.model_fields[name].annotation is int else str | None
    annotation = typing.Annotated[kind, site_option(model, name)]
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)


def with_settings(model: type[S], *names: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the options of these settings fields (default: all) and call it with ``settings=``.

    The command's own parameters come first, then the settings' options in the model's order.
    """
    chosen = names or tuple(model.model_fields)

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        hints = typing.get_type_hints(command, include_extras=True)
        own = [
            parameter.replace(annotation=hints[parameter.name])
            for parameter in inspect.signature(command).parameters.values()
            if parameter.name != "settings"
        ]

        @functools.wraps(command)
        def run(**values: Any) -> None:
            options = {name: values.pop(name) for name in chosen}
            command(**values, settings=model.load(**options))

        parameters = [*own, *(_parameter(model, name) for name in chosen)]
        run.__signature__ = inspect.Signature(parameters, return_annotation=None)  # type: ignore[attr-defined]
        run.__annotations__ = {}
        del run.__wrapped__  # Typer must read the generated signature
        return run

    return decorate
