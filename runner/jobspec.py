"""The Batch AI job template (the tutorial's ``*_job.json``): strict parsing and variable expansion.

Only the ``properties`` the tutorial's format uses are accepted; an unknown field or a wrong type is an
error that names the field (``properties.cntkSettings.numberOfProcess``), not a silent default.
"""

from __future__ import annotations

import difflib
import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import MISSING, ValidationError

from runner.errors import RunnerError
from runner.shellwords import Split, SplitError, shell_syntax, split_command
from runner.template_model import JobTemplate, Properties, ToolSettings, field_path, first_error
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
BATCHAI_VARIABLES = (
    "AZ_BATCHAI_MOUNT_ROOT",
    "AZ_BATCHAI_JOB_NAME",
    "AZ_BATCHAI_JOB_ID",
    "AZ_BATCHAI_NUM_GPUS",
    "AZ_BATCHAI_STDOUTERR_DIR",
    "AZ_BATCHAI_MPI_HOST_FILE",
)
"""The Batch AI variables the runner sets for every job (plus ``AZ_BATCHAI_OUTPUT_<ID>`` per output directory)."""
MAX_DEPTH = 8
"""How deeply a template's JSON may nest (the format itself needs 5 levels)."""
MAX_ARG_BYTES = 32 * 4096
"""Linux's limit on one argument of ``exec`` (``MAX_ARG_STRLEN``)."""
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FAKE_ROOT = "/__mount_root__"
_VARIABLE_PATH = re.compile(r"\$(?:\{(AZ_BATCHAI_\w+)\}|(AZ_BATCHAI_\w+))([^\s'\",;:]*)")
_FOLDERS = r"AZ_BATCHAI_(?:MOUNT_ROOT|OUTPUT_\w+|STDOUTERR_DIR)"
_FOLDER_VARIABLE = re.compile(rf"\$(?:\{{{_FOLDERS}\}}|{_FOLDERS})(?=/|$)")
"""A path that starts with a folder the runner gives the job (the mount root, an output, stdouterr)."""
_ROOT_PREFIX = re.compile(r"\$(?:\{AZ_BATCHAI_MOUNT_ROOT\}|AZ_BATCHAI_MOUNT_ROOT)(?=/|$)")
_BATCHAI_REFERENCE = re.compile(r"\$\{?(AZ_BATCHAI_\w*)")
_SHELL_HINT = "run a shell explicitly, e.g. bash -c '...' (quoted), or drop it"


class JobSpecError(RunnerError):
    """The job template is malformed; the message names the file and the field."""

    hint = "fix the job file (the 2018 tutorial's Batch AI format, as in jobs/training_job.json)"


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


def _check_text(data: Any) -> None:
    """Refuse NUL characters (in keys or values) and JSON nested deeper than ``MAX_DEPTH``, naming the field."""
    stack: list[tuple[Any, tuple[int | str, ...]]] = [(data, ())]
    while stack:
        value, loc = stack.pop()
        where = field_path(loc)
        if len(loc) >= MAX_DEPTH:
            raise JobSpecError(
                f"{where}: nested more than {MAX_DEPTH} levels deep", "a job template has at most 5 levels"
            )
        if isinstance(value, str) and "\x00" in value:
            raise JobSpecError(
                f"{where} holds a NUL character (\\u0000)", "remove it: no path or argument can hold one"
            )
        if isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    raise JobSpecError(f"{where}: a key holds a NUL character (\\u0000)", "remove it")
                stack.append((item, (*loc, key)))
        elif isinstance(value, list):
            stack.extend((item, (*loc, index)) for index, item in enumerate(value))


