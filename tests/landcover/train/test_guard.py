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
