"""Job records: typed (JobState, details per backend), versioned, and records of runner 0.1.0 still load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from runner.details import AzureMLDetails, ContainerSpec, DockerDetails, ProcessDetails
from runner.store import FORMAT_VERSION, JobRecord, JobState, RecordError, load_record, save_record, update_record

RECORDS = Path(__file__).resolve().parents[1] / "data" / "runner" / "records"


def _v1(tmp_path: Path, backend: str) -> Path:
    """A job folder holding the record runner 0.1.0 wrote for a job on ``backend``."""
    directory = tmp_path / backend
    directory.mkdir()
    shutil.copy(RECORDS / f"v1-{backend}.json", directory / "record.json")
    return directory


def test_v1_records_load_through_the_upgrade_step(tmp_path):
    process = load_record(_v1(tmp_path, "process"))
    assert process.format_version == FORMAT_VERSION and process.state is JobState.SUCCEEDED
    assert isinstance(process.details, ProcessDetails) and process.pid == 4242 and process.exit_code == 0
    assert process.command[:3] == ["mpirun", "-np", "2"]

    docker = load_record(_v1(tmp_path, "docker"))
    assert docker.state is JobState.FAILED and docker.cancelled and docker.ended
    assert isinstance(docker.details, DockerDetails)
    container = docker.details.container
    assert isinstance(container, ContainerSpec) and container.image == "landcover-runner/trainer-gpu:latest"
    assert container.mounts[0] == ("/home/user/.runner/mounts", "/mnt/batch/tasks/shared/LS_root/mounts", "rw")

    azure = load_record(_v1(tmp_path, "azureml"))
    assert azure.state is JobState.RUNNING and not azure.ended
    assert isinstance(azure.details, AzureMLDetails)
    assert azure.details.workspace == "ws-1" and azure.details.azure_name == "evaluate-1"
    assert azure.details.studio_url == "https://ml.azure.com/runs/evaluate-1"


def test_an_upgraded_record_is_written_back_in_the_current_format(tmp_path):
    directory = _v1(tmp_path, "docker")
    before = json.loads((directory / "record.json").read_text())
    assert "format_version" not in before
    with update_record(directory) as record:
        record.state = JobState.FAILED
    after = json.loads((directory / "record.json").read_text())
    assert after["format_version"] == FORMAT_VERSION and after["details"]["backend"] == "docker"
    assert after["details"]["container"] == before["details"]["container"]  # the same container, typed
    assert load_record(directory) == record


def test_states_are_an_enum_and_assignments_are_checked(tmp_path):
    record = JobRecord(name="j", backend="process", state="queued", command=["true"], stdout="", stderr="")
    assert record.state is JobState.QUEUED and record.state == "queued" and not record.ended
    record.state = "succeeded"  # type: ignore[assignment]  # validated on assignment
    assert record.state is JobState.SUCCEEDED and record.ended
    with pytest.raises(ValueError, match="state"):
        record.state = "done"  # type: ignore[assignment]
    save_record(tmp_path, record)
    assert load_record(tmp_path) == record


def test_a_record_from_a_newer_runner_or_a_broken_one_is_one_line(tmp_path):
    newer = json.loads((RECORDS / "v1-process.json").read_text()) | {"format_version": FORMAT_VERSION + 1}
    (tmp_path / "record.json").write_text(json.dumps(newer))
    with pytest.raises(RecordError, match="newer than this runner") as error:
        load_record(tmp_path)
    assert "record.json" in str(error.value) and "\n" not in str(error.value)
    (tmp_path / "record.json").write_text("{")
    with pytest.raises(RecordError, match="not a readable job record"):
        load_record(tmp_path)


def test_list_and_show_read_the_jobs_of_runner_0_1_0(tmp_path):
    from typer.testing import CliRunner

    from runner.cli import app

    for backend, name in (("process", "train-1"), ("docker", "train-2")):
        (tmp_path / "jobs" / name).mkdir(parents=True)
        shutil.copy(RECORDS / f"v1-{backend}.json", tmp_path / "jobs" / name / "record.json")
    listed = CliRunner().invoke(app, ["list", "--root", str(tmp_path)])
    assert listed.exit_code == 0 and "train-1" in listed.stdout and "succeeded" in listed.stdout
    shown = CliRunner().invoke(app, ["show", "train-2", "--root", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    assert "failed" in shown.stdout and "output MODEL_DIR  /home/user/.runner/mounts/blobfuse/models" in shown.stdout
