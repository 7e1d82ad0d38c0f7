"""Overlapping windows blended into one prediction, for networks that predict every pixel of their input.

The zoo's networks (:mod:`landcover.model.zoo`) see a whole window at once: deep encoders, pyramid pooling and
attention reach across all of it, so a pixel's prediction depends on where the window around it was cut, and a
pixel near a window's edge is predicted with little context. The engine therefore runs them on overlapping
windows set on a grid fixed to the region and blends the class scores where windows overlap: a window's weight
rises from 0 at its edge to 1 at ``overlap`` px inside along a squared sine, and the two weights of each overlap
add up to 1 at every pixel (sin² + cos²). Each pixel is thus predicted mostly by the window in which it lies
deepest, never with less than ``margin`` px (half the overlap) of context, and scores change smoothly from one
window to the next. Blocks are multiples of the stride, read with ``margin`` px around them; only the pixels
within ``margin`` of a block's edge are predicted by one window each instead of a blend of two, so how the
region is cut into blocks changes a map very little. A region that one window covers (up to one stride a side)
is predicted in a single pass over the region and its margin.

How much overlap a network needs depends on how far its features reach, and was measured (``seam_agreement``:
classes across window edges vs a window centred there, on a mosaic of the real Chesapeake patches, models
trained on them; figures in docs/models.md):

- :data:`LOCAL`, 1024-px windows every 768 px (1.78 forward passes per pixel), for U-Nets (``unet``,
  ``unetplusplus``): 99.97 % for ``unet/resnet18`` (512 every 384 with linear ramps gave 96.8 % on a generated
  scene, at the same cost);
- :data:`WIDE`, 1024 every 512 (4 passes per pixel), for networks whose features span the window: ``fpn``'s
  top-down pyramid (99.56 %; 99.43 % on :data:`LOCAL`) and ``segformer``'s attention (99.50 %; 98.75 %).

``deeplabv3plus`` pools its deepest features over the whole window (ASPP's image pooling), so every pixel's
class depends on the mean of the window it was cut in, and no overlap makes windows agree: 94.2 % on
:data:`LOCAL`, 93.6 % on :data:`WIDE`. It runs on :data:`LOCAL`, the cheaper; docs/models.md says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from landcover.choices import Architecture

ALIGN = 32
"""The zoo's networks downsample to 1/32: windows compared with the engine's sit on its grid modulo this."""


@dataclass(frozen=True)
class Windows:
    """The grid of blended windows: their side and the distance between neighbours (multiples of 128 and 32).

    Attributes:
        size: The windows' side in pixels.
        stride: Distance between neighbouring windows.
    """

    size: int
    stride: int

    @property
    def overlap(self) -> int:
        """Pixels two neighbouring windows share; the ramps of their weights span it."""
        return self.size - self.stride

    @property
    def margin(self) -> int:
        """Context read around a block: the first window starts this far outside it (half the overlap)."""
        return self.overlap // 2

    def ramp(self) -> torch.Tensor:
        """A window's weight along one side: a squared sine over ``overlap`` px at both ends, 1 in between.

        Where two windows ``stride`` apart overlap, the weights are sin² and cos² of the same angle: they add up
        to 1 at every pixel.
        """
        t = torch.arange(self.size, dtype=torch.float64) + 0.5
        depth = torch.clamp(torch.minimum(t, self.size - t) / self.overlap, max=1.0)
        return (torch.sin(depth * torch.pi / 2) ** 2).float()

    def edges(self, side: int) -> list[int]:
        """Where windows start or end inside a side of ``side`` px (the grid of :func:`blended_scores`)."""
        found = {
            k * self.stride + offset for k in range(side // self.stride + 2) for offset in (-self.margin, self.margin)
        }
        return sorted(e for e in found if 0 < e < side)


LOCAL = Windows(size=1024, stride=768)
"""For U-Nets, whose features are local: 128 px of context at the least, 1.78 passes per pixel."""

WIDE = Windows(size=1024, stride=512)
"""For networks whose features span the window: 256 px of context at the least, 4 passes per pixel."""

WIDE_CONTEXT = frozenset({Architecture.fpn, Architecture.segformer})
"""Architectures whose features reach across the window (a top-down pyramid, attention) and agree when they
see more of it; deeplabv3plus's image pooling agrees no better on wider overlaps (module docstring)."""


