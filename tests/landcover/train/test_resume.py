"""Exact resume: a killed run continues bitwise; extensions are explicit; changed settings are refused."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from landcover.train.resume import resume_mismatch
from landcover.train.state import TrainingState
from tests.data.fixtures import write_pair
from tests.data.release_0bd8f69 import training_0bd8f69
from tests.helpers import assert_one_line_error, mpi_landcover
from tests.helpers import landcover as run_landcover

TINY = ["--epoch-size", "8", "--batch-size", "2", "--threads", "1"]


@pytest.fixture(scope="module")
def pairs(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("pairs")
    for index in range(3):
        write_pair(data, f"tile{index}", size=(160, 160), seed=index, origin=(700_000.0 + 200 * index, 4_100_000.0))
    return data


def _train_args(data: Path, model_dir: Path, *extra: str) -> list[str]:
    return ["train", "--input-dir", str(data), "--model-dir", str(model_dir), *TINY, *extra]


def _assert_same_training_state(a: Path, b: Path) -> None:
    first, second = (torch.load(p, weights_only=True) for p in (a, b))
    for name, tensor in first["state_dict"].items():
        assert torch.equal(tensor, second["state_dict"][name]), name
    for key, state in first["training"]["optimizer"]["state"].items():
        for name, value in state.items():
            assert torch.equal(value, second["training"]["optimizer"]["state"][key][name]), (key, name)


@pytest.mark.slow
def test_run_killed_after_epoch_one_resumes_bitwise(pairs, tmp_path):
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    validated = ["--val-fraction", "0.34", "--epochs", "2"]  # one of the three pairs held out: best.pt kept
    uninterrupted = run_landcover(*_train_args(pairs, straight, *validated))
    assert uninterrupted.returncode == 0, uninterrupted.stderr

    command = [sys.executable, "-m", "landcover", *_train_args(pairs, killed, *validated)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (killed / "epoch-0001.pt").exists() and time.time() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert (killed / "epoch-0001.pt").exists()
    for late in ("epoch-0002.pt", "trained.pt"):  # the kill came after epoch 2 ended: the same state as before it
        (killed / late).unlink(missing_ok=True)

    resumed = run_landcover(*_train_args(pairs, killed, *validated))
    assert resumed.returncode == 0, resumed.stderr
    assert "epoch 1 of 2 done" in resumed.stdout and "extending" not in resumed.stdout
    _assert_same_training_state(straight / "epoch-0002.pt", killed / "epoch-0002.pt")
    straight_final = torch.load(straight / "trained.pt", weights_only=True)["state_dict"]
    killed_final = torch.load(killed / "trained.pt", weights_only=True)["state_dict"]
    assert all(torch.equal(straight_final[name], killed_final[name]) for name in straight_final)
    straight_best, killed_best = (torch.load(d / "best.pt", weights_only=True) for d in (straight, killed))
    assert straight_best["provenance"]["epoch"] == killed_best["provenance"]["epoch"]
    assert all(torch.equal(straight_best["state_dict"][k], killed_best["state_dict"][k]) for k in straight_final)
    assert [json.loads(line) for line in (straight / "metrics.jsonl").read_text().splitlines()][-1]["validation"] == [
        json.loads(line) for line in (killed / "metrics.jsonl").read_text().splitlines()
    ][-1]["validation"]


@pytest.mark.slow
def test_changed_settings_are_refused_and_restart_starts_a_fresh_schedule(pairs, tmp_path):
    model_dir = tmp_path / "model"
    first = run_landcover(*_train_args(pairs, model_dir, "--epochs", "1"))
    assert first.returncode == 0, first.stderr

    changed_batch = run_landcover(*_train_args(pairs, model_dir, "--epochs", "2", "--batch-size", "4"))
    assert_one_line_error(changed_batch, "--batch-size 4", "--batch-size 2", "--restart")

    other_data = tmp_path / "other"
    shutil.copytree(pairs, other_data)
    write_pair(other_data, "extra", size=(160, 160), seed=9)
    changed_data = run_landcover(*_train_args(other_data, model_dir, "--epochs", "2"))
    assert_one_line_error(changed_data, "--input-dir", "--restart")

    two_ranks = subprocess.run(
        mpi_landcover(2, *_train_args(pairs, model_dir, "--epochs", "2")), capture_output=True, text=True, timeout=600
    )
    assert two_ranks.returncode != 0
    assert "this run has 2 ranks" in two_ranks.stderr and "--restart" in two_ranks.stderr
    assert "Traceback" not in two_ranks.stderr
    assert not (model_dir / "epoch-0002.pt").exists()

    restarted = run_landcover(*_train_args(pairs, model_dir, "--epochs", "2", "--batch-size", "4", "--restart"))
    assert restarted.returncode == 0, restarted.stderr
    assert "restarting from" in restarted.stdout
    training = torch.load(model_dir / "epoch-0002.pt", weights_only=True)["training"]
    assert training["options"]["batch_size"] == 4
    assert [s["first_epoch"] for s in training["schedule"]["segments"]] == [1]

    # Rerunning the same --restart command resumes the restarted run (nothing left to do) instead of restarting.
    again = run_landcover(*_train_args(pairs, model_dir, "--epochs", "2", "--batch-size", "4", "--restart"))
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