def parse_job(data: Any) -> JobSpec:
    """Validate a parsed job template.

    Raises:
        JobSpecError: Naming the first field that is unknown, missing, of the wrong type, or leads out of the
            mount root.
    """
    _check_text(data)
    try:
        props = JobTemplate.model_validate(data).properties
    except ValidationError as exc:
        raise JobSpecError(first_error(exc, data)) from None
    tools = props.tools()
    if len(tools) != 1:
        raise JobSpecError(f"properties needs exactly one of {', '.join(props.TOOLS)} (found {len(tools)})")
    [(tool, settings)] = tools.items()
    command = _command(settings, tool)
    process_count = _process_count(settings, props, tool)
    outputs = _outputs(props)
    environment = _environment(props)
    known = {*BATCHAI_VARIABLES, *(f"AZ_BATCHAI_OUTPUT_{out.id}" for out in outputs)}
    _check_command(command, f"properties.{tool}", known)
    _check_root_path(props.std_out_err_path_prefix, "properties.stdOutErrPathPrefix")
    for i, out in enumerate(outputs):
        _check_root_path(out.path_prefix, f"properties.outputDirectories[{i}].pathPrefix")
    for i, value in enumerate(environment.values()):
        _check_variables(value, f"properties.environmentVariables[{i}].value", known)
        _check_paths_in(value, f"properties.environmentVariables[{i}].value")
    container = props.container_settings
    return JobSpec(
        node_count=props.node_count,
        process_count=process_count,
        std_out_err_path_prefix=props.std_out_err_path_prefix,
        command=command,
        tool=tool,
        output_directories=tuple(outputs),
        environment=environment,
        image=None if container is MISSING else container.image_source_registry.image,
        shm_size=None if container is MISSING or container.shm_size is MISSING else container.shm_size,
        mpi=tool != "customToolkitSettings",
    )


def _command(settings: ToolSettings, tool: str) -> str:
    command = settings.command()
    if command is None:
        raise JobSpecError(f"properties.{tool} needs pythonScriptFilePath or commandLine")
    if not command.strip() or command.strip() == "python":
        raise JobSpecError(f"properties.{tool}: the command line is empty", "give the command the job runs")
    return command


def _process_count(settings: ToolSettings, props: Properties, tool: str) -> int:
    named = {
        **{
            f"properties.{tool}.{key}": value
            for key, value in settings.given("numberOfProcesses", "processCount").items()
        },
        **{f"properties.{key}": value for key, value in props.given("processCount", "numberOfProcesses").items()},
    }
    if len(set(named.values())) > 1:
        given = ", ".join(f"{where} = {value}" for where, value in named.items())
        raise JobSpecError(f"the process counts disagree ({given})", "give the process count once")
    node_count = props.node_count
    process_count: int = next(iter(named.values()), node_count)
    if process_count < 1:
        raise JobSpecError(f"properties.{tool}: the process count must be at least 1")
    if process_count % node_count:
        raise JobSpecError(
            f"processCount {process_count} does not divide over nodeCount {node_count} (every node runs the same "
            "number of processes)",
            f"make processCount a multiple of {node_count}, e.g. {node_count * max(1, process_count // node_count)}",
        )
    return process_count


def _outputs(props: Properties) -> list[OutputDirectory]:
    outputs: list[OutputDirectory] = []
    for i, out in enumerate(props.output_directories):
        where = f"properties.outputDirectories[{i}]"
        if not re.fullmatch(r"[A-Za-z0-9_]+", out.id):
            raise JobSpecError(f"{where}.id {out.id!r} must be letters, digits and _")
        if any(out.id == seen.id for seen in outputs):
            raise JobSpecError(f"{where}.id {out.id!r} is given twice", "give every output directory its own id")
        suffix = out.path_suffix
        if suffix.startswith("/") or ".." in suffix.split("/") or "$" in suffix:
            raise JobSpecError(
                f"{where}.pathSuffix {suffix!r} leads out of the output directory"
                if "$" not in suffix
                else f"{where}.pathSuffix {suffix!r}: no variable is replaced in a path suffix",
                "use a relative folder name without '..' or '$'",
            )
        outputs.append(OutputDirectory(out.id, out.path_prefix, suffix))
    return outputs


def _environment(props: Properties) -> dict[str, str]:
    environment: dict[str, str] = {}
    for i, variable in enumerate(props.environment_variables):
        where, name = f"properties.environmentVariables[{i}].name", variable.name
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
        environment[name] = variable.value
    return environment


