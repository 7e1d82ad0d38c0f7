"""The Batch AI job template (the tutorial's ``*_job.json``): strict parsing and variable expansion.

Only the ``properties`` the tutorial's format uses are accepted; an unknown field or a wrong type is an
error that names the field (``properties.cntkSettings.numberOfProcess``), not a silent default.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.text import counted

MOUNT_ROOT_VARIABLE = "AZ_BATCHAI_MOUNT_ROOT"
BATCHAI_MOUNT_ROOT = "/mnt/batch/tasks/shared/LS_root/mounts"
"""Where Batch AI mounted the file share and blob container on every node (and where the image expects them)."""
OUTPUT_OPTIONS = frozenset({"--model-dir", "--model_dir", "--output-dir", "--output_dir"})
"""Options of a job's command line that name a folder the job writes (besides its output directories)."""
RESERVED_PREFIX = "AZ_BATCHAI_"
"""Variables Batch AI sets for every job; a template may read them, never set them."""
RANKS_PER_CORE_LIMIT = 8
"""Local jobs with more ranks than this per core are refused: every rank imports torch (about 300 MB
resident each), so such a count exhausts the memory of any machine before it does work."""
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FAKE_ROOT = "/__mount_root__"
_MOUNT_PATH = re.compile(r"(?:\$\{AZ_BATCHAI_MOUNT_ROOT\}|\$AZ_BATCHAI_MOUNT_ROOT)[^\s'\",;:]*")


class JobSpecError(ValueError):
    """The job template is malformed; the message names the file and the field."""

    hint = "fix the job file (the 2018 tutorial's Batch AI format, as in jobs/training_job.json)"

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class MissingJobFileError(JobSpecError):
    """The job template file does not exist."""

    hint = "the file is missing; check the path (templates: jobs/training_job.json, jobs/evaluation_job.json)"


@dataclass(frozen=True)
class OutputDirectory:
    """A Batch AI output directory: ``$AZ_BATCHAI_OUTPUT_<ID>`` inside the job."""

    id: str
    path_prefix: str
    path_suffix: str = ""


@dataclass(frozen=True)
class JobSpec:
    """A validated job template."""

    node_count: int
    process_count: int
    std_out_err_path_prefix: str
    command: str
    tool: str
    output_directories: tuple[OutputDirectory, ...] = ()
    environment: dict[str, str] = field(default_factory=dict)
    image: str | None = None
    shm_size: str | None = None
    mpi: bool = True


_SETTINGS: dict[str, dict[str, type]] = {
    "cntkSettings": {
        "languageType": str,
        "pythonScriptFilePath": str,
        "commandLineArgs": str,
        "numberOfProcesses": int,
        "configFilePath": str,
    },
    "customToolkitSettings": {"commandLine": str},
    "customMpiSettings": {"commandLine": str, "processCount": int},
    "pyTorchSettings": {
        "pythonScriptFilePath": str,
        "commandLineArgs": str,
        "processCount": int,
        "pythonInterpreterPath": str,
        "communicationBackend": str,
    },
}
_PROPERTIES: dict[str, type] = {
    "nodeCount": int,
    "toolType": str,
    "stdOutErrPathPrefix": str,
    "processCount": int,
    "numberOfProcesses": int,
    "outputDirectories": list,
    "environmentVariables": list,
    "containerSettings": dict,
    **{name: dict for name in _SETTINGS},
}
_TYPE_NAMES = {int: "an integer", str: "a string", list: "a list", dict: "an object"}


def _check(value: Any, kind: type, where: str) -> Any:
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise JobSpecError(f"{where} must be {_TYPE_NAMES[kind]}, not {json.dumps(value)}")
    return value


