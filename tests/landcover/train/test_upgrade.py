"""Checkpoints written by landcover-runner 0.1 load, upgrade and resume (tests/data/release_0_1.py writes them)."""

from __future__ import annotations

import json

import pytest
import torch

from landcover.model.checkpoint import load_model, read_checkpoint
from landcover.settings import ClassWeights, TrainSettings
from landcover.train.state import STATE_VERSION, TrainingState
from tests.data.release_0_1 import write_epoch_checkpoint_0_1
from tests.helpers import assert_one_line_error
from tests.helpers import landcover as run_landcover

TINY = ["--epoch-size", "8", "--batch-size", "2", "--threads", "1"]


def test_a_0_1_checkpoint_loads_and_its_settings_upgrade(pairs, tmp_path):
    path = write_epoch_checkpoint_0_1(tmp_path / "epoch-0001.pt", pairs, tmp_path)
    assert load_model(path).config.normalisation == "dataset"
    training = read_checkpoint(path)["training"]
    assert "options_version" not in training and training["options"]["class_weights"] == "seed"

    upgraded = TrainingState.read(training, str(path))
    assert upgraded.state_version == STATE_VERSION and upgraded.options_version == TrainSettings.FORMAT_VERSION
    assert upgraded.options["class_weights"] == "tutorial"
    settings = TrainSettings.from_stored(upgraded.options, upgraded.options_version)
    assert settings.class_weights is ClassWeights.tutorial and settings.batch_size == 2
    assert len(upgraded.ranks) == 1 and upgraded.ranks[0].random == upgraded.random  # rank 0's torch state
    again = TrainingState.read(upgraded.to_stored(), str(path))  # the current version is left alone
    assert again.options == upgraded.options and again.schedule == upgraded.schedule


def test_settings_of_a_newer_format_are_refused(pairs, tmp_path):
    training = {
        "options": {"input_dir": str(pairs), "model_dir": str(tmp_path)},
        "options_version": 99,
        "world_size": 1,
    }
    with pytest.raises(Exception, match=r"m/epoch-0001\.pt: stored train settings have format 99, newer than"):
        TrainingState.read(training, "m/epoch-0001.pt")


@pytest.mark.slow
def test_training_resumes_from_a_0_1_checkpoint(pairs, tmp_path):
    model_dir = tmp_path / "model"
    write_epoch_checkpoint_0_1(model_dir / "epoch-0001.pt", pairs, model_dir)
    args = ["train", "--input-dir", str(pairs), "--model-dir", str(model_dir), *TINY, "--epochs", "2"]

    # 0.1 wrote all-1 class weights as "seed"; the run continues only with the same weights.
    refused = run_landcover(*args)
    assert_one_line_error(refused, "--class-weights balanced", "tutorial", "--restart")

    resumed = run_landcover(*args, "--class-weights", "seed")  # the old value name still works
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming from" in resumed.stdout and "epoch 1 of 2 done" in resumed.stdout
    assert "extending the run from 1 to 2 epochs" in resumed.stdout
    training = torch.load(model_dir / "epoch-0002.pt", weights_only=True)["training"]
    assert training["options_version"] == TrainSettings.FORMAT_VERSION
    assert training["options"]["class_weights"] == "tutorial" and training["options"]["threads"] == 1
    stored = json.loads((model_dir / "settings.json").read_text())
    assert stored["command"] == "train" and stored["format_version"] == TrainSettings.FORMAT_VERSION
    assert stored["settings"]["class_weights"] == "tutorial"
    lines = [json.loads(line) for line in (model_dir / "metrics.jsonl").read_text().splitlines()]
    assert [line["epoch"] for line in lines] == [1, 2]


def test_a_checkpoint_from_before_the_zoo_is_a_tutorial_unet(pairs, tmp_path):
    from tests.data.release_0_2 import write_epoch_checkpoint_0_2

    path = write_epoch_checkpoint_0_2(tmp_path / "epoch-0001.pt", pairs, tmp_path)
    model = load_model(path)
    assert type(model).__name__ == "TutorialUNet"
    upgraded = TrainingState.read(read_checkpoint(path)["training"], str(path)).options
    assert upgraded["model"] == "tutorial-unet" and upgraded["encoder"] is None
    assert upgraded["weights"] == "none" and upgraded["freeze_encoder_epochs"] == 0


@pytest.mark.slow
def test_training_resumes_from_a_checkpoint_from_before_the_zoo(pairs, tmp_path):
    from tests.data.release_0_2 import write_epoch_checkpoint_0_2

    model_dir = tmp_path / "model"
    write_epoch_checkpoint_0_2(model_dir / "epoch-0001.pt", pairs, model_dir)
    args = ["train", "--input-dir", str(pairs), "--model-dir", str(model_dir), *TINY, "--epochs", "2"]
    refused = run_landcover(*args, "--class-weights", "tutorial", "--model", "unet")
    assert_one_line_error(refused, "--model unet differs from tutorial-unet", "--restart")
    resumed = run_landcover(*args, "--class-weights", "tutorial")
    assert resumed.returncode == 0, resumed.stderr
    assert "epoch 1 of 2 done" in resumed.stdout
    training = torch.load(model_dir / "epoch-0002.pt", weights_only=True)
    assert training["format_version"] == 1 and training["model"]["architecture"] == "tutorial-unet"
    assert training["training"]["options"]["model"] == "tutorial-unet"
