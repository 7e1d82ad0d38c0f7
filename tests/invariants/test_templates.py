"""The runner's job templates mutated field by field, submitted with ``--dry-run`` (issue 25 class 6).

Each example takes a packaged template, changes one field (a new value, removed, an unknown sibling) or the
text itself (a duplicate key, cut short, deeply nested, not UTF-8), and submits it. Besides the harness's
invariants, an exit-0 dry run must keep every folder it names inside the mount root, and must not accept what
cannot be right: NUL bytes, unknown ``$AZ_BATCHAI_*`` names, shell syntax in ``commandLine``, duplicate keys.
"""

from __future__ import annotations

import copy
import json
import os
import shlex
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.bad_inputs.setups import local_root
from tests.invariants.harness import InvariantBroken, Scenario, check_run, record
from tests.invariants.profiles import HARNESS
from tests.invariants.scenarios import fresh_tree
from tests.invariants.xfails import known

KNOWN_VARIABLES = frozenset(
    {
        "AZ_BATCHAI_MOUNT_ROOT",
        "AZ_BATCHAI_JOB_ID",
        "AZ_BATCHAI_JOB_NAME",
        "AZ_BATCHAI_MPI_HOST_FILE",
        "AZ_BATCHAI_NUM_GPUS",
        "AZ_BATCHAI_STDOUTERR_DIR",
        "AZ_BATCHAI_JOB_TEMP",
        "AZ_BATCHAI_TASK_INDEX",
    }
)
"""Variables Batch AI set (besides ``AZ_BATCHAI_OUTPUT_<ID>`` of the template's own output directories)."""
OUTPUT_OPTIONS = ("--model-dir", "--model_dir", "--output-dir", "--output_dir")
SHELL = (";", "|", "&", "$(", "`", ">", "<")
TEXT_PROBES = (
    "",
    " ",
    "../../..",
    "/etc",
    "$AZ_BATCHAI_MOUNT_ROOT/../..",
    "${AZ_BATCHAI_MOUNT_ROOT}/afs/../../../outside",
    "$AZ_BATCHAI_MOUNT_ROOT/afs/./x",
    "$AZ_BATCHAI_OUTPUT_IMAGS",
    "$AZ_BATCHAI_MOUNTROOT/x",
    "a\x00b",
    "x" * 5000,
    "$(touch pwned)",
    "landcover train; touch pwned",
    "`id`",
    "ü",
)
VALUE_PROBES: tuple[Any, ...] = (0, -1, 2**63, 1.5, True, None, [], {}, "1")
COMMAND_TAILS = (
    " --model-dir ../../../outside",
    " --output-dir /tmp/outside",
    " --output-dir=$AZ_BATCHAI_MOUNT_ROOT/../outside",
    " > $AZ_BATCHAI_MOUNT_ROOT/afs/log",
)
TEMPLATES = ("training_job.json", "evaluation_job.json", "predict_job.json")
SUBMITS = {
    "local": ("local", "submit", "{ws}/job.json", "--dry-run"),
    "slurm": ("slurm", "submit", "{ws}/job.json", "--dry-run"),
}


class ConfinementBroken(InvariantBroken):
    invariant = "paths stay inside the mount root"


def _template(name: str) -> dict[str, Any]:
    from runner.package_data import job_templates

    data: dict[str, Any] = json.loads(job_templates()[name].read_text())
    return data


