"""Real training of the zoo's networks through every path: kill -9 and SIGTERM resume bitwise, two MPI ranks,
validation and best.pt, a frozen-encoder warm-up on a weights file, and every inference command with no flag."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest
import torch

from tests.helpers import landcover as run_landcover
from tests.helpers import mpi_landcover
from tests.landcover.train.conftest import (
    ENV,
    assert_bitwise_equal,
    assert_same_weights,
    assert_two_ranks_agree_and_resume,
    itself,
    kill_after_first_epoch,
    stop_part_way,
    train_args,
    weights,
)

MODELS = {
    "unet-resnet18": ["--model", "unet", "--encoder", "resnet18"],
    "segformer-mit_b0": ["--model", "segformer", "--encoder", "mit_b0"],
}
TINY = ["--epoch-size", "4", "--batch-size", "2", "--threads", "1"]
# 12 steps an epoch, 24 in all: one of the signals 1 to 9 s in lands part-way however fast a step is here
SINGLE = ["--epoch-size", "24", "--batch-size", "2", "--threads", "1", "--epochs", "2"]


@pytest.mark.slow
@pytest.mark.parametrize("model", list(MODELS))
def test_kill_9_resumes_bitwise_and_every_command_takes_the_result(pairs, tmp_path, model):
    straight = tmp_path / "straight"
    done = run_landcover(*train_args(pairs, straight, *MODELS[model], *TINY, "--epochs", "3"))
    assert done.returncode == 0, done.stderr

    killed = tmp_path / "killed"
    args = train_args(pairs, killed, *MODELS[model], *TINY, "--epochs", "3")
    kill_after_first_epoch(args, killed, subprocess.DEVNULL)
    assert not (killed / "trained.pt").exists()
    resumed = run_landcover(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming from" in resumed.stdout
    assert_same_weights(straight / "trained.pt", killed / "trained.pt")

    trained = killed / "trained.pt"
    spec = torch.load(trained, weights_only=True)["model"]
    assert (spec["architecture"], spec["encoder"]) == tuple(MODELS[model][1::2])
    image = pairs / "tile0_NAIP.tif"
    out = tmp_path / "out"
    for args in (
        ["score", str(trained), str(pairs)],
        ["evaluate", "--input-filename", str(image), "--model-filename", str(trained), "--output-dir", str(out)],
        ["predict", "--scenes", str(pairs), "--model-filename", str(trained), "--output-dir", str(tmp_path / "maps")],
        ["export", str(trained), str(tmp_path / "m.onnx"), "--check-image", str(image)],
    ):
        result = run_landcover(*args)
        assert result.returncode == 0, (args, result.stderr)
    agreement = re.search(r"same class on ([\d.]+) %", result.stdout)
    assert agreement is not None and float(agreement[1]) >= 99.9, result.stdout

    # --init-from takes the architecture from the checkpoint: no --model needed.
    tuned = run_landcover(*train_args(pairs, tmp_path / "tuned", *TINY, "--epochs", "1", "--init-from", str(trained)))
    assert tuned.returncode == 0, tuned.stderr
    assert (
        torch.load(tmp_path / "tuned" / "trained.pt", weights_only=True)["model"]["architecture"]
        == spec["architecture"]
    )


@pytest.mark.slow
def test_sigterm_mid_epoch_resumes_bitwise(pairs, tmp_path):
    straight = tmp_path / "straight"
    done = run_landcover(*train_args(pairs, straight, *MODELS["unet-resnet18"], *SINGLE))
    assert done.returncode == 0, done.stderr
    model_dir = tmp_path / "model"
    command = [sys.executable, "-m", "landcover", *train_args(pairs, model_dir, *MODELS["unet-resnet18"], *SINGLE)]
    stop_part_way(command, model_dir, itself, signal.SIGTERM)
    resumed = subprocess.run(command, capture_output=True, text=True, env=ENV)
    assert resumed.returncode == 0, resumed.stderr
    assert re.search(r"\d+ steps? into epoch", resumed.stdout), resumed.stdout
    assert_bitwise_equal(straight, model_dir)


@pytest.mark.slow
def test_two_ranks_hold_equal_weights_and_resume(pairs, tmp_path):
    model_dir = tmp_path / "model"
    command = mpi_landcover(2, *train_args(pairs, model_dir, *MODELS["unet-resnet18"], *TINY, "--epochs", "1"))
    assert_two_ranks_agree_and_resume(command, model_dir, 64)


@pytest.mark.slow
def test_validation_best_and_a_frozen_encoder_warm_up_from_a_weights_file(pairs, tmp_path):
    import segmentation_models_pytorch as smp

    from landcover.model.pretrained import adapt_first_conv

    torch.manual_seed(3)
    state = smp.encoders.get_encoder("resnet18", in_channels=3).state_dict()
    torch.save(state, tmp_path / "resnet18.pth")
    model_dir = tmp_path / "model"
    args = train_args(pairs, model_dir, *MODELS["unet-resnet18"], *TINY, "--epochs", "2", "--val-fraction", "0.34")
    result = run_landcover(*args, "--weights", str(tmp_path / "resnet18.pth"), "--freeze-encoder-epochs", "1")
    assert result.returncode == 0, result.stderr
    assert "adapted from RGB to 4 bands: conv1.weight" in result.stdout
    assert (model_dir / "best.pt").is_file() and "validation" in result.stdout
    first, second = weights(model_dir / "epoch-0001.pt"), weights(model_dir / "epoch-0002.pt")
    # Epoch 1: the encoder held (its BatchNorm statistics still follow the data); epoch 2: it trains.
    torch.testing.assert_close(first["net.encoder.conv1.weight"], adapt_first_conv(state["conv1.weight"], 4))
    assert torch.equal(first["net.encoder.layer4.1.conv2.weight"], state["layer4.1.conv2.weight"])
    assert not torch.equal(second["net.encoder.layer4.1.conv2.weight"], state["layer4.1.conv2.weight"])
    stored = torch.load(model_dir / "trained.pt", weights_only=True)["model"]
    assert stored["weights"] == str(tmp_path / "resnet18.pth") and stored["mean"][:3] == [0.485, 0.456, 0.406]
