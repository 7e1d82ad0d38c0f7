"""Validation while training: figures equal `landcover score`, best.pt, early stopping (real runs, 2 MPI ranks)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from landcover.data.pairs import ImagePair
from landcover.train.validation import Monitor, hold_out
from tests.data.fixtures import write_pair
from tests.helpers import assert_one_line_error, mpi_landcover
from tests.helpers import landcover as run_landcover

TINY = ["--epoch-size", "8", "--batch-size", "2", "--threads", "1"]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("validation")
    for index in range(3):
        write_pair(root / "train", f"t{index}", seed=index, origin=(700_000.0 + 200 * index, 4_100_000.0))
    for index in range(2):
        write_pair(root / "val", f"v{index}", seed=10 + index, origin=(701_000.0 + 200 * index, 4_100_000.0))
    return root / "train", root / "val"


def _lines(model_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (model_dir / "metrics.jsonl").read_text().splitlines()]


def _state(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, weights_only=True)["state_dict"]


@pytest.mark.slow
def test_destructive_fine_tune_keeps_the_starting_model_and_stops_early(data, tmp_path):
    train, val = data
    base_dir = tmp_path / "base"
    base = run_landcover("train", "--input-dir", str(train), "--model-dir", str(base_dir), *TINY, "--epochs", "2")
    assert base.returncode == 0, base.stderr
    start = base_dir / "trained.pt"

    tune_dir = tmp_path / "tune"
    command = mpi_landcover(
        2, "train", "--input-dir", str(train), "--model-dir", str(tune_dir), *TINY, "--epochs", "3",
        "--init-from", str(start), "--lr", "5", "--val-dir", str(val), "--early-stop", "1",
    )  # fmt: skip
    tuned = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert tuned.returncode == 0, tuned.stdout + tuned.stderr
    assert "early stop" in tuned.stdout

    lines = _lines(tune_dir)
    assert [line["epoch"] for line in lines] == [0, 1]  # epoch 0 validated; stopped after epoch 1 of 3
    scored = run_landcover("score", str(start), str(val), "--json")
    assert scored.returncode == 0, scored.stderr
    expected = json.loads(scored.stdout)
    epoch0 = lines[0]["validation"]
    assert epoch0["confusion_matrix"] == expected["confusion_matrix"]  # both ranks' pairs, summed
    assert epoch0["pixel_accuracy"] == expected["pixel_accuracy"]
    assert epoch0["per_class"] == expected["per_class"]

    assert torch.load(tune_dir / "best.pt", weights_only=True)["provenance"]["epoch"] == 0
    best, original = _state(tune_dir / "best.pt"), _state(start)
    assert all(torch.equal(best[name], original[name]) for name in original)
    assert not (tune_dir / "epoch-0002.pt").exists()

    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "stopped early at epoch 1" in again.stdout and "epoch 2/3" not in again.stdout
    assert not (tune_dir / "epoch-0002.pt").exists()


def test_validation_options_are_checked(data, tmp_path):
    train, val = data
    both = run_landcover(
        "train", "--input-dir", str(train), "--model-dir", str(tmp_path), "--val-dir", str(val), "--val-fraction", "0.3"
    )
    assert_one_line_error(both, "--val-dir", "--val-fraction")
    no_validation = run_landcover("train", "--input-dir", str(train), "--model-dir", str(tmp_path), "--early-stop", "2")
    assert_one_line_error(no_validation, "--early-stop", "--val-dir")
    missing = run_landcover(
        "train", "--input-dir", str(train), "--model-dir", str(tmp_path), "--val-dir", str(tmp_path / "nope")
    )
    assert_one_line_error(missing, "nope", "--val-dir")


def test_hold_out_takes_whole_pairs_by_seed():
    pairs = [ImagePair(f"p{i}", Path(f"p{i}_NAIP.tif"), Path(f"p{i}_LandCover.tif")) for i in range(10)]
    training, validation = hold_out(pairs, 0.2, seed=0)
    assert len(validation) == 2 and len(training) == 8
    assert not {p.name for p in training} & {p.name for p in validation}
    assert hold_out(pairs, 0.2, seed=0) == (training, validation)


def test_monitor_prefers_the_score_then_accuracy_and_counts_epochs_without_improvement():
    monitor = Monitor("mean_iou")
    assert monitor.update(0, {"mean_iou": 0.5, "pixel_accuracy": 0.8})
    assert not monitor.update(1, {"mean_iou": 0.5, "pixel_accuracy": 0.7})
    assert monitor.update(2, {"mean_iou": 0.5, "pixel_accuracy": 0.9})
    assert not monitor.update(3, {"mean_iou": float(np.nan), "pixel_accuracy": 0.95})
    assert not monitor.update(4, {"mean_iou": None, "pixel_accuracy": 0.95})
    assert monitor.best_epoch == 2 and monitor.since_best == 2
    loss = Monitor("loss")
    assert loss.update(0, {"loss": 1.0, "pixel_accuracy": 0.5}) and loss.update(1, {"loss": 0.5, "pixel_accuracy": 0.4})
