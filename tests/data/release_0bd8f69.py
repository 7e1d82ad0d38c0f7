"""A frozen generator of the ``training`` entry that ``landcover train`` wrote up to main at 0bd8f69.

Frozen on purpose: the layout is written out literally here, none of it taken from today's code, so a test that
resumes from it checks today's upgrade path against what 0bd8f69 wrote, not against itself. At 0bd8f69
``Trainer.training_state`` returned a plain dictionary (no ``state_version``) and the caller added ``ranks``
(whole epochs: ``{"random": ...}`` per rank; part-way: ``{"random", "sampler", "sums"}`` per rank and a
``position``). ``random_state()`` held ``torch``, ``numpy`` and ``python`` (and ``cuda`` on a GPU only).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

NO_BEST = {"metric": "mean_iou", "best_epoch": None, "best_score": None, "best_accuracy": None}
"""A monitor with no validated epoch yet."""


def random_state_0bd8f69() -> dict[str, Any]:
    """This process's random generators as 0bd8f69's ``random_state()`` stored them (on a CPU)."""
    numpy_state = np.random.get_state(legacy=False)
    numpy_state["state"]["key"] = numpy_state["state"]["key"].tolist()
    return {"torch": torch.get_rng_state(), "numpy": json.dumps(numpy_state), "python": json.dumps(random.getstate())}


def training_0bd8f69(**changes: Any) -> dict[str, Any]:
    """A small entry of 0bd8f69's layout after one epoch of a one-rank run (``changes`` replace its keys)."""
    options = {"batch_size": 2, "epoch_size": 8, "lr": 2e-3, "epochs": 1, "monitor": "mean_iou", "input_dir": "d"}
    entry: dict[str, Any] = {
        "epoch": 1,
        "optimizer": {"state": {}, "param_groups": []},
        "metrics": [{"epoch": 1, "loss": 1.0, "pixel_error": 0.5, "samples_per_s": 1.0, "seconds": 8.0, "lr": 1e-3}],
        "options": {**options, **changes.pop("options", {})},
        "options_version": 3,
        "world_size": 1,
        "schedule": {
            "segments": [
                {
                    "first_epoch": 0,
                    "last_epoch": 1,
                    "steps_per_epoch": 4,
                    "peak": 2e-3,
                    "start_lr": None,
                    "planned_last_epoch": None,
                }
            ]
        },
        "dataset": "0123456789abcdef",
        "random": random_state_0bd8f69(),
        "monitor": {**NO_BEST, "since_best": 0},
        "stopped_early": False,
    }
    entry.update(changes)
    entry.setdefault("ranks", [{"random": entry["random"]}] * entry["world_size"])
    return entry


def rewrite_as_0bd8f69(path: Path) -> dict[str, Any]:
    """Rewrite the ``training`` entry of the checkpoint at ``path`` key by key into 0bd8f69's layout; return it.

    The values (weights, optimiser state, random states, sampler positions, sums) stay those the run wrote, so a
    resume from the rewritten file must continue exactly as from the original.
    """
    checkpoint = torch.load(path, weights_only=True)
    stored = checkpoint["training"]
    keys = ("epoch", "optimizer", "metrics", "options", "options_version", "world_size", "schedule", "dataset")
    entry = {key: stored[key] for key in keys}
    entry["random"] = _random_0bd8f69(stored["random"])
    entry["monitor"] = dict(stored["monitor"])
    entry["stopped_early"] = bool(stored["stopped_early"])
    if stored.get("position") is not None:
        entry["position"] = {key: stored["position"][key] for key in ("epoch", "step", "seconds")}
        entry["ranks"] = [
            {"random": _random_0bd8f69(rank["random"]), "sampler": rank["sampler"], "sums": rank["sums"]}
            for rank in stored["ranks"]
        ]
    else:
        entry["ranks"] = [{"random": _random_0bd8f69(rank["random"])} for rank in stored["ranks"]]
    checkpoint["training"] = entry
    torch.save(checkpoint, path)
    return entry


def _random_0bd8f69(state: dict[str, Any]) -> dict[str, Any]:
    """A random state as 0bd8f69 stored it: ``cuda`` only where there was a GPU."""
    kept = {key: state[key] for key in ("torch", "numpy", "python")}
    if state.get("cuda") is not None:
        kept["cuda"] = state["cuda"]
    return kept
