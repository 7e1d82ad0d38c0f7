"""The facts used everywhere: classes, colours, label mapping, the tutorial's window and margin, allocator settings."""

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
"""RGB colour of each class, as in the tutorial's label images."""

CLASS_LABELS: tuple[str, ...] = (
    "Unknown / no data",
    "Water",
    "Trees and shrubs",
    "Herbaceous",
    "Barren and impervious",
)
"""What legends call each class (GIS category names, QGIS styles, the web map)."""

UNKNOWN = 0
SCORED_CLASSES: tuple[int, ...] = (2, 3, 4)
"""Classes whose IoU the tutorial's figures average (trees, herbaceous, barren/impervious)."""

LABEL_MAP: tuple[int, ...] = (0, 1, 2, 3, 4, 4, 4)
"""Raw Chesapeake label value -> class (barren 4, impervious 5 and roads 6 lumped into 4)."""


WINDOW = 256
"""The tutorial's window: its training crop and its scoring / tiling input, in pixels."""

MARGIN = 64
"""Context pixels at each side of a window: not scored in training, not kept in inference."""

CENTRE = WINDOW - 2 * MARGIN
"""The scored / kept centre of a window (128 px)."""

NETWORK_MULTIPLE = 8
"""The U-Net downsamples three times: input sides must be multiples of this."""

TUNED_MALLOC = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": "100000000000"}
"""glibc allocator settings: keep freed memory instead of returning it (measured ~3x faster CPU steps)."""

MALLOC_OPT_OUT = "LANDCOVER_MALLOC_TUNED"
"""Set to skip the allocator re-exec (the re-exec sets it itself, so it happens once)."""


def lump_labels(labels: np.ndarray) -> np.ndarray:
    """Map raw label values to the five classes: values above 4 become 4.

    Args:
        labels: Integer label array of any shape.

    Returns:
        A uint8 array of the same shape with values 0-4.
    """
    return np.minimum(labels, len(CLASS_NAMES) - 1).astype(np.uint8)


PREEMPTED_EXIT_CODE = 75
"""``landcover train``'s exit code after a SIGTERM / SIGUSR1 stop with its checkpoint written: run the same
command again to resume (EX_TEMPFAIL of sysexits.h, "try again later"; distinct from 143, a process killed
by SIGTERM without a checkpoint)."""
