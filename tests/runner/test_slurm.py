"""The Slurm backend against a real two-node Slurm on 127.0.0.1 (scripts/slurm_cluster.sh; `.ci/run` starts it)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from tests.conftest import SHARED
from tests.data.fixtures import write_pair
from tests.helpers import REPO, runner
from tests.runner.conftest import predict_root

pytestmark = [pytest.mark.slurm, pytest.mark.slow]
SMOKE = "--epoch-size 4 --batch-size 2"


@pytest.fixture(scope="module")
def slurm(slurm_cluster: str) -> Iterator[str]:
    """SLURM_CONF set for this module (tests/services.py starts the cluster for the session and stops it after)."""
    previous = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = slurm_cluster
    yield slurm_cluster
    if previous is None:
        os.environ.pop("SLURM_CONF", None)
    else:
        os.environ["SLURM_CONF"] = previous


@pytest.fixture(scope="module")
def root(slurm, root: Path) -> Path:
    """The shared local root, set up only where the cluster runs."""
    return root


@pytest.fixture(autouse=True)
def no_site_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("RUNNER_SLURM_CONFIG", str(tmp_path / "slurm.json"))


def _job(path: Path, command: str, *, nodes: int = 1, processes: int | None = None) -> Path:
    tool = (
        {"customMpiSettings": {"commandLine": command, "processCount": processes}}
        if processes
        else {"customToolkitSettings": {"commandLine": command}}
    )
    path.write_text(
        json.dumps({"properties": {"nodeCount": nodes, "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs", **tool}})
    )
    return path


def _show(root: Path, name: str) -> dict[str, str]:
    result = runner("show", name, "--root", str(root))
    assert result.returncode == 0, result.stderr
    return dict(line.split(None, 1) for line in result.stdout.splitlines() if len(line.split(None, 1)) == 2)


def _until(root: Path, name: str, *states: str, timeout: float = 300) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        shown = _show(root, name)
        if shown["executionState"] in states or time.monotonic() > deadline:
            return shown
        time.sleep(1)


def _job_processes(job_id: str) -> list[int]:
    """Processes (on either node: they share this host) started for a Slurm job, by its SLURM_JOB_ID."""
    found = []
    marker = f"SLURM_JOB_ID={job_id}\0".encode()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker in (proc / "environ").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def _slurm_id(root: Path, name: str) -> str:
    return json.loads((root / "jobs" / name / "record.json").read_text())["details"]["slurm_job_id"]


def test_one_rank_on_each_node(root, tmp_path):
    job = _job(
        tmp_path / "where.json", "bash -c 'echo rank $OMPI_COMM_WORLD_RANK on $SLURMD_NODENAME'", nodes=2, processes=2
    )
    result = runner("slurm", "submit", str(job), "--root", str(root), "--name", "where", "--wait")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rank 0 on node1" in result.stdout and "rank 1 on node2" in result.stdout
    hostfile = root / "mounts/afs/local/experiments/default/jobs/where/stdouterr/hostfile"
    assert hostfile.read_text() == "node1 slots=1\nnode2 slots=1\n"


def _tutorial_jobs() -> tuple[Path, Path]:
    tutorial = SHARED / "seed"
    if (tutorial / "training_job.json").is_file():
        return tutorial / "training_job.json", tutorial / "evaluation_job.json"
    pytest.skip(f"{tutorial} not present (the tutorial's own job files)")


def test_tutorial_jobs_on_two_nodes_match_the_process_backend(root):
    """The tutorial's training job (nodeCount 2, 2 processes) bitwise as on the process backend; then evaluation."""
    training, evaluation = _tutorial_jobs()
    models = root / "mounts" / "blobfuse" / "models"
    local = runner(
        "local", "submit", str(training), "--root", str(root), "--name", "ptrain", "--wait", "--extra-args", SMOKE
    )
    assert local.returncode == 0, local.stdout + local.stderr
    expected = torch.load(models / "trained.pt", weights_only=True)["state_dict"]
    (models / "trained.pt").unlink()

    trained = runner(
        "slurm", "submit", str(training), "--root", str(root), "--name", "strain", "--wait", "--extra-args", SMOKE
    )
    assert trained.returncode == 0, trained.stdout + trained.stderr
    assert "worker 1/2: loading" in trained.stdout and "worker 2/2: loading" in trained.stdout
    weights = torch.load(models / "trained.pt", weights_only=True)["state_dict"]
    assert weights.keys() == expected.keys()
    assert all(torch.equal(weights[name], expected[name]) for name in expected)  # bitwise
    shown = _show(root, "strain")
    assert (shown["executionState"], shown["backend"], shown["exitCode"]) == ("succeeded", "slurm", "0")
    assert "worker 2/2" in runner("logs", "strain", "--root", str(root)).stdout
    assert "trained.pt" in runner("files", "strain", "--root", str(root)).stdout

    evaluated = runner("slurm", "submit", str(evaluation), "--root", str(root), "--name", "seval", "--wait")
    assert evaluated.returncode == 0, evaluated.stdout + evaluated.stderr
    files = runner("files", "seval", "--root", str(root), "--output", "IMAGES").stdout
    for name in ("pred_labels.tif", "NAIP.tif", "true_labels.tif", "preview.png", "metrics.json"):
        assert name in files


