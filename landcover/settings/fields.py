r"""What every settings field knows besides its type and default: its flags, help, value name, resume rule.

A field is declared once, on its settings model, with :func:`option` or :func:`argument`::

    batch_size: int | None = option("--batch-size", "--batch_size", ge=1, resume=True, metavar="N",
                                    help="Crops per step per rank \\[default: GPU 32, CPU 10].")

The command line (:mod:`landcover.cli_params` builds each command's Typer parameters from the model), the
checks a resumed training run makes (:func:`resume_fields`) and the stored form (checkpoints, ``settings.json``,
MLflow parameters) all read it from there. Choices are :class:`~landcover.choices.Choice` enums, so ``--help``
lists them from the enum and a wrong value is refused by the model.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, model_validator
from pydantic.fields import FieldInfo

from landcover.io.errors import LandcoverError

MAX_SEED = 2**32 - 1
MAX_THREADS = 1024
"""More threads than any node has cores: a larger ``--threads`` is a typo, and past 2**31 an overflow in torch."""
MAX_TILE = 16384
"""The largest window or tile side (pixels) an option may ask for: 16384² x 4 bands of float32 is 4 GiB."""
"""The largest random seed (NumPy's and Python's generators take 0 to 2**32 - 1 alike everywhere)."""

CLI_KEY = "cli"
"""The key of a field's ``json_schema_extra`` that holds its :class:`CliMeta` (as a dictionary)."""


@dataclass(frozen=True)
class CliMeta:
    """How a field appears on the command line, and what a resumed run requires of it."""

    flags: tuple[str, ...] = ()
    help: str = ""
    metavar: str | None = None
    argument: bool = False
    resume: bool = False

    @classmethod
    def of(cls, field: FieldInfo) -> CliMeta | None:
        """The metadata of a model field (``None`` for a field that is not on the command line)."""
        extra = field.json_schema_extra
        if not isinstance(extra, dict) or not isinstance(extra.get(CLI_KEY), dict):
            return None
        values: dict[str, Any] = dict(extra[CLI_KEY])  # type: ignore[arg-type]
        values["flags"] = tuple(values.get("flags", ()))
        return cls(**values)


def option(
    *flags: str,
    default: Any = ...,
    help: str,
    metavar: str | None = None,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    resume: bool = False,
) -> Any:
    r"""A settings field given as an option (``--name VALUE``, or a ``--flag`` for a boolean).

    Args:
        *flags: Every spelling, the one ``--help`` shows first (default: ``--field-name``).
        default: The value when the option is not given (none: the option is required).
        help: The help line (Rich markup: write a literal ``[`` as ``\\[``).
        metavar: The value's name in ``--help`` (``DIR``, ``N``); a choice shows its values unless one is given.
        ge: Smallest value allowed (checked on the command line and by the model).
        le: Largest value allowed.
        gt: A bound the value must exceed (checked by the model).
        resume: A resumed training run must be given the same value as the run it continues.
    """
    meta: dict[str, JsonValue] = {"flags": list(flags), "help": help, "metavar": metavar, "resume": resume}
    return Field(default, description=help, ge=ge, le=le, gt=gt, json_schema_extra={CLI_KEY: meta})


def argument(*, help: str, metavar: str) -> Any:
    """A settings field given as a positional argument."""
    meta: dict[str, JsonValue] = {"help": help, "metavar": metavar, "argument": True}
    return Field(description=help, json_schema_extra={CLI_KEY: meta})


def flag_of(model: type[BaseModel], name: str) -> str:
    """How the command line spells a field (its first flag), for messages."""
    meta = CliMeta.of(model.model_fields[name])
    if meta is None or meta.argument:
        return name.upper()
    return meta.flags[0] if meta.flags else "--" + name.replace("_", "-")


def resume_fields(model: type[BaseModel]) -> Iterator[tuple[str, str]]:
    """The fields a resumed run must share with the stored one, with their flags, in declaration order."""
    for name, field in model.model_fields.items():
        meta = CliMeta.of(field)
        if meta is not None and meta.resume:
            yield name, flag_of(model, name)


class Settings(BaseModel):
    """Base of every command's settings: frozen, no unknown keys, a name and a format version to store with."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)

    COMMAND: ClassVar[str] = ""
    """The ``landcover`` command these settings drive."""

    CLI_ORDER: ClassVar[tuple[str, ...]] = ()
    """The order of the fields on the command line, where it differs from their declaration (inherited ones)."""

    FORMAT_VERSION: ClassVar[int] = 1
    """Bumped whenever a stored field is renamed, removed, or changes meaning (see :meth:`upgrade`)."""

    @model_validator(mode="after")
    def _finite_numbers(self) -> Settings:
        """NaN and infinity are no value for any number option (``--lr nan`` would train to NaN)."""
        for name, value in self:
            if isinstance(value, float) and not math.isfinite(value):
                raise LandcoverError(f"{flag_of(type(self), name)} {value}: not a finite number", "give a number")
        return self

    @classmethod
    def build(cls, **values: Any) -> Any:
        """Validate ``values`` into settings; a wrong value becomes a one-line error naming its flag.

        Raises:
            LandcoverError: A value the field does not accept (cross-field rules raise their own message).
        """
        try:
            return cls(**values)
        except ValidationError as exc:
            raise cls._one_line(exc) from exc

    @classmethod
    def _one_line(cls, exc: ValidationError) -> LandcoverError:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else ""
        flag = flag_of(cls, name) if name in cls.model_fields else name
        value = error.get("input")
        if error["type"] == "enum":
            choices = error.get("ctx", {}).get("expected", "")
            names = re.findall(r"'([^']*)'", choices)
            match = difflib.get_close_matches(str(value), names, n=1, cutoff=0.5)
            near = f"; closest: {match[0]}" if match else ""
            return LandcoverError(f"{flag} {value!r} is not known{near}", f"use {choices}".replace("'", ""))
        message = str(error["msg"]).removeprefix("Value error, ")  # a validator's own words, without pydantic's
        return LandcoverError(f"{flag} {value!r}: {message}", f"see landcover {cls.COMMAND} --help")

    def to_stored(self) -> dict[str, Any]:
        """The settings as stored with what they produced: plain JSON values."""
        return self.model_dump(mode="json")

    def stored_document(self) -> dict[str, Any]:
        """The settings with their command and format version (``settings.json``)."""
        return {
            "format": "landcover-runner/settings",
            "command": self.COMMAND,
            "format_version": self.FORMAT_VERSION,
            "settings": self.to_stored(),
        }

    @classmethod
    def upgrade(cls, values: dict[str, Any], version: int) -> dict[str, Any]:
        """Stored values of an older format version, rewritten to the current one (a subclass's steps)."""
        return dict(values)

    @classmethod
    def from_stored(cls, values: dict[str, Any], version: int) -> Any:
        """Settings read back from a checkpoint or ``settings.json`` of any format version up to the current.

        Raises:
            LandcoverError: The values come from a newer landcover, or no longer validate.
        """
        if version > cls.FORMAT_VERSION:
            raise LandcoverError(
                f"stored {cls.COMMAND} settings have format {version}, newer than this landcover's "
                f"{cls.FORMAT_VERSION}",
                "upgrade landcover-runner",
            )
        return cls.build(**cls.upgrade(values, version))