def windows_for(architecture: Architecture) -> Windows:
    """The blended windows a zoo architecture is run on (measured: see the module's docstring)."""
    return WIDE if architecture in WIDE_CONTEXT else LOCAL


def blended_scores(
    scores: Callable[[np.ndarray], torch.Tensor], pixels: np.ndarray, grid: Windows, batch: int = 1
) -> torch.Tensor:
    """Blended class scores (C, H, W) for the inside of a block read with ``grid.margin`` px around it.

    Args:
        scores: Class scores (N, C, size, size) for uint8 windows (N, bands, size, size).
        pixels: uint8 (bands, H + 2 * margin, W + 2 * margin), H and W multiples of ``grid.stride``, or both at most
            one stride and multiples of the networks' 32 (one window: the whole of ``pixels``).
        grid: The windows.
        batch: Windows per forward pass.
    """
    margin, stride, size = grid.margin, grid.stride, grid.size
    height, width = pixels.shape[1] - 2 * margin, pixels.shape[2] - 2 * margin
    if height <= stride and width <= stride and (height % stride or width % stride):
        return scores(pixels[None])[0].cpu()[:, margin:-margin, margin:-margin]
    if height % stride or width % stride:
        raise ValueError(f"block {height} x {width} is not a multiple of {stride}")
    one = grid.ramp()
    weight = one[:, None] * one[None, :]
    corners = [(r, c) for r in range(0, height, stride) for c in range(0, width, stride)]
    total: torch.Tensor | None = None
    weights = torch.zeros(pixels.shape[1:])
    for start in range(0, len(corners), batch):
        chunk = corners[start : start + batch]
        windows = np.stack([pixels[:, r : r + size, c : c + size] for r, c in chunk])
        for (r, c), tile in zip(chunk, scores(windows).cpu(), strict=True):
            if total is None:
                total = torch.zeros(tile.shape[0], *pixels.shape[1:])
            total[:, r : r + size, c : c + size] += tile * weight
            weights[r : r + size, c : c + size] += weight
    assert total is not None
    inside = (slice(margin, margin + height), slice(margin, margin + width))
    return total[:, inside[0], inside[1]] / weights[inside]


def seam_agreement(
    scores: Callable[[np.ndarray], torch.Tensor],
    read: Callable[[int, int, int, int], np.ndarray],
    classes: np.ndarray,
    grid: Windows,
) -> tuple[int, int]:
    """How often the blended classes across window edges equal those of one window centred on the edge.

    For every vertical and horizontal window edge inside the region, a window of ``grid.size`` px is centred on
    the edge (at the middle of the region's other side, on the engine's window grid modulo :data:`ALIGN`, where
    the networks' features repeat) and predicted alone; the blended classes in the square band of
    ``grid.overlap`` px across the edge are compared with that window's.

    Args:
        scores: Class scores (N, C, size, size) for uint8 windows, as the engine computes them.
        read: ``read(row, col, height, width)``: uint8 pixels (bands, height, width) of the region, reflect-padded
            beyond the scene as the engine reads them.
        classes: The blended classes (H, W) of the whole region.
        grid: The windows the engine blended.

    Returns:
        (pixels that agree, pixels compared).
    """
    height, width = classes.shape
    half, band, along = grid.size // 2, grid.overlap // 2, grid.overlap // 2
    same = total = 0
    for axis, size, other in ((1, width, height), (0, height, width)):
        middle = other // 2 // ALIGN * ALIGN  # on the engine's grid modulo the networks' stride: like for like
        for edge in grid.edges(size):
            row, col = (middle, edge) if axis == 1 else (edge, middle)
            window = read(row - half, col - half, grid.size, grid.size)
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
