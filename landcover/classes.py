"""The land-cover classes, their colours (the seed's palette) and the raw-label mapping."""

from __future__ import annotations

import numpy as np

CLASS_NAMES: tuple[str, ...] = ("unknown", "water", "trees", "herbaceous", "barren/impervious")
"""Model output classes, in score order."""

CLASS_COLOURS: tuple[tuple[int, int, int], ...] = (
    (0, 0, 0),  # unknown: black
    (0, 0, 255),  # water: blue
    (0, 128, 0),  # trees and shrubs: dark green
    (128, 255, 128),  # herbaceous: light green
    (128, 96, 96),  # barren / impervious: brown-grey
)
"""RGB colour of each class, as in the seed's label images."""

UNKNOWN = 0
SCORED_CLASSES: tuple[int, ...] = (2, 3, 4)
"""Classes whose IoU the seed's figures average (trees, herbaceous, barren/impervious)."""

LABEL_MAP: tuple[int, ...] = (0, 1, 2, 3, 4, 4, 4)
"""Raw Chesapeake label value -> class (barren 4, impervious 5 and roads 6 lumped into 4)."""


def lump_labels(labels: np.ndarray) -> np.ndarray:
    """Map raw label values to the five classes: values above 4 become 4.

    Args:
        labels: Integer label array of any shape.

    Returns:
        A uint8 array of the same shape with values 0-4.
    """
    return np.minimum(labels, len(CLASS_NAMES) - 1).astype(np.uint8)
