"""Job state that tells the truth, and signals only to the job's own processes (real processes, real mpirun).

The supervisor and ``mpirun`` of a real process-backend job are SIGKILLed; a recorded pid is handed to an unrelated
process; a record holds a negative pid; ``RUNNER_HOME`` is a full tmpfs.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runner.procs import ProcessIdentity, identify, is_alive, read_stat
from tests.helpers import assert_one_line_error, runner, tmpfs

SLEEP = 300


def _wait(condition: Callable[[], bool], what: str, limit: float = 60) -> None:
    """Poll until ``condition`` holds (a guard against hanging, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.2)


def _root(base: Path) -> Path:
    (base / "mounts" / "afs").mkdir(parents=True, exist_ok=True)
    return base


@pytest.fixture(autouse=True)
def _no_process_left(tmp_path: Path) -> Iterator[None]:
    """After each test, end what its jobs left running (processes started under its root, and nothing else)."""
    yield
    marks = (f"AZ_BATCHAI_MOUNT_ROOT={tmp_path}".encode(), f"runner.supervise\0{tmp_path}".encode())
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError):
                text = (entry / "environ").read_bytes() + b"\0" + (entry / "cmdline").read_bytes()
                if any(mark in text for mark in marks):
                    os.kill(int(entry.name), signal.SIGKILL)


def _template(base: Path, command: str, *, mpi: bool) -> Path:
    settings = (
        {"customMpiSettings": {"commandLine": command, "processCount": 1}}
        if mpi
        else {"customToolkitSettings": {"commandLine": command}}
    )
    job = base / "job.json"
    job.write_text(json.dumps({"properties": {"stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs", **settings}}))
    return job


def _record(root: Path, name: str) -> dict:
    return json.loads((root / "jobs" / name / "record.json").read_text())


def _started(root: Path, name: str, command: str, *, mpi: bool) -> dict:
    """Submit a job and wait until its record says it runs; the record."""
    submitted = runner("local", "submit", str(_template(root, command, mpi=mpi)), "--root", str(root), "--name", name)
    assert submitted.returncode == 0, submitted.stderr
    _wait(lambda: _record(root, name).get("process") is not None, f"{name} to start")
    return _record(root, name)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _wait(lambda: _gone(pid), f"pid {pid} to end")


def _gone(pid: int) -> bool:
    stat = read_stat(pid)
    return stat is None or stat.state in ("Z", "X")


