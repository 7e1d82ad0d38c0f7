"""Exact resume: a killed run continues bitwise; extensions are explicit; changed settings are refused."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import torch

from landcover.train.resume import resume_mismatch
from landcover.train.state import STATE_VERSION, TrainingState
from tests.data.fixtures import write_pair
from tests.data.release_0bd8f69 import rewrite_as_0bd8f69, training_0bd8f69
from tests.helpers import assert_one_line_error, mpi_landcover
from tests.helpers import landcover as run_landcover
from tests.landcover.train.conftest import (
    assert_same_optimizer,
    assert_same_weights,
    kill_after_first_epoch,
    train_args,
)

TINY = ["--epoch-size", "8", "--batch-size", "2", "--threads", "1"]


@pytest.mark.slow
def test_run_killed_after_epoch_one_resumes_bitwise(pairs, tmp_path):
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    validated = ["--val-fraction", "0.34", "--epochs", "2"]  # one of the three pairs held out: best.pt kept
    uninterrupted = run_landcover(*train_args(pairs, straight, *TINY, *validated))
    assert uninterrupted.returncode == 0, uninterrupted.stderr

    kill_after_first_epoch(train_args(pairs, killed, *TINY, *validated), killed)
    assert (killed / "epoch-0001.pt").exists()
    for late in ("epoch-0002.pt", "trained.pt"):  # the kill came after epoch 2 ended: the same state as before it
        (killed / late).unlink(missing_ok=True)

    resumed = run_landcover(*train_args(pairs, killed, *TINY, *validated))
    assert resumed.returncode == 0, resumed.stderr
    assert "epoch 1 of 2 done" in resumed.stdout and "extending" not in resumed.stdout
    for name in ("epoch-0002.pt", "trained.pt", "best.pt"):
        assert_same_weights(straight / name, killed / name)
    assert_same_optimizer(straight / "epoch-0002.pt", killed / "epoch-0002.pt")
    straight_best, killed_best = (torch.load(d / "best.pt", weights_only=True) for d in (straight, killed))
    assert straight_best["provenance"]["epoch"] == killed_best["provenance"]["epoch"]
    assert [json.loads(line) for line in (straight / "metrics.jsonl").read_text().splitlines()][-1]["validation"] == [
        json.loads(line) for line in (killed / "metrics.jsonl").read_text().splitlines()
    ][-1]["validation"]


@pytest.mark.slow
def test_changed_settings_are_refused_and_restart_starts_a_fresh_schedule(pairs, tmp_path):
    model_dir = tmp_path / "model"
    first = run_landcover(*train_args(pairs, model_dir, *TINY, "--epochs", "1"))
    assert first.returncode == 0, first.stderr

    changed_batch = run_landcover(*train_args(pairs, model_dir, *TINY, "--epochs", "2", "--batch-size", "4"))
    assert_one_line_error(changed_batch, "--batch-size 4", "--batch-size 2", "--restart")

    other_data = tmp_path / "other"
    shutil.copytree(pairs, other_data)
    write_pair(other_data, "extra", size=(160, 160), seed=9)
    changed_data = run_landcover(*train_args(other_data, model_dir, *TINY, "--epochs", "2"))
    assert_one_line_error(changed_data, "--input-dir", "--restart")

    two_ranks = subprocess.run(
        mpi_landcover(2, *train_args(pairs, model_dir, *TINY, "--epochs", "2")),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert two_ranks.returncode != 0
    assert "this run has 2 ranks" in two_ranks.stderr and "--restart" in two_ranks.stderr
    assert "Traceback" not in two_ranks.stderr
    assert not (model_dir / "epoch-0002.pt").exists()

    restarted = run_landcover(*train_args(pairs, model_dir, *TINY, "--epochs", "2", "--batch-size", "4", "--restart"))
    assert restarted.returncode == 0, restarted.stderr
    assert "restarting from" in restarted.stdout
    training = torch.load(model_dir / "epoch-0002.pt", weights_only=True)["training"]
    assert training["options"]["batch_size"] == 4
    assert [s["first_epoch"] for s in training["schedule"]["segments"]] == [1]

    # Rerunning the same --restart command resumes the restarted run (nothing left to do) instead of restarting.
    again = run_landcover(*train_args(pairs, model_dir, *TINY, "--epochs", "2", "--batch-size", "4", "--restart"))
    assert again.returncode == 0, again.stderr
    assert "epoch 2 of 2 done" in again.stdout and "restarting" not in again.stdout


def test_resume_mismatch_names_the_first_differing_setting():
    stored = training_0bd8f69(world_size=2, dataset="abc", options={"batch_size": 10, "epoch_size": 800, "lr": 2e-3})
    training = TrainingState.read(stored, "m/epoch-0001.pt")
    same = {"batch_size": 10, "epoch_size": 800, "lr": 2e-3, "input_dir": "d"}
    assert resume_mismatch(training, same, 2, "abc", "m/epoch-0001.pt") is None
    error = resume_mismatch(training, {**same, "epoch_size": 400}, 2, "abc", "m/epoch-0001.pt")
    assert error is not None and "--epoch-size 400" in error.message and "--restart" in error.hint
    error = resume_mismatch(training, same, 4, "abc", "m/epoch-0001.pt")
    assert error is not None and "4 ranks" in error.message
    error = resume_mismatch(training, same, 2, "xyz", "m/epoch-0001.pt")
    assert error is not None and "--input-dir d" in error.message


@pytest.mark.slow
def test_a_checkpoint_written_by_0bd8f69_resumes_bitwise(pairs, tmp_path):
    """The training entry of 0bd8f69 (no state version) continues exactly as the run that wrote it."""
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    args = [*TINY, "--val-fraction", "0.34", "--epochs", "2"]
    done = run_landcover(*train_args(pairs, straight, *args))
    assert done.returncode == 0, done.stderr
    resumed.mkdir()
    shutil.copy(straight / "epoch-0001.pt", resumed / "epoch-0001.pt")
    entry = rewrite_as_0bd8f69(resumed / "epoch-0001.pt")
    assert "state_version" not in entry and set(entry["ranks"][0]) == {"random"}

    again = run_landcover(*train_args(pairs, resumed, *args))
    assert again.returncode == 0, again.stderr
    assert "epoch 1 of 2 done" in again.stdout and "extending" not in again.stdout
    for name in ("epoch-0002.pt", "trained.pt"):
        assert_same_weights(straight / name, resumed / name)
    assert_same_optimizer(straight / "epoch-0002.pt", resumed / "epoch-0002.pt")
    first, second = (torch.load(d / "epoch-0002.pt", weights_only=True)["training"] for d in (straight, resumed))
    assert first["metrics"][-1]["validation"] == second["metrics"][-1]["validation"]
    assert first["monitor"] == second["monitor"] and second["state_version"] == STATE_VERSION
