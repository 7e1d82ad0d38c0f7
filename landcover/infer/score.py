"""Score a model on image / label pairs the way the tutorial's figures were measured.

Each whole image goes through the model in one pass; only its centre (a margin of 64 px removed, the
tutorial's 128 x 128 output of a 256 x 256 window) is scored, with unknown truth excluded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from landcover.constants import MARGIN
from landcover.data.pairs import discover_pairs, read_pair
from landcover.metrics import check_scorable, pair_confusion, summarise
from landcover.model.apply import whole_image_scores

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
        :func:`landcover.metrics.summarise` output plus the number of images.

    Raises:
        LandcoverError: An image with nothing left to score inside the margin.
    """
    model.eval()
    pairs = discover_pairs(data_dir)
    confusion = np.zeros((5, 5), dtype=np.int64)
    for pair in pairs:
        image, labels = read_pair(pair)
        check_scorable(pair.image, labels.shape, margin)
        scores = whole_image_scores(model, image)
        confusion += pair_confusion(scores, labels, margin)
        if on_pair is not None:
            on_pair(pair.name, image, labels, scores.argmax(0).cpu().numpy().astype(np.uint8))
    return {"images": len(pairs), **summarise(confusion)}
