"""``--compile`` on the CPU for a zoo network: torch.compile (Inductor, C++ kernels) trains, resumes and hands
every inference command a checkpoint of the plain network."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

import landcover
from tests.data.fixtures import write_pair
from tests.helpers import landcover as run_landcover

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("g++") is None and shutil.which("c++") is None, reason="Inductor needs a C++ compiler"
    ),
]


def test_a_compiled_zoo_network_trains_resumes_and_loads_uncompiled(tmp_path: Path) -> None:
    data = tmp_path / "pairs"
    data.mkdir()
    write_pair(data, "tile", size=(160, 160), seed=3)
    model_dir = tmp_path / "m"
    args = ["train", "--input-dir", str(data), "--model-dir", str(model_dir), "--model", "unet"]
    args += ["--encoder", "resnet18", "--epoch-size", "4", "--batch-size", "2", "--threads", "2", "--compile"]
    first = run_landcover(*args, "--epochs", "1")
    assert first.returncode == 0, first.stderr
    assert "torch.compile: first step" in first.stdout + first.stderr
    resumed = run_landcover(*args, "--epochs", "2")  # a compiled run resumes from its epoch checkpoint
    assert resumed.returncode == 0, resumed.stderr
    model = landcover.load_model(model_dir / "trained.pt")  # the plain network's weights: no "_orig_mod." keys
    assert not any("_orig_mod" in key for key in torch.load(model_dir / "trained.pt", weights_only=True)["state_dict"])
    with torch.no_grad():
        scores = model(torch.rand(1, 4, 96, 96))
    assert scores.shape == (1, 5, 96, 96) and torch.isfinite(scores).all()
