import json
from pathlib import Path

import pytest

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
