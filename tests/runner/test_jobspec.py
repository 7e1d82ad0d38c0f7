import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.jobspec import JobSpecError, expand, load_job, parse_job
from tests.conftest import shared_path

REPO = Path(__file__).resolve().parents[2]


def test_tutorial_training_job_parses():
    spec = load_job(shared_path("seed", "training_job.json"))
    assert spec.node_count == 2 and spec.process_count == 2 and spec.tool == "cntkSettings"
    assert spec.command.startswith("python $AZ_BATCHAI_MOUNT_ROOT/blobfuse/scripts/train_distributed.py --input_dir")


def test_tutorial_evaluation_job_parses():
    spec = load_job(shared_path("seed", "evaluation_job.json"))
    assert spec.process_count == 1
    assert spec.output_directories[0].id == "IMAGES" and spec.output_directories[0].path_suffix == "images"


@pytest.mark.parametrize("name", ["training_job.json", "evaluation_job.json"])
def test_our_templates_name_the_image_and_landcover(name):
    spec = load_job(REPO / "jobs" / name)
    assert spec.image == "landcover-runner/trainer-gpu:latest"
    assert spec.command.startswith("landcover ")


def _props(**properties):
    return {
        "properties": {
            "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs",
            "customMpiSettings": {"commandLine": "landcover --help"},
            **properties,
        }
    }


def test_unknown_field_is_named():
    with pytest.raises(JobSpecError, match=r"properties\.nodeCounts is not a known field"):
        parse_job(_props(nodeCounts=2))
    data = _props()
    data["properties"]["customMpiSettings"]["procesCount"] = 2
    with pytest.raises(JobSpecError, match=r"properties\.customMpiSettings\.procesCount is not a known field"):
        parse_job(data)


def test_wrong_types_are_named():
    with pytest.raises(JobSpecError, match=r"properties\.nodeCount must be an integer, not \"2\""):
        parse_job(_props(nodeCount="2"))
    with pytest.raises(JobSpecError, match=r"properties\.outputDirectories\[0\]\.id is required"):
        parse_job(_props(outputDirectories=[{"pathPrefix": "x"}]))
    with pytest.raises(JobSpecError, match="exactly one of"):
        parse_job({"properties": {"stdOutErrPathPrefix": "x"}})
    with pytest.raises(JobSpecError, match=r"properties\.processCount must be an integer, not null"):
        parse_job(_props(processCount=None))
    outputs = [{"id": "A", "pathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/a", "createNew": "yes"}]
    with pytest.raises(JobSpecError, match=r"outputDirectories\[0\]\.createNew must be true or false, not \"yes\""):
        parse_job(_props(outputDirectories=outputs))
    with pytest.raises(JobSpecError, match=r'properties\["a b"\] is not a known field'):
        parse_job(_props(**{"a b": 1}))


def test_malformed_json_names_the_file_and_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"properties": {\n  "nodeCount": 1,,\n}}')
    with pytest.raises(JobSpecError, match=r"bad\.json: not valid JSON \(line 2"):
        load_job(bad)


def test_process_count_defaults_to_node_count():
    assert parse_job(_props(nodeCount=3)).process_count == 3


def test_environment_and_container_settings():
    spec = parse_job(
        _props(
            environmentVariables=[{"name": "A", "value": "$AZ_BATCHAI_MOUNT_ROOT/x"}],
            containerSettings={"imageSourceRegistry": {"image": "img:1"}, "shmSize": "16g"},
        )
    )
    assert spec.environment == {"A": "$AZ_BATCHAI_MOUNT_ROOT/x"} and spec.image == "img:1"
    assert spec.shm_size == "16g"


def test_expand_leaves_unknown_variables():
    assert expand("$A/${B}/$C", {"A": "1", "B": "2"}) == "1/2/$C"


def test_template_files_are_valid_json_objects():
    for name in ("training_job.json", "evaluation_job.json"):
        assert isinstance(json.loads((REPO / "jobs" / name).read_text()), dict)


def test_extra_args_carry_the_model_zoo_options_to_the_training_command():
    from runner.jobspec import check_extra_args

    assert check_extra_args("--model segformer --encoder mit_b0 --weights /data/mit_b0.pth") == [
        "--model",
        "segformer",
        "--encoder",
        "mit_b0",
        "--weights",
        "/data/mit_b0.pth",
    ]


