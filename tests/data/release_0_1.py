"""A frozen generator of the checkpoints landcover-runner 0.1 wrote (``landcover train`` at 851cee8).

Frozen on purpose: everything is written out literally here, none of it taken from today's code, so a test that
loads or resumes from these files checks today's upgrade path against the 0.1 layout, not against itself.
In 0.1 the ``training`` entry held ``options``, the ``TrainOptions`` dataclass as a dictionary (no version;
``class_weights`` ``seed`` for all-1 weights) and no ``options_version``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import rasterio
import torch

from landcover.model.unet import ModelConfig, TutorialUNet

CLASS_NAMES_0_1 = ["unknown", "water", "trees", "herbaceous", "barren/impervious"]
CLASS_COLOURS_0_1 = [[0, 0, 0], [0, 0, 255], [0, 128, 0], [128, 255, 128], [128, 96, 96]]


def dataset_fingerprint_0_1(pairs_dir: Path) -> str:
    """0.1's fingerprint of the training pairs: names, pixel sizes and file sizes, in name order."""
    digest = hashlib.sha256()
    for image in sorted(pairs_dir.glob("*_NAIP.tif")):
        name = image.name[: -len("_NAIP.tif")]
        labels = image.with_name(f"{name}_LandCover.tif")
        with rasterio.open(image) as src:
            size = f"{src.width}x{src.height}"
        digest.update(f"{name}:{size}:{image.stat().st_size}:{labels.stat().st_size};".encode())
    return digest.hexdigest()[:16]


def options_0_1(input_dir: Path, model_dir: Path, **changes: Any) -> dict[str, Any]:
    """``asdict(TrainOptions(...))`` as 0.1's ``landcover train`` filled it on a CPU."""
    options: dict[str, Any] = {
        "input_dir": str(input_dir),
        "model_dir": str(model_dir),
        "epochs": 1,
        "epoch_size": 8,
        "batch_size": 2,
        "lr": 2e-3,
        "weight_decay": 1e-4,
        "class_weights": "seed",
        "init_from": None,
        "seed": 0,
        "precision": "auto",
        "memory_budget_gb": 1.5,
        "restart": False,
        "compile": False,
        "val_dir": None,
        "val_fraction": 0.0,
        "monitor": "mean_iou",
        "early_stop": None,
    }
    options.update(changes)
    return options


def write_epoch_checkpoint_0_1(path: Path, input_dir: Path, model_dir: Path, **option_changes: Any) -> Path:
    """Write ``epoch-0001.pt`` as 0.1 wrote it after the first epoch of a one-rank CPU run on ``input_dir``.

    The weights and the optimiser state come from one real AdamW step, seeded.
    """
    options = options_0_1(input_dir, model_dir, **option_changes)
    torch.manual_seed(options["seed"])
    model = TutorialUNet(ModelConfig(normalisation="dataset", mean=(0.4, 0.4, 0.4, 0.4), std=(0.2, 0.2, 0.2, 0.2)))
    optimizer = torch.optim.AdamW(model.parameters(), lr=options["lr"], weight_decay=options["weight_decay"])
    crops = torch.rand(options["batch_size"], 4, 256, 256)
    labels = torch.randint(1, 5, (options["batch_size"], 256, 256))
    loss = torch.nn.functional.cross_entropy(model(crops), labels, ignore_index=0)
    loss.backward()
    optimizer.step()
    steps = max(1, -(-options["epoch_size"] // options["batch_size"]))
    config = {
        "in_channels": 4,
        "num_classes": 5,
        "widths": [64, 32, 32, 32],
        "blocks_per_stage": 2,
        "normalisation": "dataset",
        "mean": [0.4, 0.4, 0.4, 0.4],
        "std": [0.2, 0.2, 0.2, 0.2],
    }
    training = {
        "epoch": 1,
        "optimizer": optimizer.state_dict(),
        "metrics": [
            {"epoch": 1, "loss": loss.item(), "pixel_error": 0.8, "samples_per_s": 1.0, "seconds": 8.0, "lr": 1e-3}
        ],
        "options": options,
        "world_size": 1,
        "schedule": {
            "segments": [
                {
                    "first_epoch": 0,
                    "last_epoch": options["epochs"],
                    "steps_per_epoch": steps,
                    "peak": options["lr"],
                    "start_lr": None,
                    "planned_last_epoch": None,
                }
            ]
        },
        "dataset": dataset_fingerprint_0_1(input_dir),
        "random": {"torch": torch.get_rng_state()},
        "monitor": {
            "metric": "mean_iou",
            "best_epoch": None,
            "best_score": None,
            "best_accuracy": None,
            "since_best": 0,
        },
        "stopped_early": False,
    }
    checkpoint = {
        "format": "landcover-runner/checkpoint",
        "format_version": 1,
        "config": config,
        "classes": CLASS_NAMES_0_1,
        "colours": CLASS_COLOURS_0_1,
        "label_map": [0, 1, 2, 3, 4, 4, 4],
        "provenance": {
            "kind": "trained",
            "input_dir": str(input_dir),
            "init_from": None,
            "world_size": 1,
            "created": dt.datetime(2026, 11, 30, tzinfo=dt.UTC).isoformat(timespec="seconds"),
        },
        "state_dict": {key: value.detach().clone() for key, value in model.state_dict().items()},
        "training": training,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(checkpoint, path)
    return path
