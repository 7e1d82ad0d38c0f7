"""A frozen generator of the checkpoints written before the model zoo (settings format 2, checkpoint format 1).

Built on :mod:`tests.data.release_0_1` with literal changes, none of them taken from today's code: the settings
are ``TrainSettings`` format 2 (``threads`` stored, ``class_weights`` ``tutorial``, ``options_version`` 2) and the
checkpoint has no ``model`` entry (the tutorial's U-Net was the only network).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from tests.data.release_0_1 import write_epoch_checkpoint_0_1


def write_epoch_checkpoint_0_2(path: Path, input_dir: Path, model_dir: Path, **option_changes: Any) -> Path:
    """Write ``epoch-0001.pt`` as ``landcover train`` wrote it before the zoo (one rank, CPU)."""
    write_epoch_checkpoint_0_1(path, input_dir, model_dir)
    checkpoint = torch.load(path, weights_only=True)
    options = dict(checkpoint["training"]["options"])
    options.update(class_weights="tutorial", threads=1, **option_changes)
    checkpoint["training"]["options"] = options
    checkpoint["training"]["options_version"] = 2
    assert "model" not in checkpoint and checkpoint["format_version"] == 1
    torch.save(checkpoint, path)
    return path
