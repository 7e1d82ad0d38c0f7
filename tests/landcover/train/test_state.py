"""The typed training state: every layout an earlier release wrote reads into the current one; a newer is refused."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from landcover.io.errors import LandcoverError
from landcover.model.checkpoint import make_checkpoint, save_checkpoint
from landcover.model.unet import ModelConfig, TutorialUNet
from landcover.settings import TrainSettings
from landcover.train.schedule import Schedule
from landcover.train.state import STATE_VERSION, TrainingState
from tests.data.release_0_1 import options_0_1
from tests.data.release_0bd8f69 import training_0bd8f69
from tests.helpers import assert_one_line_error
from tests.helpers import landcover as run_landcover
from tests.landcover.train.conftest import train_args

ADDED_LATER = ("schedule", "dataset", "random", "ranks", "monitor", "stopped_early")
"""Keys of the entry that arrived after the first version of the loop: any of them may be missing."""


def _same(a: Any, b: Any) -> bool:
    """Deep equality of stored entries (tensors compared bitwise; tuples and lists alike)."""
    if torch.is_tensor(a) or torch.is_tensor(b):
        return torch.is_tensor(a) and torch.is_tensor(b) and torch.equal(a, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@st.composite
def old_entries(draw: st.DrawFn) -> dict[str, Any]:
    """An entry of any earlier layout: 0bd8f69's, with any of the later keys missing, at 0.1's settings or today's."""
    world_size = draw(st.integers(1, 4))
    options = {"epochs": draw(st.integers(1, 9)), "epoch_size": draw(st.integers(1, 64))}
    options |= {"batch_size": draw(st.integers(1, 8)), "lr": draw(st.sampled_from([2e-3, 2e-4, 1e-2]))}
    if draw(st.booleans()):  # landcover-runner 0.1: TrainOptions, no options_version, "seed" weights
        entry = training_0bd8f69(world_size=world_size, options=options_0_1(Path("."), Path("m"), **options))
        if draw(st.booleans()):  # before validation: no --monitor either
            entry["options"].pop("monitor")
        entry.pop("options_version")
    else:
        entry = training_0bd8f69(world_size=world_size, options=options)
    for key in draw(st.sets(st.sampled_from(ADDED_LATER))):
        entry.pop(key, None)
    return entry


@settings(max_examples=60, deadline=None)
@given(entry=old_entries())
def test_every_earlier_layout_reads_into_the_current_one(entry):
    state = TrainingState.read(entry, "m/epoch-0001.pt")
    assert state.state_version == STATE_VERSION and state.options_version == TrainSettings.FORMAT_VERSION
    assert state.epoch == entry["epoch"] and state.world_size == entry["world_size"]
    assert len(state.ranks) == state.world_size  # every rank has its part, rank 0's where none was stored
    if "ranks" not in entry:
        assert all(rank == state.ranks[0] for rank in state.ranks)
        assert (state.ranks[0].random is None) == ("random" not in entry)
    if "schedule" not in entry:  # rebuilt as the run that wrote it had it
        options = entry["options"]
        steps = max(1, math.ceil(options["epoch_size"] / (options["batch_size"] * entry["world_size"])))
        assert state.schedule == Schedule.fresh(0, options["epochs"], steps, options["lr"])
    else:
        assert state.schedule.to_dict() == entry["schedule"]
    assert state.stopped_early is bool(entry.get("stopped_early")) and state.dataset == entry.get("dataset")
    assert state.options.get("class_weights") != "seed"
    again = TrainingState.read(state.to_stored(), "m/epoch-0001.pt")
    assert _same(again.to_stored(), state.to_stored())  # the current layout is a fixed point


@given(version=st.integers(STATE_VERSION + 1, 10**6))
def test_a_newer_state_is_one_line_naming_the_file(version):
    with pytest.raises(LandcoverError) as raised:
        TrainingState.read({**training_0bd8f69(), "state_version": version}, "m/epoch-0003.pt")
    message = str(raised.value)
    assert message.startswith(f"m/epoch-0003.pt: training state version {version} is newer") and "\n" not in message
    assert "upgrade landcover-runner" in raised.value.hint


@pytest.mark.parametrize("missing", ["options", "world_size"])
def test_an_entry_without_its_settings_is_damaged(missing):
    entry = training_0bd8f69()
    entry.pop(missing)
    with pytest.raises(LandcoverError, match=f"m/epoch-0001.pt: damaged training state \\(no {missing}\\)"):
        TrainingState.read(entry, "m/epoch-0001.pt")


def test_landcover_train_refuses_a_newer_state_in_one_line(pairs, tmp_path):
    model_dir = tmp_path / "model"
    model = TutorialUNet(ModelConfig(normalisation="dataset", mean=(0.4,) * 4, std=(0.2,) * 4))
    training = {**training_0bd8f69(), "state_version": STATE_VERSION + 1}
    checkpoint = make_checkpoint(model, provenance={"kind": "trained"}, training=training)
    save_checkpoint(checkpoint, model_dir / "epoch-0001.pt")
    result = run_landcover(*train_args(pairs, model_dir, "--epoch-size", "4", "--batch-size", "2", "--threads", "1"))
    assert_one_line_error(result, f"{model_dir / 'epoch-0001.pt'}: training state version", "upgrade landcover-runner")
