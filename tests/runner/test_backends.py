import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from runner.backends.base import Backend, BackendError, backend_for
from runner.backends.docker import container_spec, create_arguments, docker_run_command, launch_error, resolve_gpus
from runner.backends.process import job_command, process_environment
from runner.jobspec import BATCHAI_MOUNT_ROOT, parse_job
from runner.layout import job_environment, job_paths

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
    job = job_environment(spec, paths.variables)
    assert job["DATA"] == "/r/blobfuse/data" and job["AZ_BATCHAI_OUTPUT_IMAGES"] == paths.outputs["IMAGES"]
    assert job["LANDCOVER_PROGRESS"] == "plain" and "PATH" not in job and "HOME" not in job
    env = process_environment(job, base={"PATH": "/usr/bin", "SECRET": "s"})
    assert env["PATH"].endswith(":/usr/bin") and env["SECRET"] == "s" and env["DATA"] == job["DATA"]


def _container(tmp_path, gpus="0"):
    return container_spec(
        image="img:1",
        command=["mpirun", "-np", "2", "landcover", "train"],
        environment={"A": "1"},
        mount_root=tmp_path,
        name="j1",
        gpus=gpus,
        user="1234:99",
    )


def test_container_spec(tmp_path):
    for folder in ("blobfuse/scripts", "blobfuse/training_data", "afs"):
        (tmp_path / folder).mkdir(parents=True)
    spec = _container(tmp_path, gpus="2")
    assert spec.image == "img:1" and spec.command[0] == "mpirun" and spec.network == "host"
    assert spec.mounts[0] == (str(tmp_path), BATCHAI_MOUNT_ROOT, "rw")
    training = (str(tmp_path / "blobfuse/training_data"), f"{BATCHAI_MOUNT_ROOT}/blobfuse/training_data", "ro")
    assert training in spec.mounts
    assert all("evaluation_data" not in source for source, _, _ in spec.mounts)
    assert spec.environment == {"A": "1"} and spec.user == "1234:99" and spec.shm_size == "8g"
    arguments = create_arguments(spec)
    request = arguments["device_requests"][0]
    assert request["Count"] == 2 and request["Capabilities"] == [["gpu"]]
    assert arguments["network_mode"] == "host" and arguments["volumes"][str(tmp_path)]["mode"] == "rw"
    assert [u["Name"] for u in arguments["ulimits"]] == ["memlock", "stack"]
    cpu = create_arguments(_container(tmp_path))
    assert cpu["device_requests"] == [] and cpu["ulimits"] == []  # no ulimits without GPUs (engines refuse them)
    assert create_arguments(_container(tmp_path, gpus="all"))["device_requests"][0]["Count"] == -1


def test_docker_run_command_renders_the_same_spec(tmp_path):
    (tmp_path / "blobfuse/scripts").mkdir(parents=True)
    argv = docker_run_command(_container(tmp_path))
    text = shlex.join(argv)
    assert argv[:2] == ["docker", "run"] and argv[-5:] == ["img:1", "mpirun", "-np", "2", "landcover", "train"][-5:]
    assert "--network host" in text and "--user 1234:99" in text and "--env A=1" in text
    assert f"--volume {tmp_path}/blobfuse/scripts:{BATCHAI_MOUNT_ROOT}/blobfuse/scripts:ro" in text
    assert "--gpus" not in text and "--ulimit" not in text and "--rm" not in text
    gpu = shlex.join(docker_run_command(_container(tmp_path, gpus="all")))
    assert "--gpus all" in gpu and "--ulimit memlock=-1:-1" in gpu


def test_gpus_auto_and_explicit():
    assert resolve_gpus("auto", True) == ("all", None)
    gpus, warning = resolve_gpus("auto", False)
    assert gpus == "0" and "CPU" in warning
    assert resolve_gpus("0", False) == ("0", None) and resolve_gpus("2", True) == ("2", None)
    with pytest.raises(BackendError, match="NVIDIA GPU runtime") as error:
        resolve_gpus("all", False)
    assert "NVIDIA Container Toolkit" in error.value.hint
    with pytest.raises(BackendError, match="not auto, all or a number"):
        resolve_gpus("many", True)


def test_launch_errors_are_one_line_with_their_fix():
    class ImageNotFound(Exception):
        pass

    missing = launch_error(ImageNotFound("404 Client Error: No such image: img:1"), "img:1")
    assert missing.line == "image img:1 is not in the local Docker engine (run `runner build`, or pass --image)"
    driver = launch_error(RuntimeError('500 Server Error: could not select device driver "" with capabilities'), "i")
    assert "NVIDIA Container Toolkit" in driver.line and "\n" not in driver.line


def test_every_verb_finds_its_backend_by_name():
    for name in ("process", "docker", "azureml"):
        backend = backend_for(name)
        assert isinstance(backend, Backend) and backend.name == name


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


def test_a_plan_uses_one_job_id_for_its_variables_and_folders(tmp_path):
    from runner.backends.local import SubmitOptions
    from runner.backends.process import ProcessBackend
    from runner.layout import LocalRoot

    plan = ProcessBackend().plan(_spec(), "j1", LocalRoot(tmp_path), SubmitOptions())
    assert str(plan.paths.outputs["IMAGES"]) == plan.paths.variables["AZ_BATCHAI_OUTPUT_IMAGES"]
    assert plan.environment["AZ_BATCHAI_OUTPUT_IMAGES"] == plan.paths.variables["AZ_BATCHAI_OUTPUT_IMAGES"]
    assert plan.command[-1] == plan.paths.variables["AZ_BATCHAI_OUTPUT_IMAGES"]
