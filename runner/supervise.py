"""Runs one recorded job to completion and keeps its record current (started detached by ``submit``).

``python -m runner.supervise JOB_DIR``: state queued -> running -> succeeded / failed, with the exit code,
times and the process group (so ``runner cancel`` can stop every rank).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from runner.store import JobRecord, load_record, now, save_record


def run_process(directory: Path, record: JobRecord) -> int:
    """Run a process-backend job with its output captured to the Batch AI stdout / stderr files."""
    with open(record.stdout, "ab") as out, open(record.stderr, "ab") as err:
        process = subprocess.Popen(
            record.command, stdout=out, stderr=err, env=record.environment, start_new_session=True
        )
        record.pid, record.state, record.started = process.pid, "running", now()
        save_record(directory, record)

        def forward(signum: int, frame: FrameType | None) -> None:
            process.send_signal(signum)

        signal.signal(signal.SIGTERM, forward)
        return process.wait()


def run_container(directory: Path, record: JobRecord) -> int:
    """Run a docker-backend job, copying the container's output to the stdout / stderr files."""
    from runner.backends.docker import container_spec, docker_client

    arguments = {**record.details["container"], "mount_root": Path(record.details["container"]["mount_root"])}
    container = docker_client().containers.run(**container_spec(**arguments))
    record.container, record.state, record.started = container.id, "running", now()
    save_record(directory, record)
    result = container.wait()
    Path(record.stdout).write_bytes(container.logs(stdout=True, stderr=False))
    Path(record.stderr).write_bytes(container.logs(stdout=False, stderr=True))
    return int(result.get("StatusCode", 1))


def supervise(directory: Path) -> int:
    """Run the job recorded in ``directory``; return its exit code."""
    record = load_record(directory)
    if record.cancelled:  # cancelled before it started
        record.state, record.exit_code, record.finished = "failed", 130, now()
        save_record(directory, record)
        return 130
    try:
        code = run_container(directory, record) if record.backend == "docker" else run_process(directory, record)
    except Exception as exc:  # the launch itself failed: keep that in the record and the logs
        with open(record.stderr, "a") as err:
            err.write(f"runner: could not start the job: {exc}\n")
        code = 127
    record = load_record(directory)  # cancel may have marked it meanwhile
    record.exit_code, record.finished = code, now()
    record.state = "succeeded" if code == 0 and not record.cancelled else "failed"
    save_record(directory, record)
    return code


if __name__ == "__main__":
    sys.exit(supervise(Path(sys.argv[1])))