def _words(text: str, where: str) -> Split:
    try:
        return split_command(text)
    except SplitError as exc:
        raise JobSpecError(
            f"{where}: the command line cannot be split into arguments ({exc})",
            'balance its quotes; a quote inside an argument is escaped as \\"',
        ) from None


def _check_command(command: str, where: str, known: set[str]) -> None:
    """The command line splits, names only variables the runner sets, holds no shell syntax, stays in the root."""
    words = _words(command, where)
    _check_variables(command, where, known)
    found = shell_syntax(words, lambda name: name in known)
    if found is not None:
        if found.startswith("$") and not found.startswith("$("):
            raise JobSpecError(
                f"{where}: {found} would be passed literally: the command line runs without a shell, which replaces "
                "only $AZ_BATCHAI_* variables",
                "write the value itself, or " + _SHELL_HINT,
            )
        raise JobSpecError(
            f"{where}: {found!r} is shell syntax, but the command line runs without a shell (it would be passed "
            "literally as an argument)",
            _SHELL_HINT,
        )
    _check_paths_in(command, where)
    _check_output_options(words.args, where)


def _check_output_options(args: list[str], where: str) -> None:
    """The folders the command line says the job writes (``--model-dir``, ``--output-dir``) are in the mount root."""
    for position, arg in enumerate(args):
        option, equals, value = arg.partition("=")
        if option not in OUTPUT_OPTIONS:
            continue
        if not equals:
            if position + 1 >= len(args):
                continue
            value = args[position + 1]
        if not _FOLDER_VARIABLE.match(value):
            raise JobSpecError(
                f"{where}: {option} {value!r} is not under $AZ_BATCHAI_MOUNT_ROOT (the job's outputs are)",
                f"write {option} $AZ_BATCHAI_MOUNT_ROOT/... or {option} $AZ_BATCHAI_OUTPUT_<ID>",
            )


def _check_variables(text: str, where: str, known: set[str]) -> None:
    """Refuse a ``$AZ_BATCHAI_*`` name the runner does not set, suggesting the closest one it does."""
    for match in _BATCHAI_REFERENCE.finditer(text):
        name = match.group(1)
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
            hint = f"did you mean ${close[0]}?" if close else f"known: {', '.join('$' + k for k in sorted(known))}"
            raise JobSpecError(f"{where}: ${name} is not a variable the runner sets", hint)


def _check_root_path(value: str, where: str) -> None:
    """A path prefix the runner creates folders under: ``$AZ_BATCHAI_MOUNT_ROOT`` itself or a folder inside it."""
    hint = "start it with $AZ_BATCHAI_MOUNT_ROOT/ (e.g. $AZ_BATCHAI_MOUNT_ROOT/afs): the runner writes only there"
    if not value.strip():
        raise JobSpecError(f"{where} is empty", hint)
    prefix = _ROOT_PREFIX.match(value)
    if prefix is None:
        raise JobSpecError(f"{where} {value!r} is not under $AZ_BATCHAI_MOUNT_ROOT", hint)
    if "$" in value[prefix.end() :]:
        raise JobSpecError(
            f"{where} {value!r}: only $AZ_BATCHAI_MOUNT_ROOT is replaced in a path prefix", "write the folder names"
        )
    _check_paths_in(value, where)


def _check_paths_in(text: str, where: str) -> None:
    """Refuse a path built on a Batch AI variable whose ``..`` climbs above the folder the variable names.

    That is out of the mount root, or out of the job's own stdouterr or output folder.
    """
    for match in _VARIABLE_PATH.finditer(text):
        name = match.group(1) or match.group(2)
        path = posixpath.normpath(_FAKE_ROOT + match.group(3))
        if path != _FAKE_ROOT and not path.startswith(_FAKE_ROOT + "/"):
            raise JobSpecError(
                f"{where}: {match.group(0)!r} leads out of ${name}",
                "remove the '..': a template's paths stay inside the mount root",
            )


class ExtraArgsError(JobSpecError):
    """``--extra-args`` cannot be split into arguments the way a shell would, or holds shell syntax."""


