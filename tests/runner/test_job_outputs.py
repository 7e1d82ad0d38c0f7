"""What a job wrote: `runner files` lists output directories and model folders; `runner show` keeps paths whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runner.backends.docker import DockerBackend
from runner.job_outputs import OutputFolder, job_files, output_folders, sized
from runner.store import JobRecord, now
from tests.helpers import assert_one_line_error

REPO = Path(__file__).resolve().parents[2]


def runner(*args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-m", "runner", *args], capture_output=True, text=True, timeout=120, cwd=REPO, env=env
    )


def record(command: list[str], backend: str = "process", **details: object) -> JobRecord:
    return JobRecord(
        name="j", backend=backend, state="succeeded", command=command, stdout="", stderr="", details=dict(details)
    )


def container(mounts: list[tuple[str, str, str]]) -> dict[str, object]:
    return {"image": "i", "command": [], "environment": {}, "mounts": mounts, "name": "n", "user": "1000:1000"}


def test_model_dir_is_an_output_and_the_last_value_wins():
    job = record(["mpirun", "-np", "2", "landcover", "train", "--model-dir", "/m/all", "--model-dir=/m/run1"])
    job.outputs = {"IMAGES": "/o/images"}
    assert output_folders(job) == [
        OutputFolder("IMAGES", "/o/images", shared=False),
        OutputFolder("MODEL_DIR", "/m/run1", shared=True),
    ]


def test_output_dir_that_is_an_output_directory_is_listed_once():
    job = record(["landcover", "evaluate", "--output-dir", "/o/images"])
    job.outputs = {"IMAGES": "/o/images"}
    assert [folder.key for folder in output_folders(job)] == ["IMAGES"]


def test_docker_paths_are_mapped_to_this_machine():
    mount = "/mnt/batch/tasks/shared/LS_root/mounts"
    models, outputs = f"{mount}/blobfuse/models", f"{mount}/blobfuse/scripts/o"
    job = record(
        ["landcover", "train", "--model_dir", models, "--output-dir", outputs],
        "docker",
        container=container([("/h", mount, "rw"), ("/s", f"{mount}/blobfuse/scripts", "ro")]),  # as ContainerSpec
    )
    assert DockerBackend().output_folders(job) == [
        OutputFolder("MODEL_DIR", "/h/blobfuse/models", shared=True),
        OutputFolder("OUTPUT_DIR", "/s/o", shared=True),
    ]


def test_shared_folder_lists_only_files_written_since_the_job_started(tmp_path):
    old = tmp_path / "250epochs.pt"
    old.write_text("old")
    long_ago = time.time() - 3600
    os.utime(old, (long_ago, long_ago))
    started = now()
    (tmp_path / "trained.pt").write_text("new")
    files, others = job_files(OutputFolder("MODEL_DIR", str(tmp_path), shared=True), started)
    assert [p.name for p in files] == ["trained.pt"] and others == 1
    files, others = job_files(OutputFolder("IMAGES", str(tmp_path), shared=False), started)
    assert len(files) == 2 and others == 0


@pytest.fixture(scope="module")
def finished_job(tmp_path_factory) -> tuple[Path, str]:
    """A finished local job that writes a model into --model-dir (no MPI, so it is quick)."""
    root = tmp_path_factory.mktemp("files-root")
    (root / "mounts" / "afs").mkdir(parents=True)
    job = root / "writes_model.json"
    script = 'mkdir -p "$1" && echo weights > "$1/trained.pt"'
    command = f"sh -c '{script}' --model-dir $AZ_BATCHAI_MOUNT_ROOT/blobfuse/models/a-rather-long-folder-name-for-a-run"
    properties = {
        "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs",
        "customToolkitSettings": {"commandLine": command},
    }
    job.write_text(json.dumps({"properties": properties}))
    result = runner("local", "submit", str(job), "--root", str(root), "--name", "train-a", "--wait")
    assert result.returncode == 0, result.stdout + result.stderr
    return root, str(root / "mounts/blobfuse/models/a-rather-long-folder-name-for-a-run")


def test_files_lists_the_model_of_a_training_job(finished_job):
    root, model_dir = finished_job
    listed = runner("files", "train-a", "--root", str(root), columns=40)
    assert f"MODEL_DIR {model_dir}" in listed.stdout
    assert "trained.pt  8 bytes" in listed.stdout
    only = runner("files", "train-a", "--root", str(root), "--output", "MODEL_DIR")
    assert "trained.pt" in only.stdout


def test_show_never_truncates_paths(finished_job):
    root, model_dir = finished_job
    shown = runner("show", "train-a", "--root", str(root), columns=40).stdout
    assert "…" not in shown
    assert model_dir in shown.replace("\n", "") and f"output MODEL_DIR  {model_dir}" in shown


def test_missing_job_file_says_it_is_missing(tmp_path):
    result = runner("local", "submit", str(tmp_path / "nope.json"), "--root", str(tmp_path))
    assert_one_line_error(result, "nope.json: no such job file", "runner local setup")


def test_files_gone_since_listing_and_broken_links_have_no_size(tmp_path):
    (tmp_path / "kept.tif").write_bytes(b"abc")
    (tmp_path / "gone.tif").write_bytes(b"x")
    (tmp_path / "broken.tif").symlink_to(tmp_path / "nowhere.tif")
    listed, _ = job_files(OutputFolder("IMAGES", str(tmp_path), shared=False), None)
    assert [path.name for path in listed] == ["broken.tif", "gone.tif", "kept.tif"]
    (tmp_path / "gone.tif").unlink()  # removed between listing and reading
    assert sized(listed, str(tmp_path)) == [("broken.tif", None), ("gone.tif", None), ("kept.tif", 3)]
