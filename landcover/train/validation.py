"""Validation while training: held-out pairs, scored each epoch as ``landcover score`` scores them.

Validation pairs come from ``--val-dir`` or are whole pairs held out of ``--input-dir`` (``--val-fraction``,
chosen by --seed; never cropped for training). Every epoch, and once before the first step (epoch 0), each
rank scores its share of them with the protocol of ``landcover score`` (each whole image through the model in
fp32, the centre inside the 64-px margin scored, unknown truth excluded) and the confusion matrices and the
loss are summed over ranks, so the figures equal ``landcover score`` on the same pairs. The mean IoU is taken
over the classes present in the validation labels.

The best epoch by ``--monitor`` (mean IoU by default, ties broken by pixel accuracy) is kept as ``best.pt``;
``--early-stop N`` ends a run whose monitored score has not improved for N epochs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from clibase.text import counted
from landcover.constants import CLASS_NAMES, MARGIN, UNKNOWN
from landcover.data.pairs import ImagePair, read_pair
from landcover.io.errors import LandcoverError
from landcover.metrics import check_scorable, pair_confusion, summarise
from landcover.model.apply import whole_image_scores
from landcover.model.build import Network, fresh_copy
from landcover.parallel.collectives import all_reduce_sum
from landcover.parallel.world import World

MONITORS = {"mean_iou": "higher", "pixel_accuracy": "higher", "loss": "lower"}
"""What ``--monitor`` may watch, and which way is better."""


def hold_out(pairs: list[ImagePair], fraction: float, seed: int) -> tuple[list[ImagePair], list[ImagePair]]:
    """Split whole pairs into (training, validation): ``fraction`` of them (at least one) chosen by ``seed``.

    Raises:
        LandcoverError: Too few pairs to keep one for training.
    """
    count = max(1, round(fraction * len(pairs)))
    if count >= len(pairs):
        raise LandcoverError(
            f"--val-fraction {fraction} holds out {count} of the {counted(len(pairs), 'pair')}, "
            "leaving none to train on",
            "lower --val-fraction, or give --val-dir",
        )
    chosen = set(np.random.default_rng([seed, len(pairs)]).choice(len(pairs), size=count, replace=False).tolist())
    training = [p for i, p in enumerate(pairs) if i not in chosen]
    validation = [p for i, p in enumerate(pairs) if i in chosen]
    return training, validation


class Validator:
    """One rank's share of the validation pairs, in memory, and the scoring of a model on all of them."""

    def __init__(self, pairs: list[ImagePair], world: World) -> None:
        """Read this rank's share (round-robin) of the pairs.

        Args:
            pairs: All validation pairs (every rank gets the same list).
            world: This process's place in the job.

        Raises:
            LandcoverError: A pair that cannot be read, or too small to leave anything inside the margin.
        """
        self.names = [p.name for p in pairs]
        self.world = world
        self.images: list[tuple[np.ndarray, np.ndarray]] = []
        for pair in pairs[world.rank :: world.size]:
            image, labels = read_pair(pair, image_checked=True)
            check_scorable(pair.image, labels.shape, MARGIN)
            self.images.append((image, labels))

    @torch.no_grad()
    def validate(self, model: Network, weights: torch.Tensor) -> dict[str, Any]:
        """Score the model (as ``landcover score``) on every validation pair; the same result on every rank.

        Args:
            model: The network being trained (left as it is: a contiguous fp32 copy is scored).
            weights: The training loss's class weights (the validation loss uses them too).
        """
        weights = weights.detach().float().cpu()
        copy = fresh_copy(model).to(self.world.device)  # contiguous fp32, as a loaded checkpoint
        copy.eval()
        confusion = torch.zeros(len(CLASS_NAMES), len(CLASS_NAMES), dtype=torch.float64)
        loss = torch.zeros(2, dtype=torch.float64)
        for image, labels in self.images:
            scores = whole_image_scores(copy, image).cpu()
            confusion += torch.from_numpy(pair_confusion(scores, labels, MARGIN)).double()
            centre = (slice(MARGIN, labels.shape[0] - MARGIN), slice(MARGIN, labels.shape[1] - MARGIN))
            truth = torch.from_numpy(labels[centre]).long()
            inner = scores[:, centre[0], centre[1]]
            loss[0] += F.cross_entropy(inner[None], truth[None], weight=weights, reduction="sum").double()
            loss[1] += weights[truth].sum().double()
        confusion = all_reduce_sum(confusion.to(self.world.device)).cpu()
        loss = all_reduce_sum(loss.to(self.world.device)).cpu()
        matrix = confusion.numpy().astype(np.int64)
        present = tuple(c for c in range(len(CLASS_NAMES)) if c != UNKNOWN and matrix[c].sum() > 0)
        metrics = summarise(matrix, scored=present)
        metrics["loss"] = float(loss[0] / loss[1]) if loss[1] > 0 else None
        metrics["pairs"] = len(self.names)
        return metrics


@dataclass
class Monitor:
    """The best epoch so far by the monitored score, and epochs since it improved (stored for resume)."""

    metric: str = "mean_iou"
    best_epoch: int | None = None
    best_score: float | None = None
    best_accuracy: float | None = None
    since_best: int = 0

    def key(self, metrics: dict[str, Any]) -> tuple[float, float]:
        """(score, accuracy) oriented so that larger is better; a missing value counts as the worst."""
        value = metrics.get(self.metric)
        score = -np.inf if value is None else (value if MONITORS[self.metric] == "higher" else -value)
        accuracy = metrics.get("pixel_accuracy")
        return float(score), float(-np.inf if accuracy is None else accuracy)

    def update(self, epoch: int, metrics: dict[str, Any]) -> bool:
        """Record an epoch's validation; return whether it is the new best."""
        key = self.key(metrics)
        if self.best_score is None or self.best_accuracy is None or key > (self.best_score, self.best_accuracy):
            self.best_epoch, (self.best_score, self.best_accuracy), self.since_best = epoch, key, 0
            return True
        self.since_best += 1
        return False

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form for the checkpoint."""
        return asdict(self)


def describe(scores: dict[str, Any]) -> str:
    """One line of validation figures for the progress output."""

    def show(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    return (
        f"mean IoU {show(scores['mean_iou'])} pixel accuracy {show(scores['pixel_accuracy'])} "
        f"loss {show(scores['loss'])}"
    )
