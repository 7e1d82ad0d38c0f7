"""Job templates mutated field by field, through ``runner local submit --dry-run``: confinement is real.

Invariant for every generated template: exit 0 with every path the job is given under the mount root (symbolic
links followed) inside the mount root, or exit 2 with one line and no traceback; and nothing created, changed or
removed anywhere (a dry run writes nothing).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from runner.cli import app
from runner.jobspec import BATCHAI_MOUNT_ROOT

TEMPLATES = sorted((Path(__file__).resolve().parents[2] / "runner" / "resources" / "jobs").glob("*.json"))
Mutation = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """``home`` (RUNNER_HOME with its mount root, a link out of it and one within it), ``outside``, ``work``."""
    base = tmp_path_factory.mktemp("confinement")
    mounts = base / "home" / "mounts"
    for folder in ("afs", "blobfuse/scripts", "blobfuse/training_data", "blobfuse/evaluation_data", "blobfuse/models"):
        (mounts / folder).mkdir(parents=True)
    (base / "outside").mkdir()
    (base / "outside" / "keep.txt").write_text("a user's file")
    (mounts / "blobfuse" / "link_out").symlink_to(base / "outside")
    (mounts / "afs" / "link_in").symlink_to(mounts / "blobfuse")
    (base / "work").mkdir()
    return base


def _snapshot(base: Path) -> dict[str, str]:
    found = {}
    for path in sorted(base.rglob("*")):
        if path.is_relative_to(base / "work"):  # the template written for each run
            continue
        relative = str(path.relative_to(base))
        if path.is_symlink():
            found[relative] = "-> " + os.readlink(path)
        elif path.is_file():
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[relative] = "dir"
    return found


COMPONENTS = st.sampled_from(["..", ".", "afs", "blobfuse", "models", "link_out", "link_in", "", "x", "a b"])
RELATIVE = st.lists(COMPONENTS, max_size=5).map("/".join)
VARIABLES = st.sampled_from(
    [
        "AZ_BATCHAI_MOUNT_ROOT",
        "{AZ_BATCHAI_MOUNT_ROOT}",
        "AZ_BATCHAI_MOUNT_ROT",
        "AZ_BATCHAI_OUTPUT_IMAGES",
        "AZ_BATCHAI_OUTPUT_IMAGS",
        "AZ_BATCHAI_STDOUTERR_DIR",
        "AZ_BATCHAI_MPI_HOST_FILE",
        "AZ_BATCHAI_JOB_NAME",
        "AZ_BATCHAI_INPUT_DATA",
        "HOME",
    ]
)
PATHS = st.one_of(
    st.builds(lambda v, p: f"${v}/{p}", VARIABLES, RELATIVE),
    RELATIVE,
    RELATIVE.map(lambda p: "/" + p),
    st.sampled_from(["", " ", "~/x", "a\x00b", "$AZ_BATCHAI_MOUNT_ROOT", "$AZ_BATCHAI_MOUNT_ROOTx/afs"]),
)
TOKENS = st.one_of(
    PATHS,
    PATHS.map(lambda p: f"--output-dir={p}"),
    st.sampled_from(["|", ";", "&&", ">", "2>&1", "$(date)", "`id`", "'a | b'", '"$(x)"', "'", '"', "\\", "&"]),
    st.text(max_size=6),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


def _settings(data: dict[str, Any]) -> dict[str, Any]:
    props = data["properties"]
    tool = next(key for key in props if key.endswith("Settings") and key != "containerSettings")
    settings: dict[str, Any] = props[tool]
    return settings


def _fields(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indices) to a value inside a template."""
    found = [prefix] if prefix else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, item in items:
        found += _fields(item, (*prefix, key))
    return found


def _replace(data: Any, where: tuple[Any, ...], make: Callable[[Any], Any]) -> None:
    for key in where[:-1]:
        data = data[key]
    data[where[-1]] = make(data[where[-1]])