TOOLS = {
    "cntkSettings": {"languageType": "Python", "pythonScriptFilePath": "train.py", "commandLineArgs": "--epochs 1"},
    "customToolkitSettings": {"commandLine": "landcover --help"},
    "customMpiSettings": {"commandLine": "landcover train --model-dir $AZ_BATCHAI_MOUNT_ROOT/m"},
    "pyTorchSettings": {"pythonScriptFilePath": "train.py", "communicationBackend": "gloo"},
}
COUNTS = {"cntkSettings": "numberOfProcesses", "customMpiSettings": "processCount", "pyTorchSettings": "processCount"}
KNOWN_NAMES = {"$schema", "properties", "type", "createNew", "credentials"} | {
    name
    for settings in TOOLS.values()
    for name in (*settings, "processCount", "numberOfProcesses", "commandLine", "commandLineArgs")
}
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=4), inner, max_size=2),
    max_leaves=4,
)


@st.composite
def templates(draw: st.DrawFn) -> dict[str, Any]:
    """A valid template: any tool, node and process counts that divide, outputs, variables, a container."""
    tool = draw(st.sampled_from(sorted(TOOLS)))
    nodes = draw(st.integers(1, 4))
    props: dict[str, Any] = {"stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs", tool: dict(TOOLS[tool])}
    if draw(st.booleans()):
        props["nodeCount"] = nodes
    if tool in COUNTS and draw(st.booleans()):
        props[tool][COUNTS[tool]] = nodes * draw(st.integers(1, 3)) if "nodeCount" in props else draw(st.integers(1, 8))
    ids: list[str] = draw(st.lists(st.sampled_from(["MODEL", "IMAGES", "LOGS"]), unique=True, max_size=2))
    if draw(st.booleans()) or ids:
        props["outputDirectories"] = [
            {"id": i, "pathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/out", "pathSuffix": i.lower(), "createNew": True}
            for i in ids
        ]
    names = draw(st.lists(st.sampled_from(["DATA", "MODE"]), unique=True, max_size=2))
    if names:
        props["environmentVariables"] = [{"name": n, "value": "$AZ_BATCHAI_MOUNT_ROOT/data"} for n in names]
    if draw(st.booleans()):
        registry = {"image": "img:1", "serverUrl": "r.io", "credentials": {"username": "u"}}
        props["containerSettings"] = {"imageSourceRegistry": registry, "shmSize": "8g"}
    data: dict[str, Any] = {"properties": props}
    if draw(st.booleans()):
        data["$schema"] = "https://example.org/job.json"
    return data


def _locations(value: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [loc]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, item in items:
        found += _locations(item, (*loc, key))
    return found


def _path(loc: tuple[Any, ...]) -> str:
    """A location as the messages write it: ``job.properties``, ``properties.outputDirectories[0].id``."""
    if not loc:
        return "job"
    text = str(loc[0]) if len(loc) > 1 else f"job.{loc[0]}"
    return text + "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in loc[1:])


def _kind(value: Any) -> str:
    return "int" if isinstance(value, int) and not isinstance(value, bool) else type(value).__name__


@settings(max_examples=400, deadline=None, derandomize=True)
@given(template=templates(), data=st.data())
def test_a_mutated_template_parses_or_names_the_field(template, data):
    """One field deleted, given a wrong type, or an unknown key added at any depth: the error names that field."""
    assert parse_job(template).command  # the unmutated template is valid
    loc = data.draw(st.sampled_from(_locations(template)), label="where")
    change = data.draw(st.sampled_from(["delete", "type", "unknown"] if loc else ["type", "unknown"]), label="change")
    parent = template
    for key in loc[:-1]:
        parent = parent[key]
    target = parent[loc[-1]] if loc else template
    free = "credentials" in loc[:-1] or (change == "unknown" and loc and loc[-1] == "credentials")
    if change == "delete":
        del parent[loc[-1]]
        named = loc
    elif change == "type":
        value = data.draw(JSON_VALUES.filter(lambda v: _kind(v) != _kind(target)), label="value")
        if loc:
            parent[loc[-1]] = value
        else:
            template = value
        named = loc
    else:
        if not isinstance(target, dict):
            return
        key = data.draw(st.from_regex(r"[a-z][A-Za-z]{0,8}", fullmatch=True).filter(lambda k: k not in KNOWN_NAMES))
        target[key] = data.draw(JSON_VALUES, label="value")
        named = (*loc, key)
    try:
        parse_job(template)
    except JobSpecError as exc:
        assert "\n" not in exc.line and not free, exc.line
        if change != "delete":
            assert _path(named) in exc.message, (exc.message, _path(named))
        else:  # a required field missing, or what its absence leaves wrong: named with the object that held it
            held = {_path(named[:size]) for size in range(1, len(named) + 1)} | {named[0]}
            assert any(path in exc.message for path in held), exc.message
    else:
        assert change == "delete" or free, f"{change} at {_path(named)} was accepted"