def check_extra_args(text: str) -> list[str]:
    """The arguments ``--extra-args`` adds to the job's command line, split as a POSIX shell splits them.

    Raises:
        ExtraArgsError: Unbalanced quotes, a trailing backslash, or shell syntax (no shell runs the command).
    """
    try:
        words = split_command(text)
    except SplitError as exc:
        raise ExtraArgsError(
            f"--extra-args {text!r}: {exc}",
            "balance the quotes; quote the whole value for your shell, e.g. --extra-args '--name \"a b\"'",
        ) from None
    found = shell_syntax(words, lambda name: name.startswith(RESERVED_PREFIX))
    if found is not None:
        raise ExtraArgsError(
            f"--extra-args: {found!r} would be passed literally (the job's command line runs without a shell)",
            "give plain arguments only",
        )
    return words.args


def check_exec_limits(argv: list[str]) -> None:
    """Refuse a command line that ``exec`` would refuse (one argument over 128 KiB, or all over ``ARG_MAX``).

    Raises:
        JobSpecError: Naming the argument, its size and the limit.
    """
    total = 0
    for index, arg in enumerate(argv):
        size = len(arg.encode(errors="surrogateescape")) + 1
        if size > MAX_ARG_BYTES:
            raise JobSpecError(
                f"argument {index + 1} of the command line is {size - 1} bytes; Linux starts a process with at most "
                f"{MAX_ARG_BYTES - 1} bytes in one argument",
                "pass large values in a file and its path on the command line",
            )
        total += size
    limit = os.sysconf("SC_ARG_MAX") // 2  # the other half for the environment
    if total > limit:
        raise JobSpecError(
            f"the command line is {total} bytes; this machine starts a process with at most about {limit}",
            "pass large values in a file and its path on the command line",
        )


def local_notes(spec: JobSpec, cores: int) -> list[str]:
    """What a template means on one machine (the local backends): one line for each thing to know.

    Raises:
        JobSpecError: More ranks than the machine could start (``RANKS_PER_CORE_LIMIT`` per core), or a command
            line longer than ``exec`` accepts.
    """
    notes = []
    if spec.process_count > RANKS_PER_CORE_LIMIT * cores:
        raise JobSpecError(
            f"processCount {spec.process_count} is far beyond this machine ({cores} cores): every rank is a process "
            "with its own copy of torch",
            f"use at most {RANKS_PER_CORE_LIMIT * cores} here (one per core is fastest), or submit to a cluster",
        )
    check_exec_limits(split_command(spec.command).args)
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


class _DuplicateKeyError(ValueError):
    """A JSON object names one key twice."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An ``object_pairs_hook`` that refuses a key given twice (``json`` would keep the last silently)."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKeyError(key)
        obj[key] = value
    return obj


def read_template(path: Path) -> Any:
    """A job template file's JSON, strictly: no duplicate keys, no nesting beyond what the reader can take.

    Raises:
        JobSpecError: Missing, unreadable or malformed (one line starting with the path).
    """
    try:
        return json.loads(path.read_text(), object_pairs_hook=_unique_keys)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise MissingJobFileError(f"{path}: no such job file") from None
    except UnicodeDecodeError:
        raise JobSpecError(f"{path}: not a UTF-8 text file", "give the job template (JSON) itself") from None
    except PermissionError:
        raise JobSpecError(f"{path}: cannot be read (permission denied)", "check the file's permissions") from None
    except OSError as exc:
        raise JobSpecError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise JobSpecError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except _DuplicateKeyError as exc:
        raise JobSpecError(
            f"{path}: the key {str(exc)!r} is given twice in one object", "give every field once"
        ) from None
    except RecursionError:
        raise JobSpecError(f"{path}: nested too deeply to read", "a job template has at most 5 levels") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise JobSpecError(f"{path}: not valid JSON ({' '.join(str(exc).split())[:120]})") from None


def load_job(path: str | Path) -> JobSpec:
    """Read and validate a job template file.

    Raises:
        JobSpecError: Missing file, malformed JSON, or an invalid field (the message starts with the path).
    """
    path = Path(path)
    data = read_template(path)
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
