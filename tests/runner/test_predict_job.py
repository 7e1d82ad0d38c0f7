"""jobs/predict_job.json: parsed by the jobspec, run by `runner local submit` (process backend), sent to Azure ML."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runner.backends.azureml import client as azureml
from runner.cli import app
from runner.jobspec import load_job
from tests.runner.conftest import predict_root
from tests.runner.test_cloud import isolated  # noqa: F401 - the same isolation from the caller's cloud settings

REPO = Path(__file__).resolve().parents[2]
JOB = REPO / "jobs" / "predict_job.json"
IMAGE = "myacr.azurecr.io/landcover-runner/trainer-gpu:latest"


def test_template_parses():
    spec = load_job(JOB)
    assert (spec.node_count, spec.process_count) == (1, 2)
    assert spec.command.startswith("landcover predict --scenes $AZ_BATCHAI_MOUNT_ROOT/blobfuse/")
    assert spec.image == "landcover-runner/trainer-gpu:latest"


def _runner(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner", *args], capture_output=True, text=True, cwd=REPO)


MAP_FILES = (".tif", ".tif.aux.xml", ".qml", "_confidence.tif")
"""A scene's map, its class names and style, and its confidence."""


@pytest.mark.slow
def test_process_backend_maps_the_scenes_and_resumes(tmp_path):
    """A small mount root (two scenes and a model, as `runner local setup` + training would leave it)."""
    root = tmp_path / "root"
    blob = predict_root(root)
    first = _runner("local", "submit", str(JOB), "--root", str(root), "--name", "predict1", "--wait")
    assert first.returncode == 0, first.stdout + first.stderr
    maps = blob / "maps"
    assert {p.name for p in maps.iterdir() if not p.name.startswith(".")} == {
        *(f"{scene}_NAIP_landcover{suffix}" for scene in ("E1", "E2") for suffix in MAP_FILES),
        "mosaic.vrt",
        "mosaic.qml",
        "overview.png",
        "summary.json",
    }
    summary = json.loads((maps / "summary.json").read_text())
    assert (summary["done"], summary["ranks"]) == (2, 2)
    logs = _runner("logs", "predict1", "--root", str(root)).stdout
    assert "mapping scenes: 100.0%" in logs and "km²/s" in logs and "\x1b[" not in logs
    # Submitting the same template again resumes in the same folder: nothing left to do.
    again = _runner("local", "submit", str(JOB), "--root", str(root), "--name", "predict2", "--wait")
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads((maps / "summary.json").read_text())["skipped"] == 2


def test_translates_to_a_valid_azure_ml_job(tmp_path, monkeypatch):
    from azure.ai.ml import load_job as load_azure_job

    monkeypatch.setattr(azureml, "ml_client", lambda *a: pytest.fail("a dry run must not reach Azure"))
    result = CliRunner().invoke(
        app, ["cloud", "submit", str(JOB), "--name", "map1", "--image", IMAGE, "--compute", "gpu-cluster", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    (tmp_path / "job.yml").write_text(result.stdout)
    job = load_azure_job(tmp_path / "job.yml")
    assert job.environment.image == IMAGE
    assert job.resources.instance_count == 1 and job.distribution.process_count_per_instance == 2
    assert job.command.startswith("landcover predict --scenes ${{inputs.evaluation_data}}")
    assert "--model-filename ${{inputs.models}}/trained.pt --output-dir ${{outputs.maps}}" in job.command
    assert {name: value.mode for name, value in job.inputs.items()} == {
        "evaluation_data": "ro_mount",
        "models": "ro_mount",
    }
    # A fixed datastore folder, so that submitting the job again resumes where a stopped one left off.
    assert job.outputs["maps"].mode == "rw_mount"
    assert job.outputs["maps"].path == "azureml://datastores/workspaceblobstore/paths/maps"