def test_predict_job_over_two_nodes(slurm, tmp_path):
    root = tmp_path / "root"
    blob = predict_root(root)
    job = REPO / "jobs" / "predict_job.json"
    result = runner("slurm", "submit", str(job), "--root", str(root), "--name", "spredict", "--nodes", "2", "--wait")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((blob / "maps" / "summary.json").read_text())
    assert (summary["done"], summary["ranks"]) == (2, 2)
    assert {p.name for p in (blob / "maps").glob("*_landcover.tif")} == {
        "E1_NAIP_landcover.tif",
        "E2_NAIP_landcover.tif",
    }


def test_cancel_a_running_and_a_pending_job(root, tmp_path):
    busy = _job(tmp_path / "busy.json", "sleep 600", nodes=2, processes=4)  # every CPU of both nodes
    assert runner("slurm", "submit", str(busy), "--root", str(root), "--name", "busy").returncode == 0
    assert _until(root, "busy", "running")["executionState"] == "running"
    waiting = _job(tmp_path / "waiting.json", "echo never")
    assert runner("slurm", "submit", str(waiting), "--root", str(root), "--name", "waiting").returncode == 0
    assert _show(root, "waiting")["executionState"] == "queued"

    assert runner("cancel", "waiting", "--root", str(root)).returncode == 0
    shown = _until(root, "waiting", "failed")
    assert (shown["executionState"], shown["cancelled"]) == ("failed", "yes")
    assert "started" not in shown

    busy_id = _slurm_id(root, "busy")
    deadline = time.monotonic() + 60
    while len(_job_processes(busy_id)) < 4 and time.monotonic() < deadline:  # the 4 ranks (2 per node) are up
        time.sleep(1)
    assert runner("cancel", "busy", "--root", str(root)).returncode == 0
    shown = _until(root, "busy", "failed")
    assert (shown["executionState"], shown["cancelled"]) == ("failed", "yes")
    deadline = time.monotonic() + 60
    while _job_processes(busy_id) and time.monotonic() < deadline:
        time.sleep(1)
    assert _job_processes(busy_id) == []


def test_a_lost_node_fails_the_job_with_the_reason(root, tmp_path, slurm):
    job = _job(tmp_path / "long.json", "sleep 600", nodes=2, processes=2)
    assert runner("slurm", "submit", str(job), "--root", str(root), "--name", "lost").returncode == 0
    assert _until(root, "lost", "running")["executionState"] == "running"
    pidfile = Path(slurm).parent / "slurmd-node2.pid"
    os.kill(int(pidfile.read_text()), 9)
    try:
        shown = _until(root, "lost", "failed", timeout=120)
        assert shown["executionState"] == "failed"
        assert shown["error"].startswith("Slurm ended the job: NODE_FAIL"), shown
        assert "node2" in shown["error"] and "\n" not in shown["error"]
    finally:
        subprocess.run(["slurmd", "-N", "node2"], check=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            states = subprocess.run(["sinfo", "-h", "-N", "-o", "%N %T"], capture_output=True, text=True).stdout
            if "node2 idle" in states:
                break
            time.sleep(1)


PREEMPTABLE = (
    "landcover train --input-dir $AZ_BATCHAI_MOUNT_ROOT/blobfuse/pairs --model-dir $AZ_BATCHAI_MOUNT_ROOT/blobfuse/{} "
    "--epoch-size 32 --batch-size 2 --threads 1 --epochs 2"
)
"""Two epochs of eight steps of 2 x 2 crops, on two ranks: the requeue lands inside the first epoch on any machine
short of several times faster than a 2-core EPYC."""


def test_sigterm_and_requeue_resume_exactly(slurm, tmp_path):
    """Preemption as Slurm does it (``scontrol requeue``: SIGTERM to every process, then the job runs again)."""
    pytest.importorskip("landcover.train.preempt", reason="landcover train does not checkpoint on SIGTERM here")
    root = tmp_path / "root"
    blob = root / "mounts" / "blobfuse"
    (root / "mounts" / "afs").mkdir(parents=True)
    for index in range(3):
        write_pair(blob / "pairs", f"tile{index}", size=(160, 160), seed=index, origin=(700_000.0 + 200 * index, 4.1e6))
    straight = _job(tmp_path / "straight.json", PREEMPTABLE.format("straight"), nodes=2, processes=2)
    result = runner("local", "submit", str(straight), "--root", str(root), "--name", "straight", "--wait")
    assert result.returncode == 0, result.stdout + result.stderr

    job = _job(tmp_path / "preempted.json", PREEMPTABLE.format("preempted"), nodes=2, processes=2)
    submitted = runner("slurm", "submit", str(job), "--root", str(root), "--name", "preempted", "--requeue")
    assert submitted.returncode == 0, submitted.stderr
    stdout = root / "mounts/afs/local/experiments/default/jobs/preempted/stdouterr/stdout.txt"
    deadline = time.monotonic() + 300
    while "training " not in stdout.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)  # into the first epoch
    subprocess.run(["scontrol", "requeue", _slurm_id(root, "preempted")], check=True)
    shown = _until(root, "preempted", "succeeded", "failed", timeout=600)
    assert shown["executionState"] == "succeeded", shown
    record = json.loads((root / "jobs" / "preempted" / "record.json").read_text())
    assert record["details"]["restarts"] == 1
    log = stdout.read_text()
    # Where the signal lands depends on the machine's speed: part-way (the usual case) or at an epoch's end.
    assert log.count("training ") == 2 and "resuming from" in log, log
    for name in ("trained.pt", "epoch-0002.pt"):
        first, second = (torch.load(blob / d / name, weights_only=True) for d in ("straight", "preempted"))
        assert all(torch.equal(first["state_dict"][k], second["state_dict"][k]) for k in first["state_dict"]), name


