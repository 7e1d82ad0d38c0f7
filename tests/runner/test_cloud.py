"""Azure ML: the jobs we would send, validated by the SDK's own schema, and the verbs against a stand-in."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from runner.backends.azureml import client as azure_client
from runner.backends.azureml import translate as azureml
from runner.cli import app
from runner.commands.build import pushed_name
from runner.jobspec import JobSpecError, load_job, parse_job
from tests.conftest import SHARED

REPO = Path(__file__).resolve().parents[2]
IMAGE = "myacr.azurecr.io/landcover-runner/trainer-gpu:latest"
JOB_FILES = {
    "ours-training": REPO / "jobs" / "training_job.json",
    "ours-evaluation": REPO / "jobs" / "evaluation_job.json",
    "tutorial-training": SHARED / "seed" / "training_job.json",
    "tutorial-evaluation": SHARED / "seed" / "evaluation_job.json",
}


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("RUNNER_CLOUD_CONFIG", str(tmp_path / "cloud.json"))
    monkeypatch.setenv("RUNNER_HOME", str(tmp_path / "home"))
    for name in ("AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP", "AZUREML_WORKSPACE", "AZUREML_COMPUTE"):
        monkeypatch.delenv(name, raising=False)


def _dry_run_yaml(path: Path, tmp_path: Path) -> Path:
    result = CliRunner().invoke(
        app, ["cloud", "submit", str(path), "--name", "job1", "--image", IMAGE, "--compute", "gpu-cluster", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "job.yml"
    out.write_text(result.stdout)
    return out


@pytest.mark.parametrize("key", list(JOB_FILES))
def test_translated_job_loads_back_through_the_sdk(key, tmp_path, monkeypatch):
    from azure.ai.ml import load_job as load_azure_job

    path = JOB_FILES[key]
    if not path.exists():
        pytest.skip(f"{path} not present")
    monkeypatch.setattr(azure_client, "ml_client", lambda *a: pytest.fail("a dry run must not reach Azure"))
    job = load_azure_job(_dry_run_yaml(path, tmp_path))
    spec = load_job(path)
    assert job.environment.image == IMAGE
    assert job.resources.instance_count == spec.node_count
    assert job.distribution.process_count_per_instance == spec.process_count // spec.node_count
    assert job.compute in ("gpu-cluster", "azureml:gpu-cluster")
    assert "AZ_BATCHAI" not in job.command
    for name, value in job.inputs.items():
        assert value.mode == "ro_mount" and value.path.startswith("azureml://datastores/workspaceblobstore/paths/")
        assert f"${{{{inputs.{name}}}}}" in job.command
    for name, value in job.outputs.items():
        assert value.mode == "rw_mount" and f"${{{{outputs.{name}}}}}" in job.command
    if "training" in key:
        assert set(job.inputs) >= {"training_data"} and set(job.outputs) == {"models"}
    else:
        assert "images" in job.outputs and job.outputs["images"].path.endswith("/evaluation_output/job1/images")
        assert {"evaluation_data", "models"} <= set(job.inputs)


def _spec(command: str, nodes: int = 1, processes: int = 1):
    return parse_job(
        {
            "properties": {
                "nodeCount": nodes,
                "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs",
                "customMpiSettings": {"commandLine": command, "processCount": processes},
            }
        }
    )


def test_uneven_process_counts_are_refused():
    with pytest.raises(JobSpecError, match="processCount 3 does not divide over nodeCount 2"):
        azureml.build_job(_spec("landcover --help", 2, 3), name="j", image="i", compute="c", datastore="d")


def test_paths_outside_blobfuse_name_the_field():
    with pytest.raises(JobSpecError, match=r"properties\.customMpiSettings: \$AZ_BATCHAI_MOUNT_ROOT/afs/x"):
        azureml.translate_command(_spec("landcover train --input-dir $AZ_BATCHAI_MOUNT_ROOT/afs/x"), "j", "ds")


def test_command_rewriting_keeps_file_names_and_quotes():
    translated = azureml.translate_command(
        _spec(
            "landcover evaluate --input-filename ${AZ_BATCHAI_MOUNT_ROOT}/blobfuse/evaluation_data/C14_NAIP.tif "
            "--model-filename $AZ_BATCHAI_MOUNT_ROOT/blobfuse/models/trained.pt --note 'two words'"
        ),
        "j",
        "ds",
    )
    assert translated.command == (
        "landcover evaluate --input-filename ${{inputs.evaluation_data}}/C14_NAIP.tif "
        "--model-filename ${{inputs.models}}/trained.pt --note 'two words'"
    )


def test_states_map_onto_execution_state_words():
    assert [azureml.execution_state(s) for s in ("Queued", "Running", "Completed", "Failed", "Canceled")] == [
        "queued",
        "running",
        "succeeded",
        "failed",
        "failed",
    ]


class FakeJobs:
    def __init__(self):
        self.calls: list[tuple] = []
        self.status = "Running"
        self.fail_with: Exception | None = None

    def _record(self, *call):
        self.calls.append(call)
        if self.fail_with:
            raise self.fail_with

    def create_or_update(self, job):
        self._record("create_or_update", job.name)
        self.submitted = job
        return SimpleNamespace(name=job.name, studio_url="https://ml.azure.com/runs/job1")

    def get(self, name):
        self._record("get", name)
        return SimpleNamespace(status=self.status, outputs={"images": SimpleNamespace(path="azureml://x/images")})

    def stream(self, name):
        self._record("stream", name)
        print("streamed log line")

    def begin_cancel(self, name):
        self._record("begin_cancel", name)

    def download(self, name, **kwargs):
        self._record("download", name, kwargs)


@pytest.fixture
def fake(monkeypatch):
    jobs = FakeJobs()
    made = []

    def client(subscription, group, workspace):
        made.append((subscription, group, workspace))
        return SimpleNamespace(jobs=jobs)

    monkeypatch.setattr(azure_client, "ml_client", client)
    jobs.made = made
    return jobs


CONFIG = ["--subscription", "sub-1", "--resource-group", "rg-1", "--workspace", "ws-1"]


def test_submit_and_the_job_verbs_call_the_sdk(fake, tmp_path):
    runner = CliRunner()
    submitted = runner.invoke(
        app,
        [
            "cloud",
            "submit",
            str(JOB_FILES["ours-evaluation"]),
            "--name",
            "job1",
            "--compute",
            "gpu-cluster",
            "--image",
            IMAGE,
            *CONFIG,
        ],
    )
    assert submitted.exit_code == 0, submitted.output
    assert fake.made == [("sub-1", "rg-1", "ws-1")] and fake.calls == [("create_or_update", "job1")]
    assert fake.submitted.distribution.process_count_per_instance == 1

    show = runner.invoke(app, ["show", "job1"])
    assert "running" in show.stdout and ("get", "job1") in fake.calls
    fake.status = "Completed"
    assert "succeeded" in runner.invoke(app, ["show", "job1"]).stdout
    assert "succeeded" in runner.invoke(app, ["list"]).stdout
    assert "streamed log line" in runner.invoke(app, ["logs", "job1", "--follow"]).stdout
    assert "azureml://x/images" in runner.invoke(app, ["files", "job1", "--output", "IMAGES"]).stdout
    fake.status = "Running"
    runner.invoke(app, ["cancel", "job1"])
    assert ("begin_cancel", "job1") in fake.calls
    runner.invoke(app, ["cloud", "download", "job1", "--output", "images", "--to", str(tmp_path)])
    assert fake.calls[-1] == ("download", "job1", {"download_path": str(tmp_path / "job1"), "output_name": "images"})


def test_configure_writes_settings_without_secrets(tmp_path):
    result = CliRunner().invoke(app, ["cloud", "configure", *CONFIG, "--compute", "gpu", "--registry", "acr.io"])
    assert result.exit_code == 0, result.output
    stored = (tmp_path / "cloud.json").read_text()
    assert '"workspace": "ws-1"' in stored and "secret" not in stored.lower()
    dry = CliRunner().invoke(app, ["cloud", "submit", str(JOB_FILES["ours-training"]), "--dry-run"])
    assert dry.exit_code == 0 and "compute: azureml:gpu" in dry.stdout


def test_no_credentials_is_one_line_naming_az_login(fake):
    from azure.core.exceptions import ClientAuthenticationError

    fake.fail_with = ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token")
    result = CliRunner().invoke(
        app, ["cloud", "submit", str(JOB_FILES["ours-training"]), "--compute", "c", "--image", IMAGE, *CONFIG]
    )
    assert result.exit_code == 2
    assert "az login" in result.stderr and result.stderr.strip().count("\n") == 0


def test_unknown_workspace_or_compute_is_one_line(fake):
    from azure.core.exceptions import ResourceNotFoundError

    fake.fail_with = ResourceNotFoundError("Compute 'gpu-clustr' not found in workspace 'ws-1'")
    result = CliRunner().invoke(
        app, ["cloud", "submit", str(JOB_FILES["ours-training"]), "--compute", "gpu-clustr", "--image", IMAGE, *CONFIG]
    )
    assert result.exit_code == 2 and "gpu-clustr" in result.stderr


def test_missing_workspace_settings():
    result = CliRunner().invoke(
        app, ["cloud", "submit", str(JOB_FILES["ours-training"]), "--compute", "c", "--image", IMAGE]
    )
    assert result.exit_code == 2 and "runner cloud configure" in result.stderr


def test_pushed_image_name():
    assert pushed_name("acr.io/", "landcover-runner/trainer-gpu:latest") == "acr.io/landcover-runner/trainer-gpu:latest"
    assert pushed_name("acr.io", "img") == "acr.io/img:latest"


def test_upload_puts_every_file_under_the_datastore_path(fake, tmp_path, monkeypatch):
    import azure.identity
    import azure.storage.blob

    uploaded = []

    class FakeContainer:
        def __init__(self, url, container, credential):
            uploaded.append(("container", url, container))

        def upload_blob(self, name, data, overwrite):
            uploaded.append((name, data.read(), overwrite))

    monkeypatch.setattr(azure.storage.blob, "ContainerClient", FakeContainer)
    monkeypatch.setattr(azure.identity, "DefaultAzureCredential", lambda: "credential")
    store = SimpleNamespace(account_name="acct", endpoint="core.windows.net", container_name="blobs")

    class FakeDatastores:
        def get(self, name):
            uploaded.append(("datastore", name))
            return store

    monkeypatch.setattr(azure_client, "ml_client", lambda *a: SimpleNamespace(jobs=fake, datastores=FakeDatastores()))
    (tmp_path / "data" / "sub").mkdir(parents=True)
    (tmp_path / "data" / "a.tif").write_bytes(b"A")
    (tmp_path / "data" / "sub" / "b.tif").write_bytes(b"B")
    result = CliRunner().invoke(app, ["cloud", "upload", str(tmp_path / "data"), "--to", "training_data/", *CONFIG])
    assert result.exit_code == 0, result.output
    assert uploaded == [
        ("datastore", "workspaceblobstore"),
        ("container", "https://acct.blob.core.windows.net", "blobs"),
        ("training_data/a.tif", b"A", True),
        ("training_data/sub/b.tif", b"B", True),
    ]


def test_runner_stays_light_without_cloud_use():
    import subprocess
    import sys

    code = (
        "import sys, runner.cli; heavy = [m for m in sys.modules if m.split('.')[0] in ('torch', 'azure', 'docker')]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
