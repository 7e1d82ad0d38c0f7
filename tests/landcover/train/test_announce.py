"""A rerun of a finished `landcover train` says there is nothing to train and how to train more."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landcover.train.announce import nothing_to_train
from landcover.train.resume import Resume
from landcover.train.state import TrainingState
from tests.data.fixtures import write_pair
from tests.data.release_0bd8f69 import training_0bd8f69
from tests.helpers import landcover

TINY = ["--epoch-size", "4", "--batch-size", "2", "--threads", "1"]


@given(
    done=st.integers(0, 50),
    epochs=st.integers(1, 50),
    stopped=st.booleans(),
    fresh=st.booleans(),
    new_run=st.booleans(),
)
def test_idle_exactly_when_no_epoch_would_run(done, epochs, stopped, fresh, new_run):
    state = {**training_0bd8f69(epoch=done), "stopped_early": stopped}
    resume = None if new_run else Resume("m/epoch-0003.pt", {}, TrainingState.read(state, "m/epoch-0003.pt"))
    line = nothing_to_train(0 if new_run else done, epochs, resume, fresh or new_run)
    trains = new_run or fresh or (not stopped and done < epochs)
    assert (line is None) == trains
    if line is not None:
        assert line.startswith("nothing to train: m/epoch-0003.pt")
        assert f"--epochs {done + 1} or more" in line  # how to train on


@pytest.mark.slow
def test_rerunning_a_finished_run_says_nothing_to_train(tmp_path):
    data = tmp_path / "pairs"
    for index in range(2):
        write_pair(data, f"tile{index}", size=(160, 160), seed=index, origin=(700_000.0 + 200 * index, 4_100_000.0))
    args = ["train", "--input-dir", str(data), "--model-dir", str(tmp_path / "m"), *TINY, "--epochs", "1"]
    assert landcover(*args).returncode == 0
    again = landcover(*args)
    assert again.returncode == 0, again.stderr
    assert "nothing to train:" in again.stdout and "--epochs 2 or more extends the run" in again.stdout
    assert "training 1 epoch" not in again.stdout and "epoch 1/1: loss" not in again.stdout
    assert Path(tmp_path / "m" / "trained.pt").is_file()