@st.composite
def mutations(draw: st.DrawFn) -> Mutation:
    """One change to a template: a path field, a command-line token, a variable, a type, nesting, a NUL."""
    kind = draw(st.sampled_from(["stdouterr", "output", "token", "env", "type", "nest", "nul"]))
    if kind == "stdouterr":
        value = draw(PATHS)
        return lambda data: data["properties"].__setitem__("stdOutErrPathPrefix", value)
    if kind == "output":
        entry = {"id": draw(st.sampled_from(["IMAGES", "OUT"])), "pathPrefix": draw(PATHS)}
        if draw(st.booleans()):
            entry["pathSuffix"] = draw(st.one_of(RELATIVE, PATHS))
        return lambda data: data["properties"].__setitem__("outputDirectories", [entry])
    if kind == "token":
        token, position = draw(TOKENS), draw(st.integers(1, 12))

        def insert(data: dict[str, Any]) -> None:
            words = _settings(data)["commandLine"].split(" ")
            words.insert(min(position, len(words)), token)
            _settings(data)["commandLine"] = " ".join(words)

        return insert
    if kind == "env":
        variable = {"name": draw(st.sampled_from(["DATA", "OUT"])), "value": draw(st.one_of(PATHS, TOKENS))}
        return lambda data: data["properties"].__setitem__("environmentVariables", [variable])
    index, value = draw(st.integers(0, 50)), draw(JSON)
    depth = draw(st.integers(1, 60))  # far deeper text: test_duplicate_keys_and_deep_nesting_are_one_line

    def change(data: dict[str, Any]) -> None:
        fields = _fields(data)
        where = fields[index % len(fields)]
        if kind == "type":
            _replace(data, where, lambda old: value)
        elif kind == "nest":
            _replace(data, where, lambda old: json.loads("[" * depth + json.dumps(old) + "]" * depth))
        else:
            _replace(data, where, lambda old: old[:1] + "\x00" + old[1:] if isinstance(old, str) else "\x00")

    change.structural = True  # type: ignore[attr-defined]
    return change


def _submit(tree: Path, text: str, backend: str) -> tuple[int, str, str]:
    job = tree / "work" / "job.json"
    job.write_text(text)
    argv = ["local", "submit", str(job), "--root", str(tree / "home"), "--name", "fuzz", "--dry-run"]
    argv += ["--backend", "docker", "--gpus", "0"] if backend == "docker" else []
    result = CliRunner().invoke(app, argv)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback for {text!r}") from result.exception
    return result.exit_code, result.stdout, result.stderr


def _named_paths(output: str, mounts: Path) -> list[Path]:
    """Every path under the mount root that a dry run gives the job (the container's root mapped to this host)."""
    found = []
    for root in (str(mounts), BATCHAI_MOUNT_ROOT):
        for match in re.finditer(re.escape(root) + r"(?=/|$|\s|')[^\s'\",;:]*", output):
            found.append(Path(str(mounts) + match.group(0)[len(root) :]))
    return found


