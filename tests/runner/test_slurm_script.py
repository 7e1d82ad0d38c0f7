"""The sbatch script and each container mode's exact command line (pure: no Slurm needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.backends.base import BackendError
from runner.backends.slurm import client
from runner.backends.slurm.backend import failure_line
from runner.backends.slurm.config import ContainerMode, SlurmConfig, SlurmConfigError, load_config, save_config
from runner.backends.slurm.script import SlurmJobOptions, build_script, launch_line, node_layout
from runner.jobspec import JobSpecError, load_job, parse_job
from tests.helpers import REPO, assert_one_line_error, runner

ROOT = "/shared/lc/mounts"
COMMAND = ["landcover", "train", "--input-dir", f"{ROOT}/blobfuse/training_data"]
MPI = ["--bind-to", "none", "--mca", "odls_base_sigkill_timeout", "30"]


def _spec(nodes: int, processes: int, tool: str = "customMpiSettings"):
    settings = {"commandLine": "landcover train --model-dir $AZ_BATCHAI_OUTPUT_MODEL"}
    if tool == "customMpiSettings":
        settings["processCount"] = processes
    return parse_job(
        {
            "properties": {
                "nodeCount": nodes,
                "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs",
                "outputDirectories": [{"id": "MODEL", "pathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/blobfuse/out"}],
                "environmentVariables": [{"name": "DATA", "value": "$AZ_BATCHAI_MOUNT_ROOT/blobfuse"}],
                tool: settings,
            }
        }
    )


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("RUNNER_SLURM_CONFIG", str(tmp_path / "slurm.json"))
    for variable in ("PARTITION", "ACCOUNT", "QOS", "TIME", "GPUS_PER_NODE", "CONTAINER", "IMAGE", "PYTHON_ENV"):
        monkeypatch.delenv(f"RUNNER_SLURM_{variable}", raising=False)


def test_node_layout_divides_the_total_over_the_nodes():
    assert node_layout(_spec(2, 8)) == (2, 4)
    assert node_layout(_spec(1, 2), nodes=2) == (2, 1)
    assert node_layout(_spec(3, 1, tool="customToolkitSettings")) == (3, 1)
    with pytest.raises(BackendError, match="processCount 2 does not divide over 3 nodes"):
        node_layout(_spec(1, 2), nodes=3)
    with pytest.raises(JobSpecError, match="processCount 3 does not divide over nodeCount 2"):
        _spec(2, 3)  # the template itself: refused by the one job template validation, for every backend


def test_bare_environment_runs_the_ranks_under_mpirun():
    line = launch_line(ContainerMode.NONE, COMMAND, ranks=4, mpi=True, mount_root=ROOT, image=None, as_root=False)
    assert line == ["mpirun", "-np", "4", *MPI, *COMMAND]
    alone = launch_line(ContainerMode.NONE, COMMAND, ranks=1, mpi=False, mount_root=ROOT, image=None, as_root=True)
    assert alone == COMMAND


def test_pyxis_line():
    image = "myacr.azurecr.io/landcover-runner/trainer-gpu:latest"
    line = launch_line(ContainerMode.PYXIS, COMMAND, ranks=8, mpi=True, mount_root=ROOT, image=image, as_root=False)
    assert line == [
        "srun",
        "--mpi=pmix",
        f"--container-image={image}",
        f"--container-mounts={ROOT}:{ROOT}",
        *COMMAND,
    ]
    single = launch_line(ContainerMode.PYXIS, COMMAND, ranks=1, mpi=False, mount_root=ROOT, image=image, as_root=False)
    assert single[:4] == ["srun", "--mpi=none", "--ntasks=1", "--nodes=1"]
    one_rank = launch_line(ContainerMode.PYXIS, COMMAND, ranks=1, mpi=True, mount_root=ROOT, image=image, as_root=False)
    assert one_rank == single


def test_apptainer_line():
    line = launch_line(
        ContainerMode.APPTAINER,
        COMMAND,
        ranks=2,
        mpi=True,
        mount_root=ROOT,
        image="landcover-runner/trainer-gpu:latest",
        as_root=True,
    )
    assert line == [
        "mpirun",
        "-np",
        "2",
        *MPI,
        "--allow-run-as-root",
        "apptainer",
        "exec",
        "--nv",
        "--bind",
        f"{ROOT}:{ROOT}",
        "docker://landcover-runner/trainer-gpu:latest",
        *COMMAND,
    ]
    sif = launch_line(
        ContainerMode.APPTAINER, COMMAND, ranks=1, mpi=False, mount_root=ROOT, image="/shared/lc.sif", as_root=False
    )
    assert sif == ["apptainer", "exec", "--nv", "--bind", f"{ROOT}:{ROOT}", "/shared/lc.sif", *COMMAND]


def test_slurm_oci_line():
    line = launch_line(
        ContainerMode.OCI, COMMAND, ranks=2, mpi=True, mount_root=ROOT, image="/shared/bundle", as_root=False
    )
    assert line == ["srun", "--mpi=pmix", "--container=/shared/bundle", *COMMAND]
    single = launch_line(
        ContainerMode.OCI, COMMAND, ranks=1, mpi=True, mount_root=ROOT, image="/shared/bundle", as_root=False
    )
    assert single == ["srun", "--mpi=none", "--ntasks=1", "--nodes=1", "--container=/shared/bundle", *COMMAND]


def test_script_directives_variables_and_host_file():
    config = SlurmConfig(partition="gpu", account="geo", qos="high", time="4:00:00", gpus_per_node=4)
    options = SlurmJobOptions(extra_args="--epochs 2", requeue=True, signal="TERM@120", python_bin="/env/bin")
    script = build_script(_spec(2, 8), "train1", Path(ROOT), config, options, job_id="abc123")
    stdouterr = f"{ROOT}/afs/local/experiments/default/jobs/train1/stdouterr"
    output = f"{ROOT}/blobfuse/out/local/experiments/default/jobs/train1/abc123/outputs"
    lines = script.text.splitlines()
    assert [line for line in lines if line.startswith("#SBATCH")] == [
        "#SBATCH --job-name=train1",
        "#SBATCH --nodes=2",
        "#SBATCH --ntasks-per-node=4",
        f"#SBATCH --output={stdouterr}/stdout.txt",
        f"#SBATCH --error={stdouterr}/stderr.txt",
        "#SBATCH --open-mode=append",
        "#SBATCH --requeue",
        "#SBATCH --gpus-per-node=4",
        "#SBATCH --partition=gpu",
        "#SBATCH --account=geo",
        "#SBATCH --qos=high",
        "#SBATCH --time=4:00:00",
        "#SBATCH --signal=TERM@120",
    ]
    for expected in (
        f"export AZ_BATCHAI_MOUNT_ROOT={ROOT}",
        "export AZ_BATCHAI_NUM_GPUS=4",
        f"export AZ_BATCHAI_OUTPUT_MODEL={output}",
        f"export AZ_BATCHAI_MPI_HOST_FILE={stdouterr}/hostfile",
        f"export DATA={ROOT}/blobfuse",
        'export PATH=/env/bin:"$PATH"',
        'scontrol show hostnames "$SLURM_JOB_NODELIST" | awk \'{print $0 " slots=4"}\' >"$AZ_BATCHAI_MPI_HOST_FILE"',
        f"exec mpirun -np 8 {' '.join(MPI)} landcover train --model-dir {output} --epochs 2",
    ):
        assert expected in lines, expected
    assert script.paths.outputs == {"MODEL": output}
    # Unique output directories: a second job id, a second folder.
    again = build_script(_spec(2, 8), "train1", Path(ROOT), config, options)
    assert again.paths.outputs["MODEL"] != script.paths.outputs["MODEL"]


def test_container_modes_need_an_image_and_a_known_name(monkeypatch):
    with pytest.raises(SlurmConfigError, match="--container pyxis needs --image"):
        SlurmConfig(container=ContainerMode.PYXIS)
    with pytest.raises(SlurmConfigError, match="container mode 'docker' is not known"):
        load_config(container="docker")
    monkeypatch.setenv("RUNNER_SLURM_GPUS_PER_NODE", "many")
    with pytest.raises(SlurmConfigError, match="whole number"):
        load_config()


def test_configuration_file_then_variables_then_options(monkeypatch):
    save_config(SlurmConfig(partition="batch", account="geo", container=ContainerMode.APPTAINER, image="/s/lc.sif"))
    assert load_config() == SlurmConfig(
        partition="batch", account="geo", container=ContainerMode.APPTAINER, image="/s/lc.sif"
    )
    monkeypatch.setenv("RUNNER_SLURM_PARTITION", "gpu")
    assert load_config().partition == "gpu"
    assert load_config(partition="debug", gpus_per_node=2).partition == "debug"
    assert load_config(gpus_per_node=2).gpus_per_node == 2


def test_completion_records_and_states(tmp_path, monkeypatch):
    line = (
        "JobId=7 UserId=root(0) GroupId=root(0) Name=train1 JobState=NODE_FAIL Partition=debug "
        "TimeLimit=UNLIMITED StartTime=2026-12-01T22:09:13 EndTime=2026-12-01T22:09:45 NodeList=node[1-2] "
        "NodeCnt=2 ProcCnt=2 WorkDir=/tmp ReservationName= Tres=cpu=2,node=2 Account= QOS= WcKey= Cluster=lc "
        "SubmitTime=2026-12-01T22:09:13 EligibleTime=2026-12-01T22:09:13 DerivedExitCode=0:0 ExitCode=0:0 "
    )
    found = client.fields(line)
    assert (found["JobState"], found["NodeList"], found["ReservationName"], found["Tres"]) == (
        "NODE_FAIL",
        "node[1-2]",
        "",
        "cpu=2,node=2",
    )
    log = tmp_path / "jobcomp.txt"
    log.write_text(line.replace("JobId=7", "JobId=70") + "\n" + line + "\n")
    monkeypatch.setattr(client, "completion_log", lambda: log)
    state = client._completion_record("7", "train1")
    assert state is not None
    assert (state.state, state.runner_state, state.job_exit_code, state.source) == ("NODE_FAIL", "failed", 1, "jobcomp")
    assert client._completion_record("7", "other") is None
    monkeypatch.setattr(client, "node_reasons", lambda nodes: "node2: Not responding")
    assert failure_line(state) == "Slurm ended the job: NODE_FAIL (a node of node[1-2] was lost: node2: Not responding)"
    assert client.SlurmJobState("PENDING").runner_state == "queued"
    assert client.SlurmJobState("COMPLETING").runner_state == "running"
    cancelled = client.SlurmJobState("CANCELLED", exit_code=0, signal=15)
    assert (cancelled.runner_state, cancelled.cancelled, cancelled.job_exit_code) == ("failed", True, 143)
    assert client.SlurmJobState("FAILED", exit_code=7).job_exit_code == 7
    assert failure_line(client.SlurmJobState("FAILED", exit_code=7)) is None


def test_dry_run_prints_the_exact_script(tmp_path):
    root = tmp_path / "root"
    (root / "mounts").mkdir(parents=True)
    options = ("--name", "dry", "--container", "pyxis", "--image", "lc:latest", "--nodes", "2", "--dry-run")
    env = {"RUNNER_SLURM_CONFIG": str(tmp_path / "none.json"), "PATH": "/usr/bin:/bin"}
    result = runner("slurm", "submit", str(REPO / "jobs" / "training_job.json"), "--root", str(root), *options, env=env)
    assert result.returncode == 0, result.stderr
    spec = load_job(REPO / "jobs" / "training_job.json")
    mounts = root / "mounts"
    assert result.stdout.startswith("#!/bin/bash\n")
    assert "#SBATCH --nodes=2\n#SBATCH --ntasks-per-node=1\n" in result.stdout
    assert f"srun --mpi=pmix --container-image=lc:latest --container-mounts={mounts}:{mounts} landcover train" in (
        result.stdout
    )
    assert spec.process_count == 2 and not (root / "jobs").exists()


def test_bad_input_is_one_line(tmp_path):
    root = tmp_path / "root"
    (root / "mounts").mkdir(parents=True)
    job = tmp_path / "odd.json"
    job.write_text(
        json.dumps(
            {
                "properties": {
                    "nodeCount": 2,
                    "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs",
                    "customMpiSettings": {"commandLine": "landcover train", "processCount": 3},
                }
            }
        )
    )
    env = {"RUNNER_SLURM_CONFIG": str(tmp_path / "none.json"), "PATH": "/usr/bin:/bin"}
    assert_one_line_error(
        runner("slurm", "submit", str(job), "--root", str(root), "--dry-run", env=env), "processCount 3", "nodeCount 2"
    )
    training = str(REPO / "jobs" / "training_job.json")
    assert_one_line_error(
        runner("slurm", "submit", training, "--root", str(root), "--container", "oci", env=env), "--image"
    )
    assert_one_line_error(
        runner("slurm", "submit", training, "--root", str(tmp_path / "nowhere"), env=env), "no local root"
    )
