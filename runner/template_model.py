"""The Batch AI job template's fields as pydantic models, and pydantic's errors as the runner's one line.

The models hold what the tutorial's format allows (camelCase JSON names, unknown fields refused, strict types: a
``"2"`` is not an integer, ``true`` is not ``1``, ``null`` is no value). :func:`first_error` turns a
``ValidationError`` into the one line the runner reports, naming the field by its JSON path
(``properties.cntkSettings.numberOfProcesses``), for the error a reader meets first: the enclosing object before
its parts, the settings before the output directories, environment variables and container settings.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from pydantic import MISSING, BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails

_TYPES = {
    "int_type": "an integer",
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "bool_type": "true or false",
}
_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


class _Fields(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, alias_generator=to_camel)

    def given(self, *names: str) -> dict[str, Any]:
        """The fields of these JSON names that the template gives, in the order named."""
        by_alias = {info.alias or name: name for name, info in type(self).model_fields.items()}
        values = {alias: getattr(self, by_alias[alias]) for alias in names if alias in by_alias}
        return {alias: value for alias, value in values.items() if value is not MISSING}


class ToolSettings(_Fields):
    """One tool's settings: the command line the job runs."""

    def command(self) -> str | None:
        """The command line as the template gives it (None: it gives none)."""
        raise NotImplementedError


class _ScriptTool(ToolSettings):
    python_script_file_path: str | MISSING = MISSING
    command_line_args: str = ""

    def command(self) -> str | None:
        """``python SCRIPT ARGS``."""
        if self.python_script_file_path is MISSING:
            return None
        return f"python {self.python_script_file_path} {self.command_line_args}".strip()


class _CommandLineTool(ToolSettings):
    command_line: str | MISSING = MISSING

    def command(self) -> str | None:
        """The command line itself."""
        return None if self.command_line is MISSING else self.command_line


class CntkSettings(_ScriptTool):
    """``cntkSettings``: a Python script (the tutorial's)."""

    language_type: str | MISSING = MISSING
    number_of_processes: int | MISSING = MISSING
    config_file_path: str | MISSING = MISSING


class CustomToolkitSettings(_CommandLineTool):
    """``customToolkitSettings``: one command, once (no MPI)."""


class CustomMpiSettings(_CommandLineTool):
    """``customMpiSettings``: a command line started as MPI ranks."""

    process_count: int | MISSING = MISSING


class PyTorchSettings(_ScriptTool):
    """``pyTorchSettings``: a Python script started as MPI ranks."""

    process_count: int | MISSING = MISSING
    python_interpreter_path: str | MISSING = MISSING
    communication_backend: str | MISSING = MISSING


class OutputDirectoryField(_Fields):
    """One of ``outputDirectories``."""

    id: str
    path_prefix: str
    path_suffix: str = ""
    type: str | MISSING = MISSING
    create_new: bool | MISSING = MISSING


class EnvironmentVariableField(_Fields):
    """One of ``environmentVariables``."""

    name: str
    value: str


class ImageSourceRegistry(_Fields):
    """``containerSettings.imageSourceRegistry``: the image (its credentials are not read)."""

    image: str
    server_url: str | MISSING = MISSING
    credentials: dict[str, Any] | MISSING = MISSING


class ContainerSettings(_Fields):
    """``containerSettings``."""

    image_source_registry: ImageSourceRegistry
    shm_size: str | MISSING = MISSING


class Properties(_Fields):
    """``properties``: the job."""

    TOOLS: ClassVar[tuple[str, ...]] = ("cntkSettings", "customToolkitSettings", "customMpiSettings", "pyTorchSettings")

    node_count: int = Field(1, ge=1)
    tool_type: str | MISSING = MISSING
    std_out_err_path_prefix: str
    process_count: int | MISSING = MISSING
    number_of_processes: int | MISSING = MISSING
    output_directories: list[OutputDirectoryField] = Field(default_factory=list)
    environment_variables: list[EnvironmentVariableField] = Field(default_factory=list)
    container_settings: ContainerSettings | MISSING = MISSING
    cntk_settings: CntkSettings | MISSING = MISSING
    custom_toolkit_settings: CustomToolkitSettings | MISSING = MISSING
    custom_mpi_settings: CustomMpiSettings | MISSING = MISSING
    py_torch_settings: PyTorchSettings | MISSING = MISSING

    def tools(self) -> dict[str, ToolSettings]:
        """The tool settings the template gives, by JSON name."""
        return self.given(*self.TOOLS)