def _job_processes(job_id: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if f"AZ_BATCHAI_JOB_ID={job_id}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                    stat = identify(int(entry.name))
                    if stat is not None and is_alive(stat):
                        found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_a_job_whose_supervisor_and_mpirun_were_killed(tmp_path):
    root = _root(tmp_path)
    record = _started(root, "lost", f"sleep {SLEEP}", mpi=True)
    supervisor, leader = record["supervisor"]["pid"], record["process"]["pid"]
    job_id = record["environment"]["AZ_BATCHAI_JOB_ID"]
    _wait(lambda: len(_job_processes(job_id)) >= 2, "the rank to start (mpirun and sleep carry the job's id)")
    _kill(supervisor)
    _kill(leader)
    ranks = _job_processes(job_id)
    assert ranks, "the rank outlives mpirun (what cancel must still stop)"

    shown = runner("show", "lost", "--root", str(root))
    assert shown.returncode == 0 and "failed" in shown.stdout
    assert f"supervisor pid {supervisor} is gone" in shown.stdout
    assert "failed" in runner("list", "--root", str(root)).stdout
    assert runner("logs", "lost", "--follow", "--root", str(root), timeout=120).returncode == 0
    assert _record(root, "lost")["state"] == "failed"  # saved, not only shown

    cancelled = runner("cancel", "lost", "--root", str(root))
    expected = f"sent SIGTERM to 1 process the job left running (pid {ranks[0]})"
    assert cancelled.returncode == 0 and expected in cancelled.stdout
    _wait(lambda: not _job_processes(job_id), "the rank to end")
    again = runner("cancel", "lost", "--root", str(root))
    assert again.returncode == 0 and "nothing signalled" in again.stdout


def test_a_pid_handed_to_another_process_is_never_signalled(tmp_path):
    root = _root(tmp_path)
    record = _started(root, "reused", f"sleep {SLEEP}", mpi=False)
    _kill(record["supervisor"]["pid"])
    _kill(record["process"]["pid"])
    unrelated = subprocess.Popen(["sleep", str(SLEEP)], start_new_session=True)  # a process group leader
    try:
        # The kernel handed the job's pid on: the record names it, with the job's own start time.
        path = root / "jobs" / "reused" / "record.json"
        data = json.loads(path.read_text())
        data["pid"] = unrelated.pid
        data["process"]["pid"] = unrelated.pid
        data["supervisor"]["pid"] = unrelated.pid
        path.write_text(json.dumps(data))
        shown = runner("show", "reused", "--root", str(root))
        assert "failed" in shown.stdout and f"supervisor pid {unrelated.pid} is gone" in shown.stdout
        cancelled = runner("cancel", "reused", "--root", str(root))
        assert cancelled.returncode == 0, cancelled.stderr
        assert f"pid {unrelated.pid} is not the job's process any more" in cancelled.stdout
        assert "nothing signalled" in cancelled.stdout and cancelled.stdout.count("\n") == 1

        # A record of an earlier runner: a pid without its start time is never signalled either.
        data = {k: v for k, v in data.items() if k not in ("process", "supervisor", "error", "finished")}
        data.update(state="running", format_version=2)
        path.write_text(json.dumps(data))
        assert_one_line_error(
            runner("cancel", "reused", "--root", str(root)), "was recorded without its start time", "nothing signalled"
        )
        assert unrelated.poll() is None, "the unrelated process was signalled"
    finally:
        unrelated.kill()
        unrelated.wait()


@pytest.mark.parametrize("pid", [-5, 0])
def test_a_negative_or_zero_pid_in_a_record_is_refused(tmp_path, pid):
    root = _root(tmp_path)
    records = Path(__file__).resolve().parents[1] / "data" / "runner" / "records"
    data = json.loads((records / "v1-process.json").read_text()) | {"state": "running", "pid": pid}
    (root / "jobs" / "bad").mkdir(parents=True)
    (root / "jobs" / "bad" / "record.json").write_text(json.dumps(data))
    for verb in ("show", "cancel", "logs"):
        assert_one_line_error(runner(verb, "bad", "--root", str(root)), "record.json: not a readable job record")
    listed = runner("list", "--root", str(root))
    assert listed.returncode == 0 and "unreadable" in listed.stdout and "Traceback" not in listed.stderr


def _fill(disk: Path) -> None:
    """Write until the disk is full (unbuffered: nothing left to flush at close)."""
    with open(disk / "filler", "ab", buffering=0) as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 4096)


def test_a_full_disk_under_runner_home_is_one_line_and_no_queued_job(tmp_path):
    with tmpfs(tmp_path / "home", "2m") as home:
        root = _root(home)
        job = _template(tmp_path, "true", mpi=False)
        _fill(home)
        env = {**os.environ, "RUNNER_HOME": str(root)}
        result = runner("local", "submit", str(job), "--name", "full", env=env)
        assert_one_line_error(result, "No space left on device", "nothing was submitted")
        assert not (root / "jobs" / "full").exists()
        assert not (root / "mounts" / "afs" / "local").exists()  # the folders it made are gone again
        assert "full" not in runner("list", env=env).stdout

        # The disk fills while a job runs: its end cannot be written, and it is not left "running".
        (home / "filler").unlink()
        record = _started(root, "fills", "sleep 3", mpi=False)
        _fill(home)
        supervisor = ProcessIdentity(**record["supervisor"])
        _wait(lambda: not is_alive(supervisor), "the supervisor to end")
        shown = runner("show", "fills", env=env)
        assert shown.returncode == 0 and "failed" in shown.stdout, shown.stdout + shown.stderr
        assert "queued" not in shown.stdout and "running" not in shown.stdout
