"""The docker backend against the real Docker Engine and the built image (``docker`` marker).

They skip, with the reason, only where no engine answers or the image has not been built (``.ci/run``
starts the engine and builds the image first).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from runner.backends.base import BackendError
from runner.backends.docker import LABEL, docker_client, engine_has_gpus
from runner.images import IMAGE_NAME as DEFAULT_TAG
from runner.store import load_record
from tests.conftest import shared_path
from tests.helpers import REPO, assert_one_line_error, runner

pytestmark = [pytest.mark.docker, pytest.mark.slow]
SMOKE = ("--extra-args", "--epoch-size 4 --batch-size 2")


@pytest.fixture(scope="module")
def engine():
    try:
        client = docker_client()
    except BackendError as exc:
        pytest.skip(f"no Docker Engine: {exc.message}")
    try:
        client.images.get(DEFAULT_TAG)
    except Exception:
        pytest.skip(f"image {DEFAULT_TAG} not built (run `runner build`)")
    return client


@pytest.fixture(scope="module")
def root(engine, root: Path) -> Path:
    """The shared local root, set up only where an engine runs."""
    return root


def _containers(engine, name: str) -> list:
    return engine.containers.list(all=True, filters={"label": f"{LABEL}={name}"})


def _submit(root: Path, job: Path | str, name: str, *args: str):
    return runner("local", "submit", str(job), "--root", str(root), "--name", name, "--backend", "docker", *args)


def _until(predicate, timeout: float = 300) -> None:
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, "timed out"
        time.sleep(0.5)


def _job(tmp_path: Path, command: str) -> Path:
    path = tmp_path / "job.json"
    path.write_text(
        json.dumps(
            {
                "properties": {
                    "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs",
                    "customToolkitSettings": {"commandLine": command},
                    "containerSettings": {"imageSourceRegistry": {"image": DEFAULT_TAG}},
                }
            }
        )
    )
    return path


def test_smoke_training_then_evaluation_in_the_image(engine, root):
    secret = {**os.environ, "AZURE_CLIENT_SECRET": "do-not-store"}
    trained = runner(
        "local",
        "submit",
        str(REPO / "jobs/training_job.json"),
        "--root",
        str(root),
        "--name",
        "dtrain",
        "--backend",
        "docker",
        "--wait",
        *SMOKE,
        env=secret,
    )
    assert trained.returncode == 0, trained.stdout + trained.stderr
    assert "worker 1/2: loading" in trained.stdout and "worker 2/2: loading" in trained.stdout
    assert "no NVIDIA runtime" in trained.stderr or engine_has_gpus(engine)
    model = root / "mounts/blobfuse/models/trained.pt"
    assert model.is_file() and model.stat().st_uid == os.getuid()
    record = load_record(root / "jobs/dtrain")
    assert record.state == "succeeded" and record.exit_code == 0
    assert "AZURE_CLIENT_SECRET" not in (root / "jobs/dtrain/record.json").read_text()
    assert "PATH" not in record.environment and record.environment["AZ_BATCHAI_MOUNT_ROOT"].startswith("/mnt/batch")
    assert "epoch 1/1: loss" in runner("logs", "dtrain", "--root", str(root)).stdout
    assert _containers(engine, "dtrain") == []

    evaluated = _submit(root, REPO / "jobs/evaluation_job.json", "deval", "--wait")
    assert evaluated.returncode == 0, evaluated.stdout + evaluated.stderr
    files = runner("files", "deval", "--root", str(root), "--output", "IMAGES").stdout
    for name in ("pred_labels.tif", "metrics.json", "preview.png"):
        assert name in files
    assert _containers(engine, "deval") == []


def test_the_tutorials_job_files_run_unmodified_in_the_image(engine, root):
    training = shared_path("seed", "training_job.json")
    evaluation = shared_path("seed", "evaluation_job.json")
    image = ("--image", DEFAULT_TAG)  # the tutorial's templates name no image (Batch AI's CNTK toolkit did)
    trained = _submit(root, training, "tutorialtrain", "--wait", *image, *SMOKE)
    assert trained.returncode == 0, trained.stdout + trained.stderr
    evaluated = _submit(root, evaluation, "tutorialeval", "--wait", *image)
    assert evaluated.returncode == 0, evaluated.stdout + evaluated.stderr
    assert "pred_labels.tif" in runner("files", "tutorialeval", "--root", str(root)).stdout


def test_a_container_killed_mid_job_fails_with_its_exit_code_and_logs(engine, root, tmp_path):
    job = _job(tmp_path, "bash -c 'echo started; echo err-line >&2; sleep 120'")
    assert _submit(root, job, "killed").returncode == 0
    _until(lambda: "started" in runner("logs", "killed", "--root", str(root)).stdout)  # streamed while it runs
    engine.containers.get(load_record(root / "jobs/killed").container).kill()
    _until(lambda: load_record(root / "jobs/killed").ended)
    record = load_record(root / "jobs/killed")
    assert record.state == "failed" and record.exit_code == 137 and not record.cancelled
    assert "err-line" in Path(record.stderr).read_text()
    _until(lambda: _containers(engine, "killed") == [], timeout=30)


def test_cancel_a_running_container(engine, root, tmp_path):
    job = _job(tmp_path, "bash -c 'echo started; sleep 120'")
    assert _submit(root, job, "stopme").returncode == 0
    _until(lambda: "started" in runner("logs", "stopme", "--root", str(root)).stdout)
    assert runner("cancel", "stopme", "--root", str(root)).returncode == 0
    _until(lambda: load_record(root / "jobs/stopme").ended, timeout=60)
    record = load_record(root / "jobs/stopme")
    assert record.state == "failed" and record.cancelled and record.exit_code != 0
    _until(lambda: _containers(engine, "stopme") == [], timeout=30)


def test_cancel_a_queued_job_never_starts_it(engine, root, tmp_path):
    from runner.backends.docker import DockerBackend
    from runner.backends.local import SubmitOptions
    from runner.jobspec import load_job
    from runner.layout import LocalRoot
    from runner.store import JobRecord, save_record
    from runner.supervise import supervise

    local, backend = LocalRoot(root), DockerBackend()
    plan = backend.plan(load_job(_job(tmp_path, "true")), "queued1", local, SubmitOptions(gpus="0"))
    stdouterr = Path(plan.paths.stdouterr)
    stdouterr.mkdir(parents=True, exist_ok=True)
    record = JobRecord(
        name="queued1",
        backend="docker",
        state="queued",
        command=plan.command,
        stdout=str(stdouterr / "stdout.txt"),
        stderr=str(stdouterr / "stderr.txt"),
        details=plan.details,
    )
    save_record(local.job_dir("queued1"), record)  # what submit writes before its supervisor starts
    assert runner("cancel", "queued1", "--root", str(root)).returncode == 0
    assert supervise(local.job_dir("queued1")) == 130
    record = load_record(local.job_dir("queued1"))
    assert record.state == "failed" and record.cancelled and record.container is None
    assert _containers(engine, "queued1") == []


def test_launch_failures_are_one_line_with_their_fix(engine, root, tmp_path):
    job = _job(tmp_path, "true")
    missing = _submit(root, job, "noimage", "--image", "landcover-runner/missing:0", "--wait")
    assert_one_line_error(missing, "landcover-runner/missing:0 is not in the local Docker engine", "runner build")
    assert_one_line_error(_submit(root, job, "badgpus", "--gpus", "many"), "--gpus 'many'")
    if not engine_has_gpus(engine):
        assert_one_line_error(_submit(root, job, "nogpu", "--gpus", "all", "--wait"), "NVIDIA Container Toolkit")
    assert not (root / "jobs/noimage").exists() and _containers(engine, "noimage") == []


def test_dry_run_prints_the_docker_run_the_backend_performs(engine, root):
    result = _submit(root, REPO / "jobs/training_job.json", "dry", "--dry-run", "--gpus", "0")
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith("docker run --name landcover-dry --network host") and "\n" not in line
    assert f"--user {os.getuid()}:{os.getgid()}" in line and "--gpus" not in line and "--ulimit" not in line
    assert "--env AZ_BATCHAI_MOUNT_ROOT=/mnt/batch/tasks/shared/LS_root/mounts" in line and "PATH=" not in line
    assert f"{DEFAULT_TAG} mpirun -np 2" in line
    assert not (root / "jobs/dry").exists()


def test_the_debian_base_is_made_from_debians_packages(engine):
    import shutil
    import subprocess

    from runner.images.base import make_base

    if shutil.which("debootstrap") is None or os.geteuid() != 0:
        pytest.skip("making the base needs root and debootstrap (apt-get install debootstrap)")
    tag = "landcover-runner/test-base:bookworm"
    make_base("debian:bookworm-slim", tag=tag)
    try:
        release = subprocess.run(
            ["docker", "run", "--rm", "--network", "host", tag, "cat", "/etc/debian_version"],
            capture_output=True,
            text=True,
        )
        assert release.returncode == 0 and release.stdout.startswith("12."), release.stderr
    finally:
        engine.images.remove(tag, force=True)