DOCKER_ROOT = Path("/var/lib/docker")
IMAGE = "landcover-runner/trainer-gpu:latest"


def _image_layers(image: str) -> list[Path]:
    """The image's layer folders in the Docker Engine's overlay2 store, top first (read without the engine)."""
    store = DOCKER_ROOT / "image" / "overlay2"
    repositories = json.loads((store / "repositories.json").read_text())["Repositories"]
    image_id = repositories[image.rpartition(":")[0]][image].split(":")[1]
    diff_ids = json.loads((store / "imagedb/content/sha256" / image_id).read_text())["rootfs"]["diff_ids"]
    chain: list[str] = []
    for diff in diff_ids:
        chain.append(diff if not chain else "sha256:" + hashlib.sha256(f"{chain[-1]} {diff}".encode()).hexdigest())
    caches = [(store / "layerdb/sha256" / c.split(":")[1] / "cache-id").read_text().strip() for c in chain]
    return [DOCKER_ROOT / "overlay2" / cache / "diff" for cache in reversed(caches)]


@pytest.fixture
def oci_bundle(tmp_path, slurm) -> Iterator[tuple[Path, Path]]:
    """An OCI bundle of the project's image (its layers mounted read-only) and a mount root bound into it."""
    if shutil.which("runc") is None or not (Path(slurm).parent / "oci.conf").is_file():
        pytest.skip("runc is not installed, so the local cluster has no oci.conf")
    try:
        layers = _image_layers(IMAGE)
    except (OSError, KeyError) as exc:
        pytest.skip(f"{IMAGE} is not in the Docker Engine's store ({exc}); `runner build` makes it")
    root = tmp_path / "root"
    (root / "mounts" / "afs").mkdir(parents=True)
    bundle = tmp_path / "bundle"
    (bundle / "rootfs").mkdir(parents=True)
    lower = ":".join(str(layer) for layer in layers)
    mounted = subprocess.run(
        ["mount", "-t", "overlay", "overlay", "-o", f"ro,lowerdir={lower}", str(bundle / "rootfs")],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount the image's layers: {mounted.stderr.strip()}")
    try:
        subprocess.run(["runc", "spec"], cwd=bundle, check=True)
        config = json.loads((bundle / "config.json").read_text())
        config["root"] = {"path": "rootfs", "readonly": True}
        config["process"]["terminal"] = False
        config["linux"]["namespaces"] = [n for n in config["linux"]["namespaces"] if n["type"] != "network"]
        mounts = str(root / "mounts")
        config["mounts"] += [  # the image is read-only: a tmpfs holds the mount point of the shared folder
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]},
            {"destination": mounts, "type": "bind", "source": mounts, "options": ["rbind", "rw"]},
        ]
        (bundle / "config.json").write_text(json.dumps(config))
        yield bundle, root
    finally:
        subprocess.run(["umount", str(bundle / "rootfs")], check=False)


IN_IMAGE = "bash -c 'command -v landcover; landcover --version >$AZ_BATCHAI_OUTPUT_OUT/v.txt'"


def test_slurm_oci_container_mode_runs_the_image(oci_bundle, tmp_path):
    """``--container oci``: the job's command runs in the image (its Python), with the mount root bound in."""
    bundle, root = oci_bundle
    job = tmp_path / "in-image.json"
    job.write_text(
        json.dumps(
            {
                "properties": {
                    "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs",
                    "outputDirectories": [{"id": "OUT", "pathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/out"}],
                    "customMpiSettings": {
                        "commandLine": IN_IMAGE,
                        "processCount": 1,
                    },
                }
            }
        )
    )
    common = ["--root", str(root), "--container", "oci", "--image", str(bundle), "--python-env", "/opt/venv"]
    dry = runner("slurm", "submit", str(job), *common, "--dry-run")
    assert f"exec srun --mpi=none --ntasks=1 --nodes=1 --container={bundle} bash -c" in dry.stdout, dry.stdout
    result = runner("slurm", "submit", str(job), *common, "--name", "oci", "--wait")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "/opt/venv/bin/landcover" in result.stdout  # the image's, not this machine's
    files = runner("files", "oci", "--root", str(root))
    assert "v.txt" in files.stdout
    (version,) = (root / "mounts" / "out").rglob("v.txt")
    assert version.read_text().startswith("landcover")
