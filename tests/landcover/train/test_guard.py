"""--model-dir before any work (issue 21 items 1, 2, 6): another run's results, the lock, a diverged loss."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from landcover.data.shard import Shard
from landcover.io.errors import LandcoverError
from landcover.train.guard import ModelDirLock, check_model_dir
from landcover.train.loop import check_finite_loss, dataset_statistics


def test_results_without_checkpoints_need_force(tmp_path: Path) -> None:
    (tmp_path / "trained.pt").write_bytes(b"x")
    with pytest.raises(LandcoverError, match=r"holds trained\.pt of another run"):
        check_model_dir(tmp_path, force=False)
    check_model_dir(tmp_path, force=True)
    (tmp_path / "epoch-0001.pt").write_bytes(b"x")  # a run to resume: its own trained.pt is replaced
    check_model_dir(tmp_path, force=False)


def test_a_second_run_is_told_who_holds_the_folder_and_the_lock_goes_with_the_run(tmp_path: Path) -> None:
    first = ModelDirLock(tmp_path / "models").acquire()
    with pytest.raises(LandcoverError, match=r"in use by landcover train pid \d+ on .* since "):
        ModelDirLock(tmp_path / "models").acquire()
    first.release()
    ModelDirLock(tmp_path / "models").acquire().release()


@pytest.mark.parametrize("loss", [float("nan"), float("inf")])
def test_a_non_finite_loss_stops_with_the_last_good_checkpoint_named(tmp_path: Path, loss: float) -> None:
    with pytest.raises(LandcoverError, match=r"diverged in epoch 3.*--lr 1e\+30.*epoch-0002.pt is the last good"):
        check_finite_loss(loss, 3, 1e30, tmp_path, 0)
    with pytest.raises(LandcoverError, match="no checkpoint of this run was written"):
        check_finite_loss(loss, 1, 1e30, tmp_path, 0)
    check_finite_loss(0.5, 1, 1e30, tmp_path, 0)


def test_normalisation_statistics_leave_nodata_out() -> None:
    image = np.full((4, 10, 10), 100, dtype=np.uint8)
    image[:, :5] = 0  # nodata
    valid = np.ones((10, 10), dtype=bool)
    valid[:5] = False
    labels = np.ones((10, 10), dtype=np.uint8)
    mean, std = dataset_statistics(Shard(["a"], [image], [labels], [valid]), torch.device("cpu"))
    assert mean == pytest.approx([100 / 255] * 4)
    assert std == pytest.approx([1e-4] * 4, abs=1e-3)


@pytest.mark.slow
def test_a_diverged_run_stops_in_one_line_and_writes_no_model(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from landcover.cli import app
    from tests.data.fixtures import write_pairs

    pairs = write_pairs(tmp_path / "pairs", 2)
    args = ["train", "--input-dir", str(pairs), "--model-dir", str(tmp_path / "m"), "--lr", "1e30"]
    result = CliRunner().invoke(app, [*args, "--epoch-size", "4", "--batch-size", "2", "--precision", "fp32"])
    assert result.exit_code == 2, result.output
    assert "training diverged in epoch 1" in result.output and "lower --lr" in result.output
    assert not (tmp_path / "m" / "trained.pt").exists() and not list((tmp_path / "m").glob("epoch-*.pt"))


def test_a_batch_whose_activations_exceed_free_memory_is_refused_before_training() -> None:
    from landcover.train.guard import activation_bytes_per_crop, check_batch_memory

    per_crop = activation_bytes_per_crop()
    assert 100 * 2**20 < per_crop < 200 * 2**20  # the tutorial U-Net's conv and BatchNorm outputs, bf16
    check_batch_memory(10, 1, 64 * 2**30)
    with pytest.raises(LandcoverError, match=r"--batch-size 100: .* over the 1\.0 GiB free .* 2 rank"):
        check_batch_memory(100, 2, 2 * 2**30)


@pytest.mark.parametrize(
    ("architecture", "encoder"), [("unet", "resnet18"), ("segformer", "mit_b0"), ("deeplabv3plus", "resnet18")]
)
def test_the_memory_guard_counts_each_zoo_networks_own_activations(architecture: str, encoder: str) -> None:
    """A zoo network is no tutorial U-Net: its own layers' outputs decide the largest batch that fits."""
    from landcover.model.registry import ModelSpec
    from landcover.train.guard import activation_bytes_per_crop, check_batch_memory

    spec = ModelSpec(architecture=architecture, encoder=encoder)
    per_crop = activation_bytes_per_crop(spec)
    assert 10 * 2**20 < per_crop < activation_bytes_per_crop()  # these downsample early: fewer bytes per crop
    fits = int(2**30 // per_crop)
    check_batch_memory(fits, 1, 2**30, spec)
    with pytest.raises(LandcoverError, match=rf"--batch-size {fits + 1}: .*give --batch-size {fits} or less"):
        check_batch_memory(fits + 1, 1, 2**30, spec)
