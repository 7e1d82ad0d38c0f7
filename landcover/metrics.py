"""Segmentation metrics: confusion matrix, pixel accuracy, per-class precision / recall / IoU.

The one metrics module: ``landcover score``, ``landcover evaluate`` and validation while training all count
and summarise here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from landcover.constants import CLASS_NAMES, SCORED_CLASSES, UNKNOWN
from landcover.io.errors import LandcoverError

if TYPE_CHECKING:
    import torch


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, num_classes: int = len(CLASS_NAMES)) -> np.ndarray:
    """Count (truth, prediction) pairs, skipping pixels whose truth is unknown (class 0).

    Args:
        truth: Integer class labels.
        predicted: Integer predicted classes, same shape.
        num_classes: Matrix size.

    Returns:
        An int64 (num_classes, num_classes) matrix, rows = truth, columns = prediction.
    """
    if truth.shape != predicted.shape:
        raise ValueError(f"truth {truth.shape} and prediction {predicted.shape} differ in shape")
    known = truth != UNKNOWN
    index = truth[known].astype(np.int64) * num_classes + predicted[known].astype(np.int64)
    return np.bincount(index, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def _ratio(numerator: float, denominator: float) -> float | None:
    return float(numerator / denominator) if denominator else None


def summarise(confusion: np.ndarray, scored: tuple[int, ...] = SCORED_CLASSES) -> dict[str, Any]:
    """Pixel accuracy, per-class precision / recall / IoU and mean IoU from a confusion matrix.

    Args:
        confusion: Matrix from :func:`confusion_matrix` (unknown truth already excluded).
        scored: Classes averaged into ``mean_iou`` (the tutorial's figures use trees, herbaceous, barren).

    Returns:
        A JSON-ready dictionary. Classes with no truth and no prediction have ``None`` scores.
    """
    total = confusion.sum()
    per_class = {}
    for index, name in enumerate(CLASS_NAMES):
        if index == UNKNOWN:
            continue
        hit = confusion[index, index]
        truth = confusion[index, :].sum()
        predicted = confusion[:, index].sum()
        per_class[name] = {
            "precision": _ratio(hit, predicted),
            "recall": _ratio(hit, truth),
            "iou": _ratio(hit, truth + predicted - hit),
            "pixels": int(truth),
        }
    ious = [per_class[CLASS_NAMES[c]]["iou"] for c in scored]
    valid = [v for v in ious if v is not None]
    return {
        "pixels": int(total),
        "pixel_accuracy": _ratio(np.trace(confusion), total),
        "mean_iou": float(np.mean(valid)) if valid else None,
        "mean_iou_classes": [CLASS_NAMES[c] for c in scored],
        "per_class": per_class,
        "confusion_matrix": confusion.astype(int).tolist(),
    }


def describe_mean_iou(metrics: dict[str, Any]) -> str:
    """What a mean IoU averages, e.g. ``mean IoU of trees, herbaceous, barren/impervious (water left out, ...)``.

    Args:
        metrics: :func:`summarise` output.
    """
    averaged = metrics["mean_iou_classes"]
    left_out = [name for name in metrics["per_class"] if name not in averaged]
    note = f" ({', '.join(left_out)} left out, as in the 2018 tutorial's figures)" if left_out else ""
    return f"mean IoU of {', '.join(averaged)}{note}"


def pair_confusion(scores: torch.Tensor, labels: np.ndarray, margin: int) -> np.ndarray:
    """The confusion matrix of one image's scores (C, H, W) against its labels, inside the margin."""
    predicted = scores.argmax(0).cpu().numpy().astype(np.uint8)
    inner = (slice(margin, labels.shape[0] - margin), slice(margin, labels.shape[1] - margin))
    return confusion_matrix(labels[inner], predicted[inner])


def check_scorable(image: Path, shape: tuple[int, ...], margin: int) -> None:
    """Refuse an image (named in the message) that leaves nothing to score inside the margin."""
    if min(shape) <= 2 * margin:
        raise LandcoverError(
            f"{image}: {shape[1]} x {shape[0]} pixels leave nothing to score inside the {margin}-pixel margin",
            f"use --margin below {(min(shape) + 1) // 2} (landcover score), or larger images",
        )
