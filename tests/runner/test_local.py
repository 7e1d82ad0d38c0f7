"""The process backend end to end (real mpirun), and the local runner's bad input."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.conftest import SHARED
from tests.helpers import REPO, assert_one_line_error, runner


def _job_files() -> tuple[Path, Path]:
    tutorial = SHARED / "seed"
    if (tutorial / "training_job.json").is_file():
        return tutorial / "training_job.json", tutorial / "evaluation_job.json"
    return REPO / "jobs" / "training_job.json", REPO / "jobs" / "evaluation_job.json"


@pytest.mark.slow
def test_training_then_evaluation_jobs(root):
    training, evaluation = _job_files()
    trained = runner(
        "local",
        "submit",
        str(training),
        "--root",
        str(root),
        "--name",
        "train1",
        "--wait",
        "--extra-args",
        "--epoch-size 4 --batch-size 2",
    )
    assert trained.returncode == 0, trained.stdout + trained.stderr
    assert "worker 1/2: loading" in trained.stdout and "worker 2/2: loading" in trained.stdout
    show = runner("show", "train1", "--root", str(root))
    assert "succeeded" in show.stdout
    logs = runner("logs", "train1", "--root", str(root))
    assert "epoch 1/1: loss" in logs.stdout and "\x1b[" not in logs.stdout
    assert (root / "mounts/afs/local/experiments/default/jobs/train1/stdouterr/stdout.txt").is_file()

    evaluated = runner("local", "submit", str(evaluation), "--root", str(root), "--name", "eval1", "--wait")
    assert evaluated.returncode == 0, evaluated.stdout + evaluated.stderr
    files = runner("files", "eval1", "--root", str(root), "--output", "IMAGES")
    for name in ("pred_labels.tif", "NAIP.tif", "true_labels.tif", "preview.png", "metrics.json"):
        assert name in files.stdout
    listed = runner("list", "--root", str(root))
    assert "train1" in listed.stdout and "eval1" in listed.stdout


def _write_job(path: Path, command: str) -> Path:
    path.write_text(
        json.dumps(
            {
                "properties": {
                    "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs",
                    "customToolkitSettings": {"commandLine": command},
                }
            }
        )
    )
    return path


def test_failing_command_keeps_state_exit_code_and_logs(root, tmp_path):
    job = _write_job(tmp_path / "fail.json", "bash -c 'echo partial output; echo oops >&2; exit 7'")
    result = runner("local", "submit", str(job), "--root", str(root), "--name", "fails", "--wait")
    assert result.returncode == 7
    show = runner("show", "fails", "--root", str(root)).stdout
    assert "failed" in show and " 7" in show
    assert "partial output" in runner("logs", "fails", "--root", str(root)).stdout
    assert "oops" in runner("logs", "fails", "--stderr", "--root", str(root)).stdout


def test_detached_job_can_be_cancelled(root, tmp_path):
    job = _write_job(tmp_path / "sleep.json", "sleep 60")
    assert runner("local", "submit", str(job), "--root", str(root), "--name", "sleeper").returncode == 0
    deadline = time.time() + 20
    while "running" not in runner("show", "sleeper", "--root", str(root)).stdout and time.time() < deadline:
        time.sleep(0.3)
    assert runner("cancel", "sleeper", "--root", str(root)).returncode == 0
    while "failed" not in runner("show", "sleeper", "--root", str(root)).stdout and time.time() < deadline + 20:
        time.sleep(0.3)
    assert "cancelled" in runner("show", "sleeper", "--root", str(root)).stdout


def test_dry_run_prints_the_command_and_runs_nothing(root):
    training, _ = _job_files()
    result = runner("local", "submit", str(training), "--root", str(root), "--name", "dry", "--dry-run")
    assert result.returncode == 0
    assert "mpirun -np 2" in result.stdout and "AZ_BATCHAI_MOUNT_ROOT=" in result.stdout
    assert not (root / "jobs" / "dry").exists()
    options = ("--name", "dry2", "--backend", "docker", "--gpus", "0", "--dry-run")
    docker = runner("local", "submit", str(REPO / "jobs" / "training_job.json"), "--root", str(root), *options)
    assert docker.returncode == 0, docker.stderr
    assert docker.stdout.startswith("docker run") and "--network host" in docker.stdout
    assert "--volume" in docker.stdout and "/mnt/batch/tasks/shared/LS_root/mounts" in docker.stdout


def test_bad_input(root, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert_one_line_error(runner("local", "submit", str(bad), "--root", str(root)), "bad.json: not valid JSON")
    unknown = tmp_path / "unknown.json"
    unknown.write_text(
        json.dumps(
            {
                "properties": {
                    "stdOutErrPathPrefix": "x",
                    "nodeCont": 1,
                    "customToolkitSettings": {"commandLine": "true"},
                }
            }
        )
    )
    assert_one_line_error(runner("local", "submit", str(unknown), "--root", str(root)), "properties.nodeCont")
    ok = _write_job(tmp_path / "ok.json", "true")
    for name in ("a/b", "..", "../x"):
        assert_one_line_error(runner("local", "submit", str(ok), "--root", str(root), "--name", name), "job name")
    no_image = runner("local", "submit", str(ok), "--root", str(root), "--backend", "docker", "--name", "d1")
    assert_one_line_error(no_image, "no image for the docker backend")
    assert runner("local", "submit", str(ok), "--root", str(root), "--name", "twice", "--wait").returncode == 0
    assert_one_line_error(runner("local", "submit", str(ok), "--root", str(root), "--name", "twice"), "already exists")
    assert_one_line_error(runner("show", "nope", "--root", str(root)), "no job named 'nope'")


def test_docker_backend_without_an_engine(root):
    no_engine = {**os.environ, "DOCKER_HOST": "unix:///nonexistent.sock"}
    job = str(REPO / "jobs" / "training_job.json")
    result = runner("local", "submit", job, "--root", str(root), "--name", "dk", "--backend", "docker", env=no_engine)
    assert_one_line_error(result, "cannot reach a Docker engine", "--backend process")
    assert_one_line_error(runner("build", env=no_engine), "cannot reach a Docker engine")
