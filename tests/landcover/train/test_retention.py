"""Checkpoint retention: a long run keeps the newest --keep-checkpoints epoch checkpoints, best.pt and trained.pt."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from landcover.train.resume import checkpoint_path, prune_checkpoints
from tests.data.fixtures import write_pair
from tests.helpers import landcover

TINY = ["--epoch-size", "2", "--batch-size", "1", "--threads", "1"]


def test_prune_keeps_the_newest_whole_epochs_and_leaves_other_files(tmp_path: Path) -> None:
    for epoch in range(1, 13):
        checkpoint_path(tmp_path, epoch).write_bytes(b"x")
    checkpoint_path(tmp_path, 13, 5).write_bytes(b"part-way")
    for name in ("best.pt", "trained.pt", "notes.txt"):
        (tmp_path / name).write_bytes(b"keep")
    removed = prune_checkpoints(tmp_path, 3)
    assert sorted(p.name for p in removed) == [f"epoch-{e:04d}.pt" for e in range(1, 10)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "best.pt",
        "epoch-0010.pt",
        "epoch-0011.pt",
        "epoch-0012.pt",
        "epoch-0013-step-000005.pt",
        "notes.txt",
        "trained.pt",
    ]


@pytest.mark.slow
def test_a_long_run_keeps_the_last_checkpoints_and_resumes_from_the_newest(tmp_path: Path) -> None:
    data, held_out = tmp_path / "pairs", tmp_path / "held-out"
    for index in range(2):
        write_pair(data, f"t{index}", size=(160, 160), seed=index, origin=(700_000.0 + 200 * index, 4_100_000.0))
    write_pair(held_out, "v0", size=(160, 160), seed=7, origin=(701_000.0, 4_100_000.0))
    model_dir = tmp_path / "model"
    args = ["train", "--input-dir", str(data), "--model-dir", str(model_dir), *TINY, "--val-dir", str(held_out)]
    first = landcover(*args, "--epochs", "6", "--keep-checkpoints", "2")
    assert first.returncode == 0, first.stderr
    kept = sorted(p.name for p in model_dir.glob("*.pt"))
    assert kept == ["best.pt", "epoch-0005.pt", "epoch-0006.pt", "trained.pt"]
    second = landcover(*args, "--epochs", "7", "--keep-checkpoints", "2")
    assert second.returncode == 0, second.stderr
    assert "epoch 7/7" in second.stdout + second.stderr and "epoch 1/" not in second.stdout
    assert sorted(p.name for p in model_dir.glob("epoch-*.pt")) == ["epoch-0006.pt", "epoch-0007.pt"]
    assert torch.load(model_dir / "epoch-0007.pt", weights_only=True)["training"]["epoch"] == 7