def _fields(obj: Any, allowed: dict[str, type], where: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    _check(obj, dict, where)
    for key in obj:
        if key not in allowed:
            raise JobSpecError(f"{where}.{key} is not a known field (known: {', '.join(sorted(allowed))})")
    for key in required:
        if key not in obj:
            raise JobSpecError(f"{where}.{key} is required")
    return {key: _check(value, allowed[key], f"{where}.{key}") for key, value in obj.items()}


def parse_job(data: Any) -> JobSpec:
    """Validate a parsed job template.

    Raises:
        JobSpecError: Naming the first field that is unknown, missing or of the wrong type.
    """
    root = _fields(data, {"properties": dict, "$schema": str}, "job", ("properties",))
    props = _fields(root["properties"], _PROPERTIES, "properties", ("stdOutErrPathPrefix",))
    node_count = props.get("nodeCount", 1)
    if node_count < 1:
        raise JobSpecError("properties.nodeCount must be at least 1")
    settings = [name for name in _SETTINGS if name in props]
    if len(settings) != 1:
        raise JobSpecError(f"properties needs exactly one of {', '.join(_SETTINGS)} (found {len(settings)})")
    tool = settings[0]
    s = _fields(props[tool], _SETTINGS[tool], f"properties.{tool}")
    script = s.get("pythonScriptFilePath")
    if script is not None:
        command = f"python {script} {s.get('commandLineArgs', '')}".strip()
    elif "commandLine" in s:
        command = s["commandLine"]
    else:
        raise JobSpecError(f"properties.{tool} needs pythonScriptFilePath or commandLine")
    counts = [
        v
        for v in (
            s.get("numberOfProcesses"),
            s.get("processCount"),
            props.get("processCount"),
            props.get("numberOfProcesses"),
        )
        if v is not None
    ]
    named = {
        where: value
        for where, value in (
            (f"properties.{tool}.numberOfProcesses", s.get("numberOfProcesses")),
            (f"properties.{tool}.processCount", s.get("processCount")),
            ("properties.processCount", props.get("processCount")),
            ("properties.numberOfProcesses", props.get("numberOfProcesses")),
        )
        if value is not None
    }
    if len(set(named.values())) > 1:
        given = ", ".join(f"{where} = {value}" for where, value in named.items())
        raise JobSpecError(f"the process counts disagree ({given})", "give the process count once")
    process_count = counts[0] if counts else node_count
    if process_count < 1:
        raise JobSpecError(f"properties.{tool}: the process count must be at least 1")
    if process_count % node_count:
        raise JobSpecError(
            f"processCount {process_count} does not divide over nodeCount {node_count} (every node runs the same "
            "number of processes)",
            f"make processCount a multiple of {node_count}, e.g. {node_count * max(1, process_count // node_count)}",
        )
    if not command.strip() or command.strip() == "python":
        raise JobSpecError(f"properties.{tool}: the command line is empty", "give the command the job runs")
    try:
        shlex.split(command)
    except ValueError as exc:
        raise JobSpecError(
            f"properties.{tool}: the command line cannot be split into arguments ({str(exc).lower()})",
            'balance its quotes; a quote inside an argument is escaped as \\"',
        ) from None
    _check_paths_in(command, f"properties.{tool}")
    _check_paths_in(props["stdOutErrPathPrefix"], "properties.stdOutErrPathPrefix")
    outputs: list[OutputDirectory] = []
    for i, entry in enumerate(props.get("outputDirectories", [])):
        where = f"properties.outputDirectories[{i}]"
        out = _fields(
            entry,
            {"id": str, "pathPrefix": str, "pathSuffix": str, "type": str, "createNew": bool},
            where,
            ("id", "pathPrefix"),
        )
        if not re.fullmatch(r"[A-Za-z0-9_]+", out["id"]):
            raise JobSpecError(f"{where}.id {out['id']!r} must be letters, digits and _")
        if any(out["id"] == seen.id for seen in outputs):
            raise JobSpecError(f"{where}.id {out['id']!r} is given twice", "give every output directory its own id")
        _check_paths_in(out["pathPrefix"], f"{where}.pathPrefix")
        suffix = out.get("pathSuffix", "")
        if suffix.startswith("/") or ".." in suffix.split("/"):
            raise JobSpecError(
                f"{where}.pathSuffix {suffix!r} leads out of the output directory",
                "use a relative folder name without '..'",
            )
        outputs.append(OutputDirectory(out["id"], out["pathPrefix"], out.get("pathSuffix", "")))
    environment = {}
    for i, entry in enumerate(props.get("environmentVariables", [])):
        variable = _fields(
            entry, {"name": str, "value": str}, f"properties.environmentVariables[{i}]", ("name", "value")
        )
        where, name = f"properties.environmentVariables[{i}].name", variable["name"]
        if not _NAME.fullmatch(name):
            raise JobSpecError(
                f"{where} {name!r} is not a variable name", "use letters, digits and _, not starting with a digit"
            )
        if name.startswith(RESERVED_PREFIX):
            raise JobSpecError(
                f"{where} {name!r} would override a variable Batch AI sets for every job",
                f"remove it; read ${name} in the command line instead",
            )
        if name in environment:
            raise JobSpecError(f"{where} {name!r} is given twice", "give every variable once")
        environment[name] = variable["value"]
    image, shm = None, None
    if "containerSettings" in props:
        container = _fields(
            props["containerSettings"],
            {"imageSourceRegistry": dict, "shmSize": str},
            "properties.containerSettings",
            ("imageSourceRegistry",),
        )
        registry = _fields(
            container["imageSourceRegistry"],
            {"image": str, "serverUrl": str, "credentials": dict},
            "properties.containerSettings.imageSourceRegistry",
            ("image",),
        )
        image, shm = registry["image"], container.get("shmSize")
    return JobSpec(
        node_count=node_count,
        process_count=process_count,
        std_out_err_path_prefix=props["stdOutErrPathPrefix"],
        command=command,
        tool=tool,
        output_directories=tuple(outputs),
        environment=environment,
        image=image,
        shm_size=shm,
        mpi=tool != "customToolkitSettings",
    )


def _check_paths_in(text: str, where: str) -> None:
    """Refuse a path under ``$AZ_BATCHAI_MOUNT_ROOT`` whose ``..`` leads out of the mount root."""
    for match in _MOUNT_PATH.finditer(text):
        path = posixpath.normpath(expand(match.group(0), {MOUNT_ROOT_VARIABLE: _FAKE_ROOT}))
        if path != _FAKE_ROOT and not path.startswith(_FAKE_ROOT + "/"):
            raise JobSpecError(
                f"{where}: {match.group(0)!r} leads out of ${MOUNT_ROOT_VARIABLE}",
                "remove the '..': jobs see only the mounted file share and blob container",
            )


class ExtraArgsError(JobSpecError):
    """``--extra-args`` cannot be split into arguments the way a shell would."""


def check_extra_args(text: str) -> list[str]:
    """The arguments ``--extra-args`` adds to the job's command line, split as a POSIX shell splits them.

    Raises:
        ExtraArgsError: Unbalanced quotes or a trailing backslash.
    """
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise ExtraArgsError(
            f"--extra-args {text!r}: {str(exc).lower()}",
            "balance the quotes; quote the whole value for your shell, e.g. --extra-args '--name \"a b\"'",
        ) from None


def local_notes(spec: JobSpec, cores: int) -> list[str]:
    """What a template means on one machine (the local backends): one line for each thing to know.

    Raises:
        JobSpecError: More ranks than the machine could start (``RANKS_PER_CORE_LIMIT`` per core).
    """
    notes = []
    if spec.process_count > RANKS_PER_CORE_LIMIT * cores:
        raise JobSpecError(
            f"processCount {spec.process_count} is far beyond this machine ({cores} cores): every rank is a process "
            "with its own copy of torch",
            f"use at most {RANKS_PER_CORE_LIMIT * cores} here (one per core is fastest), or submit to a cluster",
        )
    if spec.node_count > 1:
        notes.append(
            f"nodeCount {spec.node_count}: the local backends run every node's processes on this one machine "
            f"({counted(spec.process_count, 'process')} in all)"
        )
    if spec.process_count > cores:
        notes.append(
            f"processCount {spec.process_count} on {cores} cores: the processes share cores (slower per rank; "
            f"use at most {cores} for speed)"
        )
    return notes


def load_job(path: str | Path) -> JobSpec:
    """Read and validate a job template file.

    Raises:
        JobSpecError: Missing file, malformed JSON, or an invalid field (the message starts with the path).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise MissingJobFileError(f"{path}: no such job file") from None
    except UnicodeDecodeError:
        raise JobSpecError(f"{path}: not a UTF-8 text file", "give the job template (JSON) itself") from None
    except PermissionError:
        raise JobSpecError(f"{path}: cannot be read (permission denied)", "check the file's permissions") from None
    except json.JSONDecodeError as exc:
        raise JobSpecError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    try:
        return parse_job(data)
    except JobSpecError as exc:
        raise JobSpecError(f"{path}: {exc}", exc.hint) from None


def expand(text: str, variables: dict[str, str]) -> str:
    """Replace ``$NAME`` and ``${NAME}`` for the given variables, leaving any other ``$`` text alone."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return variables.get(name, match.group(0))

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", replace, text)
