"""The one submit (``runner.submission.service``): a new backend is one ``Submission`` class and one ``Backend``."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from runner.backends.base import Backend, BackendError
from runner.details import ProcessDetails
from runner.errors import RunnerError
from runner.jobspec import JobSpec, load_job
from runner.layout import LocalRoot
from runner.store import JobRecord, JobState, load_record, save_record
from runner.submission.service import JobPlan, Submission, SubmitError, submit

TEMPLATE = Path(__file__).resolve().parents[2] / "jobs" / "training_job.json"


class EchoBackend(Backend):
    """A backend that only records the job (``fail``: it refuses it)."""

    name = "echo"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def submit(self, directory: Path, record: JobRecord) -> JobRecord:
        if self.fail:
            raise BackendError("the echo service is down", "try again")
        save_record(directory, record)
        return record

    def wait(self, directory: Path, console: Console) -> int:
        return 3

    def cancel(self, directory: Path, record: JobRecord) -> None:
        return None

    def logs(self, directory: Path, record: JobRecord, *, stderr: bool, follow: bool, console: Console) -> None:
        return None


class EchoSubmission(Submission):
    """The whole of a new backend's submit: its plan."""

    setup_hint = "make the root"

    def plan(self, spec: JobSpec, name: str, local: LocalRoot) -> JobPlan:
        logs = local.mounts / "logs" / name
        return JobPlan(
            command=["echo", name],
            outputs={"OUT": str(local.mounts / "out" / name)},
            environment={},
            details=ProcessDetails(),
            preview=f"echo {name}\n",
            stdouterr=logs,
            files={logs / "note.txt": "hello\n"},
        )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "mounts").mkdir()
    return tmp_path


def test_a_submit_writes_folders_logs_files_and_the_record(root: Path) -> None:
    spec = load_job(TEMPLATE)
    code = submit(EchoSubmission(EchoBackend()), TEMPLATE, spec, "j1", root, dry_run=False, wait=True)
    record = load_record(LocalRoot(root).job_dir("j1"))
    assert code == 3 and record.backend == "echo" and record.state is JobState.QUEUED
    assert record.command == ["echo", "j1"] and record.spec_file == str(TEMPLATE.resolve())
    assert Path(record.stdout).is_file() and Path(record.stderr).is_file()
    assert (root / "mounts" / "logs" / "j1" / "note.txt").read_text() == "hello\n"
    assert (root / "mounts" / "out" / "j1").is_dir()
    with pytest.raises(SubmitError, match="job 'j1' already exists"):
        submit(EchoSubmission(EchoBackend()), TEMPLATE, spec, "j1", root, dry_run=True, wait=False)


def test_a_dry_run_writes_nothing_and_a_refused_job_leaves_nothing(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = load_job(TEMPLATE)
    before = sorted(root.rglob("*"))
    assert submit(EchoSubmission(EchoBackend()), TEMPLATE, spec, "j2", root, dry_run=True, wait=False) == 0
    assert capsys.readouterr().out == "echo j2\n" and sorted(root.rglob("*")) == before
    with pytest.raises(BackendError, match="echo service is down"):
        submit(EchoSubmission(EchoBackend(fail=True)), TEMPLATE, spec, "j2", root, dry_run=False, wait=False)
    assert sorted(root.rglob("*")) == before


@pytest.mark.parametrize("name", ["", "a/b", "..", "x" * 65])
def test_a_bad_name_or_a_missing_root_is_a_runner_error(tmp_path: Path, name: str) -> None:
    spec = load_job(TEMPLATE)
    with pytest.raises(RunnerError, match=r"^job name ") as bad:
        submit(EchoSubmission(EchoBackend()), TEMPLATE, spec, name, tmp_path, dry_run=True, wait=False)
    assert bad.value.hint == "choose another --name"
    with pytest.raises(SubmitError, match="no local root") as caught:
        submit(EchoSubmission(EchoBackend()), TEMPLATE, spec, None, tmp_path, dry_run=True, wait=False)
    assert caught.value.hint == "make the root"
