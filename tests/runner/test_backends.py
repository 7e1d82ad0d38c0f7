import os
import shutil
import subprocess
import sys
from pathlib import Path

from runner.backends.docker import container_spec
from runner.backends.process import job_command, job_environment
from runner.jobspec import BATCHAI_MOUNT_ROOT, parse_job
from runner.layout import job_paths

REPO = Path(__file__).resolve().parents[2]
ENTRYPOINT = REPO / "images" / "trainer-gpu" / "entrypoint.sh"


def _spec(**settings):
    return parse_job(
        {
            "properties": {
                "nodeCount": 1,
                "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs",
                "outputDirectories": [
                    {"id": "IMAGES", "pathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/blobfuse/out", "pathSuffix": "img"}
                ],
                "environmentVariables": [{"name": "DATA", "value": "$AZ_BATCHAI_MOUNT_ROOT/blobfuse/data"}],
                "customMpiSettings": {
                    "commandLine": "landcover evaluate --output-dir $AZ_BATCHAI_OUTPUT_IMAGES",
                    "processCount": 3,
                    **settings,
                },
            }
        }
    )


def test_batchai_variables_and_unique_output_dirs():
    paths = job_paths(_spec(), "job1", "/mnt/root", job_id="abc")
    v = paths.variables
    assert v["AZ_BATCHAI_MOUNT_ROOT"] == "/mnt/root"
    assert v["AZ_BATCHAI_OUTPUT_IMAGES"] == "/mnt/root/blobfuse/out/local/experiments/default/jobs/job1/abc/outputs/img"
    assert v["AZ_BATCHAI_STDOUTERR_DIR"] == "/mnt/root/afs/local/experiments/default/jobs/job1/stdouterr"
    assert v["AZ_BATCHAI_MPI_HOST_FILE"].endswith("/stdouterr/hostfile")
    other = job_paths(_spec(), "job1", "/mnt/root")
    assert other.outputs["IMAGES"] != paths.outputs["IMAGES"]


def test_process_command_is_mpirun_with_the_expanded_command_line():
    spec = _spec()
    paths = job_paths(spec, "j", "/r", job_id="x")
    command = job_command(spec, paths.variables, "--exact", as_root=True)
    assert command[:3] == ["mpirun", "-np", "3"] and "--allow-run-as-root" in command
    assert command[-4:] == ["evaluate", "--output-dir", paths.outputs["IMAGES"], "--exact"]
    env = job_environment(spec, paths.variables, base={"PATH": "/usr/bin"})
    assert env["DATA"] == "/r/blobfuse/data" and env["AZ_BATCHAI_OUTPUT_IMAGES"] == paths.outputs["IMAGES"]
    assert env["PATH"].endswith(":/usr/bin") and env["LANDCOVER_PROGRESS"] == "plain"


def test_container_spec(tmp_path):
    for folder in ("blobfuse/scripts", "blobfuse/training_data", "afs"):
        (tmp_path / folder).mkdir(parents=True)
    spec = container_spec(
        image="img:1",
        command=["mpirun", "-np", "2", "landcover", "train"],
        environment={"A": "1"},
        mount_root=tmp_path,
        name="j1",
        gpus="2",
    )
    assert spec["image"] == "img:1" and spec["command"][0] == "mpirun"
    assert spec["volumes"][str(tmp_path)] == {"bind": BATCHAI_MOUNT_ROOT, "mode": "rw"}
    assert spec["volumes"][str(tmp_path / "blobfuse/training_data")]["mode"] == "ro"
    assert str(tmp_path / "blobfuse/evaluation_data") not in spec["volumes"]
    request = spec["device_requests"][0]
    assert request["Count"] == 2 and request["Capabilities"] == [["gpu"]]
    assert spec["shm_size"] == "8g" and spec["user"] == "1000:1000" and spec["detach"] is True
    assert (
        container_spec(image="i", command=[], environment={}, mount_root=tmp_path, name="n", gpus="all")[
            "device_requests"
        ][0]["Count"]
        == -1
    )


def test_entrypoint_sets_defaults_and_execs(tmp_path):
    env = {"PATH": os.environ["PATH"], "MALLOC_MMAP_MAX_": "7"}
    result = subprocess.run(
        [
            "bash",
            str(ENTRYPOINT),
            "bash",
            "-c",
            "echo $MALLOC_MMAP_MAX_ $MALLOC_TRIM_THRESHOLD_ $NCCL_DEBUG $LANDCOVER_PROGRESS; exit 3",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 3  # exec'd: the job's own exit code
    assert result.stdout.split() == ["7", "100000000000", "WARN", "plain"]


def test_dockerfile_is_hadolint_clean():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    result = subprocess.run(
        [hadolint, str(REPO / "images" / "trainer-gpu" / "Dockerfile")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