class JobTemplate(_Fields):
    """The whole template."""

    properties: Properties
    schema_: str | MISSING = Field(MISSING, alias="$schema")


def field_path(loc: tuple[int | str, ...]) -> str:
    """A field's JSON path as messages write it: ``job.properties``, ``properties.outputDirectories[0].id``."""
    if not loc:
        return "job"
    parts = [loc[0] if len(loc) > 1 else f"job.{loc[0]}"]
    for key in loc[1:]:
        if isinstance(key, int):
            parts.append(f"[{key}]")
        else:
            parts.append(f".{key}" if _PLAIN_KEY.fullmatch(key) else f"[{_shown(key)}]")
    return "".join(str(part) for part in parts)


def _shown(value: Any) -> str:
    """A JSON value as an error message shows it: short, on one line."""
    if isinstance(value, dict | list):
        return "an object" if isinstance(value, dict) else "a list"
    text = json.dumps(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _known(model: type[BaseModel]) -> str:
    return ", ".join(sorted(info.alias or name for name, info in model.model_fields.items()))


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel]:
    """The model that validates the object at ``loc``."""
    model: Any = JobTemplate
    for key in loc:
        if isinstance(key, int):
            continue
        field = next(info for name, info in model.model_fields.items() if (info.alias or name) == key)
        inner = [arg for arg in _args(field.annotation) if isinstance(arg, type) and issubclass(arg, BaseModel)]
        model = inner[0]
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return model


def _args(annotation: Any) -> list[Any]:
    found = [annotation]
    for arg in getattr(annotation, "__args__", ()):
        found += _args(arg)
    return found


_SECTIONS = {
    **dict.fromkeys(Properties.TOOLS, 2),
    "outputDirectories": 3,
    "environmentVariables": 4,
    "containerSettings": 5,
}


def _order(error: ErrorDetails, data: Any) -> tuple[Any, ...]:
    """Where an error stands in the order the fields are read: object by object, then unknown, missing, wrong."""
    loc = error["loc"]
    owner = loc if loc and isinstance(loc[-1], int) else loc[:-1]  # a list entry is checked as its own object
    kind = {"extra_forbidden": 1, "missing": 2, "greater_than_equal": 4}.get(error["type"], 3)
    if owner == loc:
        kind = 0
    section = (len(owner),) if len(owner) < 2 else (_SECTIONS.get(str(owner[1]), 6), *owner[2:])
    position = 0
    if kind != 2 and loc:
        parent = data
        for key in owner:
            parent = parent[key]
        position = list(parent).index(loc[-1]) if isinstance(parent, dict) and loc[-1] in parent else 0
    return (section, kind, position)


def first_error(exc: ValidationError, data: Any) -> str:
    """The one line of the error a reader meets first (``data``: what was validated)."""
    error = sorted(exc.errors(), key=lambda error: _order(error, data))[0]
    loc, kind = error["loc"], error["type"]
    where = field_path(loc)
    if kind == "extra_forbidden":
        return f"{where} is not a known field (known: {_known(_model_at(loc[:-1]))})"
    if kind == "missing":
        return f"{where} is required"
    if kind in _TYPES:
        return f"{where} must be {_TYPES[kind]}, not {_shown(error['input'])}"
    if kind == "greater_than_equal":
        return f"{where} must be at least {error.get('ctx', {}).get('ge')}"
    if kind == "string_unicode":
        return f"{where}: a key or value is not valid Unicode text (a lone surrogate)"
    return f"{where}: {error['msg']}"
