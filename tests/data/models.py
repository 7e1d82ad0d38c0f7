"""Seeded model checkpoints for tests (fresh weights: no training needed to test plumbing)."""

from __future__ import annotations

from pathlib import Path

import torch

from landcover.model.checkpoint import make_checkpoint, save_checkpoint
from landcover.model.unet import ModelConfig, TutorialUNet


def fresh_checkpoint(path: Path, seed: int = 0, **config: object) -> Path:
    """Write a checkpoint of a freshly initialised model (``dataset`` normalisation unless told)."""
    torch.manual_seed(seed)
    defaults: dict[str, object] = {"mean": (0.35, 0.4, 0.3, 0.45), "std": (0.15, 0.15, 0.1, 0.15)}
    model = TutorialUNet(ModelConfig(**{**defaults, **config}))  # type: ignore[arg-type]
    # Perturb BatchNorm statistics so that the fresh network is not near-degenerate.
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_var.uniform_(0.5, 2.0)
                module.running_mean.normal_(0, 0.1)
    return save_checkpoint(make_checkpoint(model, provenance={"kind": "test"}), path)
