"""Job records as runner 0.1.0 (commit 851cee8) writes them: one per backend, with fixed times and ids.

Run against that release's sources, from their root: ``git worktree add /tmp/v1 851cee8 && cd /tmp/v1 &&
PYTHONPATH=$PWD python /path/to/make_v1_records.py OUT`` writes OUT/{process,docker,azureml}/record.json,
committed here as v1-*.json (``tests/runner/test_store.py`` loads them through the upgrade step).
"""

import dataclasses
import sys
from pathlib import Path

from runner.backends.docker import container_spec
from runner.backends.process import job_command
from runner.jobspec import load_job
from runner.layout import job_environment, job_paths
from runner.store import JobRecord, save_record

out = Path(sys.argv[1])
spec = load_job(Path("jobs/training_job.json"))
mounts = Path("/home/user/.runner/mounts")
paths = job_paths(spec, "train-1", str(mounts), job_id="0123456789ab")
command = job_command(spec, paths.variables, hostfile=paths.variables["AZ_BATCHAI_MPI_HOST_FILE"])
common = dict(
    created="2026-11-30T10:00:00+00:00",
    started="2026-11-30T10:00:01+00:00",
    finished="2026-11-30T10:05:00+00:00",
    spec_file="/home/user/landcover-runner/jobs/training_job.json",
)
process = JobRecord(
    name="train-1",
    backend="process",
    state="succeeded",
    command=command,
    stdout=f"{paths.stdouterr}/stdout.txt",
    stderr=f"{paths.stdouterr}/stderr.txt",
    outputs={},
    environment=job_environment(spec, paths.variables),
    exit_code=0,
    pid=4242,
    **common,
)
save_record(out / "process", process)
root = "/mnt/batch/tasks/shared/LS_root/mounts"
dpaths = job_paths(spec, "train-2", root, job_id="ba9876543210", gpus=0)
dcommand = job_command(spec, dpaths.variables, hostfile=dpaths.variables["AZ_BATCHAI_MPI_HOST_FILE"])
env = job_environment(spec, dpaths.variables)
container = container_spec(
    image="landcover-runner/trainer-gpu:latest",
    command=dcommand,
    environment=env,
    mount_root=mounts,
    name="train-2",
    gpus="0",
    user="1000:1000",
)
host = str(mounts) + dpaths.stdouterr[len(root) :]
docker = JobRecord(
    name="train-2",
    backend="docker",
    state="failed",
    command=dcommand,
    stdout=f"{host}/stdout.txt",
    stderr=f"{host}/stderr.txt",
    outputs={},
    environment=env,
    exit_code=130,
    container="f" * 64,
    cancelled=True,
    details={"container": dataclasses.asdict(container)},
    **common,
)
save_record(out / "docker", docker)
azure = JobRecord(
    name="evaluate-1",
    backend="azureml",
    state="running",
    command=["landcover evaluate --output-dir ${{outputs.images}}"],
    stdout="",
    stderr="",
    outputs={"images": "azureml://datastores/workspaceblobstore/paths/evaluation_output/evaluate-1/images"},
    environment={"LANDCOVER_PROGRESS": "plain"},
    spec_file=common["spec_file"],
    created=common["created"],
    details={
        "subscription_id": "sub-1",
        "resource_group": "rg-1",
        "workspace": "ws-1",
        "azure_name": "evaluate-1",
        "studio_url": "https://ml.azure.com/runs/evaluate-1",
    },
)
save_record(out / "azureml", azure)
