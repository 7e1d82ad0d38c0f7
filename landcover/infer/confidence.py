"""The confidence map: how sure the model is of the class it chose, as uint8 0-255 (0: nodata).

The engine's probabilities are a softmax over all five outputs, but the predicted class is the best of
the known classes (class 0's score carries no meaning, see
:func:`landcover.model.unet.predicted_classes`), so the confidence is the chosen class's share of the
known classes' probability: 1.0 (255) when the model sees no alternative, 0.25 (64) at a four-way tie.
"""

from __future__ import annotations

import numpy as np

NODATA = 0
"""Confidence of nodata pixels; valid pixels are at least 1."""


def confidence(probabilities: np.ndarray, classes: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The top-class probability among the known classes, uint8 (1-255 where valid, 0 elsewhere).

    Args:
        probabilities: uint8 (C, H, W), the engine's softmax x 255.
        classes: uint8 (H, W) predicted classes (1..C-1 where valid).
        valid: bool (H, W), pixels that hold data.

    Returns:
        uint8 (H, W).
    """
    known = probabilities[1:].astype(np.float32)
    total = known.sum(axis=0)
    chosen = np.take_along_axis(known, np.clip(classes.astype(np.int64) - 1, 0, None)[None], axis=0)[0]
    share = np.divide(chosen, total, out=np.ones_like(chosen), where=total > 0)
    out = np.clip(np.rint(share * 255), 1, 255).astype(np.uint8)
    out[~valid] = NODATA
    return out
