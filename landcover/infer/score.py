"""Score a model on image / label pairs the way the seed's figures were measured.

Each whole image goes through the model in one pass; only its centre (a margin of 64 px removed, the
seed's 128 x 128 output of a 256 x 256 window) is scored, with unknown truth excluded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from landcover.constants import MARGIN, NETWORK_MULTIPLE
from landcover.data.pairs import ImagePair, discover_pairs, read_pair
from landcover.infer.engine import reflect_pad, round_up
from landcover.infer.metrics import confusion_matrix, summarise
from landcover.io.errors import LandcoverError


@torch.no_grad()
def whole_image_scores(model: torch.nn.Module, image: np.ndarray) -> torch.Tensor:
    """Class scores (C, H, W), on the model's device, for one uint8 (4, H, W) image of any size passed whole.

    Sides that are not multiples of 8 are reflect-padded at the bottom and right (as the inference engine
    pads at a scene's edges) and the scores are cropped back.
    """
    height, width = image.shape[1:]
    pad = ((0, round_up(height, NETWORK_MULTIPLE) - height), (0, round_up(width, NETWORK_MULTIPLE) - width))
    device = next(model.parameters()).device
    x = torch.from_numpy(reflect_pad(image, pad)[None].astype(np.float32) / 255.0).to(device)
    return model(x)[0, :, :height, :width].float()


def predict_whole(model: torch.nn.Module, image: np.ndarray) -> np.ndarray:
    """Classes (H, W) for one uint8 (4, H, W) image of any size passed whole through the model.

    As in the seed's figures, the argmax runs over all five scores, unknown included (the inference
    engine, :mod:`landcover.infer.engine`, never predicts unknown; for the seed's 1-epoch model that moves
    pixel accuracy from 0.409 to 0.414, for the 250-epoch model not at all).
    """
    return whole_image_scores(model, image).argmax(0).cpu().numpy().astype(np.uint8)


def pair_confusion(scores: torch.Tensor, labels: np.ndarray, margin: int) -> np.ndarray:
    """The confusion matrix of one image's scores (C, H, W) against its labels, inside the margin."""
    predicted = scores.argmax(0).cpu().numpy().astype(np.uint8)
    inner = (slice(margin, labels.shape[0] - margin), slice(margin, labels.shape[1] - margin))
    return confusion_matrix(labels[inner], predicted[inner])


def check_scorable(pair: ImagePair, shape: tuple[int, ...], margin: int) -> None:
    """Refuse an image that leaves nothing to score inside the margin."""
    if min(shape) <= 2 * margin:
        raise LandcoverError(
            f"{pair.image}: {shape[1]} x {shape[0]} pixels leave nothing to score inside the {margin}-pixel margin",
            f"use --margin below {(min(shape) + 1) // 2} (landcover score), or larger images",
        )


PairCallback = Callable[[str, np.ndarray, np.ndarray, np.ndarray], None]
"""Called with (name, image, labels, predicted) for each scored pair."""


def score_pairs(
    model: torch.nn.Module, data_dir: str | Path, margin: int = MARGIN, *, on_pair: PairCallback | None = None
) -> dict[str, Any]:
    """Score a model on every pair in a directory.

    Args:
        model: A model from :func:`landcover.load_model`.
        data_dir: A directory of ``_NAIP`` / ``_LandCover`` pairs.
        margin: Pixels removed from every side before scoring.
        on_pair: Also given each pair's image, labels and prediction (e.g. for a preview).

    Returns:
        :func:`landcover.infer.metrics.summarise` output plus the number of images.

    Raises:
        LandcoverError: An image with nothing left to score inside the margin.
    """
    model.eval()
    pairs = discover_pairs(data_dir)
    confusion = np.zeros((5, 5), dtype=np.int64)
    for pair in pairs:
        image, labels = read_pair(pair)
        check_scorable(pair, labels.shape, margin)
        scores = whole_image_scores(model, image)
        confusion += pair_confusion(scores, labels, margin)
        if on_pair is not None:
            on_pair(pair.name, image, labels, scores.argmax(0).cpu().numpy().astype(np.uint8))
    return {"images": len(pairs), **summarise(confusion)}