def _fields(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in the document (keys and list indexes), containers included."""
    found = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _fields(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _fields(value, (*path, index))
    return found


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        document = document[key]
    return document


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str, list[str]]:
    """A mutated template: its text, what changed, and why an exit 0 would be wrong (empty: exit 0 may be right)."""
    name = draw(st.sampled_from(TEMPLATES))
    document = copy.deepcopy(_template(name))
    kind = draw(st.sampled_from(["replace", "replace", "delete", "unknown", "tail", "text"]))
    if kind == "text":
        text = json.dumps(document, indent=2, ensure_ascii=False)
        how = draw(st.sampled_from(["duplicate", "cut", "nested", "bom", "latin1"]))
        wrong = {"duplicate": ["a duplicate key"], "cut": [], "nested": [], "bom": [], "latin1": []}[how]
        text = {
            "duplicate": text.replace('"properties": {', '"properties": {"nodeCount": 2, ', 1),
            "cut": text[: draw(st.integers(0, len(text) - 1))],
            "nested": text.replace('"nodeCount": 1', '"nodeCount": ' + "[" * 5000 + "]" * 5000, 1),
            "bom": "\ufeff" + text,
            "latin1": text.replace("landcover", "landc\udcffover", 1),
        }[how]
        return text, f"{name}: text {how}", wrong
    fields = _fields(document)
    paths = [
        field for field in fields if any(word in str(field[-1]) for word in ("Path", "Prefix", "Suffix", "command"))
    ]
    path = draw(st.one_of(st.sampled_from(paths), st.sampled_from(fields)))
    parent, key = _parent(document, path), path[-1]
    wrong: list[str] = []
    if kind == "delete":
        del parent[key]
    elif kind == "unknown" and isinstance(parent, dict):
        parent["unknownField"] = "x"
        wrong.append("an unknown field")
    elif kind == "tail":
        mpi = document["properties"]["customMpiSettings"]
        tail = draw(st.sampled_from(COMMAND_TAILS))
        mpi["commandLine"] += tail
        path, wrong = (
            ("properties", "customMpiSettings", "commandLine", "+"),
            [f"shell syntax {tail!r}"] if ">" in tail else [],
        )
    else:
        value = draw(st.sampled_from(TEXT_PROBES + VALUE_PROBES))
        parent[key] = value
        if isinstance(value, str):
            wrong += _wrong_text(value, path)
    return json.dumps(document, indent=2, ensure_ascii=False), f"{name}: {kind} {'.'.join(map(str, path))}", wrong


def _wrong_text(value: str, path: tuple[Any, ...]) -> list[str]:
    wrong = []
    if "\x00" in value:
        wrong.append("a NUL byte")
    names = {part.strip("{}").split("/")[0] for part in value.split("$")[1:]}
    if any(
        n.startswith("AZ_BATCHAI_") and n not in KNOWN_VARIABLES and not n.startswith("AZ_BATCHAI_OUTPUT_")
        for n in names
    ):
        wrong.append("an unknown $AZ_BATCHAI_ name")
    if "$AZ_BATCHAI_OUTPUT_IMAGS" in value:
        wrong.append("an output directory that the template does not define")
    if path[-1] == "commandLine" and any(mark in value for mark in SHELL):
        wrong.append("shell syntax in commandLine")
    return wrong


def _escapes(stdout: str, root: Path) -> list[str]:
    """Folders a dry run names outside the mount root: the job's variables and its output options."""
    mount = os.path.normpath(root)
    lines = stdout.splitlines()
    named: list[str] = []
    for line in lines:
        key, _, value = line.partition("=")
        if key.startswith("AZ_BATCHAI_") and (key.endswith("_DIR") or key.startswith("AZ_BATCHAI_OUTPUT_")):
            named.append(value)
    try:
        words = shlex.split(lines[0]) if lines else []
    except ValueError:
        words = []
    for index, word in enumerate(words):
        if word in OUTPUT_OPTIONS and index + 1 < len(words):
            named.append(words[index + 1])
        elif word.split("=")[0] in OUTPUT_OPTIONS and "=" in word:
            named.append(word.split("=", 1)[1])
    outside = []
    for path in named:  # a relative path is relative to the job's working folder: not judged here
        resolved = os.path.normpath(path)
        if os.path.isabs(path) and resolved != mount and not resolved.startswith(mount + "/"):
            outside.append(path)
    return outside


@pytest.mark.parametrize("backend", [known("templates", backend) for backend in SUBMITS])
@HARNESS
@given(data=st.data())
def test_mutated_template(backend: str, data: st.DataObject) -> None:
    """A mutated template is refused in one line, or its dry run stays inside the mount root; nothing written."""
    text, change, wrong = data.draw(mutated(), label="template")
    with fresh_tree() as folder:
        ws = Path(folder)
        local_root()(ws)
        (ws / "job.json").write_bytes(text.encode("utf-8", "surrogateescape"))
        scenario = Scenario(
            argv=SUBMITS[backend],
            cli="runner",
            inputs=frozenset({"job.json", ".runner"}),
            garbage=f"{change}: {', '.join(wrong)}" if wrong else None,
        )
        run = check_run(scenario, ws)
        if run.outcome.code == 0:
            outside = _escapes(run.outcome.stdout, ws / ".runner" / "mounts")
            if outside:
                record(scenario, ConfinementBroken(f"{change}: {', '.join(outside)} outside the mount root"))
