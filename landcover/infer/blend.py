"""Overlapping windows blended into one prediction, for networks that predict every pixel of their input.

The zoo's networks (:mod:`landcover.model.zoo`) see a whole window at once: deep encoders and attention reach
across all of it, so a pixel's prediction depends on where the window around it was cut, and a pixel near a
window's edge is predicted with little context. The engine therefore runs them on windows of
``STRIDE + OVERLAP`` px (1024) set every ``STRIDE`` px (768), and blends the class scores where windows overlap:
a window's weight rises from 0 at its edge to 1 at ``OVERLAP`` px (256) inside along a squared sine, and the
two weights of each overlap add up to 1 at every pixel (sin² + cos²). Each pixel is thus predicted mostly by the
window in which it lies deepest, never with less than ``MARGIN`` px (128) of context, and scores change
smoothly from one window to the next: no seams. The windows sit on a grid fixed to the region (blocks are
multiples of ``STRIDE``, read with ``MARGIN`` px around them); only the pixels within ``MARGIN`` of a block's
edge are predicted by one window each instead of a blend of two, so how the region is cut into blocks changes a
map very little (blocks are 1536 px by default). The cost: (1024 / 768)² = 1.78 forward passes per pixel.
A region that one window covers (up to ``STRIDE`` px a side) is predicted in a single pass over the region and
its margin.

The shape was chosen by measurement (``seam_agreement`` on a 1600-px scene, one network): 512-px windows every
384 px with linear ramps agreed on 96.8 % of the pixels across window edges, 1024 every 768 with squared-sine
ramps on 99.8 %, at the same cost.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

STRIDE = 768
"""Distance between neighbouring windows (a multiple of the tutorial's 128-px centre and of 32)."""

OVERLAP = 256
"""Pixels two neighbouring windows share; the ramps of their weights span it."""

WINDOW = STRIDE + OVERLAP
"""The windows' side (1024 px)."""

MARGIN = OVERLAP // 2
"""Context read around a block: the first window starts this far outside it."""

ALIGN = 32
"""The zoo's networks downsample to 1/32: windows compared with the engine's sit on its grid modulo this."""


def ramp(size: int = WINDOW, overlap: int = OVERLAP) -> torch.Tensor:
    """A window's weight along one side: rising as a squared sine over ``overlap`` px at both ends, 1 in between.

    Where two windows ``size - overlap`` apart overlap, the weights are sin² and cos² of the same angle: they add
    up to 1 at every pixel.
    """
    t = torch.arange(size, dtype=torch.float64) + 0.5
    depth = torch.clamp(torch.minimum(t, size - t) / overlap, max=1.0)
    return (torch.sin(depth * torch.pi / 2) ** 2).float()


def blended_scores(scores: Callable[[np.ndarray], torch.Tensor], pixels: np.ndarray, batch: int = 4) -> torch.Tensor:
    """Blended class scores (C, H, W) for the inside of a block read with :data:`MARGIN` px around it.

    Args:
        scores: Class scores (N, C, WINDOW, WINDOW) for uint8 windows (N, bands, WINDOW, WINDOW).
        pixels: uint8 (bands, H + 2 * MARGIN, W + 2 * MARGIN), H and W multiples of :data:`STRIDE`, or both at most
            :data:`STRIDE` and multiples of the networks' 32 (one window, the whole of ``pixels``).
        batch: Windows per forward pass.
    """
    height, width = pixels.shape[1] - 2 * MARGIN, pixels.shape[2] - 2 * MARGIN
    if height <= STRIDE and width <= STRIDE and (height % STRIDE or width % STRIDE):
        return scores(pixels[None])[0].cpu()[:, MARGIN:-MARGIN, MARGIN:-MARGIN]
    if height % STRIDE or width % STRIDE:
        raise ValueError(f"block {height} x {width} is not a multiple of {STRIDE}")
    one = ramp()
    weight = one[:, None] * one[None, :]
    corners = [(r, c) for r in range(0, height, STRIDE) for c in range(0, width, STRIDE)]
    total: torch.Tensor | None = None
    weights = torch.zeros(pixels.shape[1:])
    for start in range(0, len(corners), batch):
        chunk = corners[start : start + batch]
        windows = np.stack([pixels[:, r : r + WINDOW, c : c + WINDOW] for r, c in chunk])
        for (r, c), tile in zip(chunk, scores(windows).cpu(), strict=True):
            if total is None:
                total = torch.zeros(tile.shape[0], *pixels.shape[1:])
            total[:, r : r + WINDOW, c : c + WINDOW] += tile * weight
            weights[r : r + WINDOW, c : c + WINDOW] += weight
    assert total is not None
    inside = (slice(MARGIN, MARGIN + height), slice(MARGIN, MARGIN + width))
    return total[:, inside[0], inside[1]] / weights[inside]


def window_edges(size: int) -> list[int]:
    """Where windows start or end inside a side of ``size`` px (the grid of :func:`blended_scores`, block-aligned)."""
    edges = {k * STRIDE + offset for k in range(size // STRIDE + 2) for offset in (-MARGIN, MARGIN)}
    return sorted(e for e in edges if 0 < e < size)


def seam_agreement(
    scores: Callable[[np.ndarray], torch.Tensor],
    read: Callable[[int, int, int, int], np.ndarray],
    classes: np.ndarray,
) -> tuple[int, int]:
    """How often the blended classes across window edges equal those of one window centred on the edge.

    For every vertical and horizontal window edge inside the region, a ``WINDOW``-px window is centred on the
    edge (at the middle of the region's other side, on the engine's window grid modulo :data:`ALIGN`, where the
    networks' features repeat) and predicted alone; the blended classes in the band of
    ``OVERLAP`` px across the edge (and ``CENTRE`` px along it) are compared with that window's.

    Args:
        scores: Class scores (N, C, WINDOW, WINDOW) for uint8 windows, as the engine computes them.
        read: ``read(row, col, height, width)``: uint8 pixels (bands, height, width) of the region, reflect-padded
            beyond the scene as the engine reads them.
        classes: The blended classes (H, W) of the whole region.

    Returns:
        (pixels that agree, pixels compared).
    """
    height, width = classes.shape
    half, band, along = WINDOW // 2, OVERLAP // 2, OVERLAP // 2
    same = total = 0
    for axis, size, other in ((1, width, height), (0, height, width)):
        middle = other // 2 // ALIGN * ALIGN  # on the engine's grid modulo the networks' stride: like for like
        for edge in window_edges(size):
            row, col = (middle, edge) if axis == 1 else (edge, middle)
            window = read(row - half, col - half, WINDOW, WINDOW)
            alone = scores(window[None])[0]
            alone_classes = (alone[1:].argmax(0) + 1).cpu().numpy()
            rows = slice(max(row - (band if axis == 0 else along), 0), row + (band if axis == 0 else along))
            cols = slice(max(col - (band if axis == 1 else along), 0), col + (band if axis == 1 else along))
            blended = classes[rows, cols]
            local = alone_classes[rows.start - row + half :][: blended.shape[0], cols.start - col + half :]
            local = local[:, : blended.shape[1]]
            same += int((local == blended).sum())
            total += blended.size
    return same, total
