"""The confidence map over generated probabilities: nodata kept, valid pixels 1-255, the chosen class's share."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from landcover.infer.confidence import NODATA, confidence

SHAPE = (5, 6, 7)


@settings(max_examples=200, deadline=None)
@given(
    probabilities=arrays(np.uint8, SHAPE),
    valid=arrays(np.bool_, SHAPE[1:]),
)
def test_confidence_is_the_best_known_class_share_and_keeps_nodata(probabilities, valid) -> None:
    classes = (probabilities[1:].argmax(axis=0) + 1).astype(np.uint8)  # the engine's rule: best known class
    out = confidence(probabilities, classes, valid)
    assert out.dtype == np.uint8 and out.shape == SHAPE[1:]
    assert (out[~valid] == NODATA).all()
    assert (out[valid] >= 1).all()
    known = probabilities[1:].astype(float)
    total = known.sum(axis=0)
    share = np.where(total > 0, known.max(axis=0) / np.where(total > 0, total, 1), 1.0)
    assert (np.abs(out[valid].astype(float) - np.clip(np.rint(255 * share), 1, 255)[valid]) <= 0.5 + 1e-9).all()
    assert (out[valid & (total > 0)] >= np.floor(255 / 4)).all()  # the best of four is at least a quarter


@given(st.integers(1, 4), st.integers(1, 255))
def test_a_sure_model_gets_255(chosen: int, level: int) -> None:
    probabilities = np.zeros((5, 2, 2), dtype=np.uint8)
    probabilities[chosen] = level
    classes = np.full((2, 2), chosen, dtype=np.uint8)
    assert (confidence(probabilities, classes, np.ones((2, 2), dtype=bool)) == 255).all()