def _check(tree: Path, text: str, backend: str) -> None:
    before = _snapshot(tree)
    code, out, err = _submit(tree, text, backend)
    event(f"exit {code}")
    if code == 0:
        mounts = Path(os.path.realpath(tree / "home" / "mounts"))
        for path in _named_paths(out, tree / "home" / "mounts"):
            resolved = Path(os.path.realpath(path))
            assert resolved == mounts or mounts in resolved.parents, f"{path} -> {resolved} for {text!r}"
    else:
        assert code == 2, (code, out, err, text)
        assert err.strip().startswith("error:") and "\n" not in err.strip(), (err, text)
        assert "Traceback" not in err
    assert _snapshot(tree) == before, text


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    template=st.sampled_from(TEMPLATES),
    changes=st.lists(mutations(), min_size=1, max_size=3),
    backend=st.sampled_from(["process", "docker"]),
)
@example(
    template=TEMPLATES[0], changes=[lambda d: d["properties"].__setitem__("stdOutErrPathPrefix", "")], backend="process"
)
def test_mutated_templates_are_confined_or_refused(tree, template, changes, backend):
    data = json.loads(template.read_text())
    for change in sorted(changes, key=lambda c: getattr(c, "structural", False)):  # types and nesting last
        change(data)
    _check(tree, json.dumps(data), backend)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(stdOutErrPathPrefix="../../.."), "stdOutErrPathPrefix '../../..' is not under"),
        (lambda p: p.update(stdOutErrPathPrefix="/tmp/logs"), "stdOutErrPathPrefix '/tmp/logs' is not under"),
        (lambda p: p.update(stdOutErrPathPrefix=""), "properties.stdOutErrPathPrefix is empty"),
        (
            lambda p: p.update(outputDirectories=[{"id": "IMAGES", "pathPrefix": "/srv/out"}]),
            "outputDirectories[0].pathPrefix '/srv/out' is not under $AZ_BATCHAI_MOUNT_ROOT",
        ),
        (
            lambda p: p["customMpiSettings"].update(commandLine="landcover --output-dir $AZ_BATCHAI_OUTPUT_IMAGS"),
            "$AZ_BATCHAI_OUTPUT_IMAGS is not a variable the runner sets (did you mean $AZ_BATCHAI_OUTPUT_IMAGES?)",
        ),
        (
            lambda p: p["customMpiSettings"].update(commandLine="landcover --help | tee out.txt"),
            "'|' is shell syntax, but the command line runs without a shell",
        ),
        (
            lambda p: p["customMpiSettings"].update(commandLine="landcover --help && echo done"),
            "'&&' is shell syntax",
        ),
        (lambda p: p["customMpiSettings"].update(commandLine="landcover --run-name $(date)"), "'$(' is shell syntax"),
        (lambda p: p["customMpiSettings"].update(commandLine="landcover --model-dir $HOME/m"), "$HOME would be passed"),
        (
            lambda p: p["customMpiSettings"].update(commandLine="landcover --output-dir $AZ_BATCHAI_OUTPUT_IMAGES/.."),
            "leads out of $AZ_BATCHAI_OUTPUT_IMAGES",
        ),
        (lambda p: p["customMpiSettings"].update(commandLine="landcover\x00 --help"), "holds a NUL character"),
        (
            lambda p: p["customMpiSettings"].update(commandLine="landcover evaluate --output-dir /tmp/outside"),
            "--output-dir '/tmp/outside' is not under $AZ_BATCHAI_MOUNT_ROOT",
        ),
        (
            lambda p: p["customMpiSettings"].update(commandLine="landcover train --model-dir=../../models"),
            "--model-dir '../../models' is not under $AZ_BATCHAI_MOUNT_ROOT",
        ),
    ],
)
def test_what_leaves_the_root_or_needs_a_shell_is_one_line(tree, change, message):
    data = json.loads((TEMPLATES[0]).read_text())
    data["properties"]["outputDirectories"] = [{"id": "IMAGES", "pathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/blobfuse/o"}]
    change(data["properties"])
    before = _snapshot(tree)
    code, _, err = _submit(tree, json.dumps(data), "process")
    assert code == 2 and message in err and "\n" not in err.strip(), err
    assert "(" in err  # the fix, in parentheses
    assert _snapshot(tree) == before


def test_a_symbolic_link_out_of_the_root_is_refused(tree):
    data = json.loads(TEMPLATES[0].read_text())
    data["properties"]["stdOutErrPathPrefix"] = "$AZ_BATCHAI_MOUNT_ROOT/blobfuse/link_out"
    code, _, err = _submit(tree, json.dumps(data), "process")
    assert code == 2 and "outside the mount root" in err and "a symbolic link leads out" in err, err
    data["properties"]["stdOutErrPathPrefix"] = "$AZ_BATCHAI_MOUNT_ROOT/afs/link_in"  # a link within: fine
    assert _submit(tree, json.dumps(data), "process")[0] == 0


def test_duplicate_keys_and_deep_nesting_are_one_line(tree):
    text = TEMPLATES[0].read_text().replace('"nodeCount": 1,', '"nodeCount": 1, "nodeCount": 2,', 1)
    code, _, err = _submit(tree, text, "process")
    assert code == 2 and "the key 'nodeCount' is given twice in one object" in err, err
    deep = '{"properties": ' + "[" * 100_000 + "]" * 100_000 + "}"
    code, _, err = _submit(tree, deep, "process")
    assert code == 2 and "nested too deeply" in err and "\n" not in err.strip(), err
    nested = json.loads(TEMPLATES[0].read_text())
    nested["properties"]["containerSettings"]["imageSourceRegistry"]["credentials"] = json.loads("[" * 50 + "]" * 50)
    code, _, err = _submit(tree, json.dumps(nested), "process")
    assert code == 2 and "nested more than 8 levels deep" in err, err
