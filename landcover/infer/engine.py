"""The inference engine: streams a scene region in blocks, never loading the whole scene.

Every block is read with a 64-pixel margin of real context; beyond the scene's edges the margin is
reflect-padded, so the whole region gets predictions (the tutorial could not label its borders). The
network's receptive field reaches 62 px, so with a 64-px margin a block's prediction does not depend on
how the region is cut into blocks.

- ``dataset``-normalised models run fully convolutionally on large blocks (1024 px by default): the
  classes equal the tutorial's 256-in / 128-out tiling everywhere, at a fraction of its compute.
- ``window``-normalised models (the tutorial's, imported from CNTK) see each 256-px window's own mean, so
  they always run with the tutorial's exact 256 / 128 tiling, batched.
- The zoo's networks, which predict every pixel of their input, run on overlapping 1024-px windows whose
  scores are blended (:mod:`landcover.infer.blend`: every 768 px for U-Nets and DeepLabV3+, every 512 for
  FPN and SegFormer, whose features span the window), read with half the overlap as margin; blocks are
  multiples of the stride.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import rasterio
import torch
from rasterio.enums import MaskFlags
from rasterio.windows import Window

from landcover.constants import CENTRE, MARGIN, NETWORK_MULTIPLE, WINDOW
from landcover.infer.blend import blended_scores, windows_for
from landcover.model.apply import reflect_pad, round_up
from landcover.model.build import Network
from landcover.model.registry import spec_of
from landcover.model.unet import TutorialUNet, fused_for_inference, predicted_classes
from landcover.model.zoo import STRIDE as ZOO_MULTIPLE
from landcover.tuning import Precision, SpeedSettings, Workload, choose_settings


@dataclass(frozen=True)
class Block:
    """One piece of the region: where it sits in the scene, and its predicted classes and probabilities."""

    window: Window
    classes: np.ndarray
    probabilities: np.ndarray | None
    valid: np.ndarray


def valid_pixels(src: rasterio.DatasetReader, window: Window, pixels: np.ndarray) -> np.ndarray:
    """Which pixels hold data: the scene's nodata value (in every band) or its mask band, never an alpha guess.

    GDAL reads a fourth uint8 band as alpha in many files; for NAIP that band is near-infrared, so its
    zeros must not count as holes.
    """
    flags = src.mask_flag_enums[0]
    if MaskFlags.per_dataset in flags and MaskFlags.alpha not in flags:
        return np.asarray(src.dataset_mask(window=window) > 0)
    if src.nodata is not None:
        return np.asarray((pixels != src.nodata).any(axis=0))
    return np.ones(pixels.shape[1:], dtype=bool)


def read_padded(
    src: rasterio.DatasetReader, row: int, col: int, height: int, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Read any window of the scene, reflect-padding whatever lies outside it.

    Returns:
        uint8 pixels (bands, height, width) and the validity mask (height, width) (False: nodata).
    """
    top, left = max(row, 0), max(col, 0)
    bottom, right = min(row + height, src.height), min(col + width, src.width)
    window = Window(left, top, right - left, bottom - top)
    pixels = src.read(window=window)
    valid = valid_pixels(src, window, pixels)
    pad = ((top - row, row + height - bottom), (left - col, col + width - right))
    if any(p for pair in pad for p in pair):
        pixels = reflect_pad(pixels, pad)
        valid = np.pad(valid, pad, mode="constant", constant_values=False)
    return pixels, valid


class Engine:
    """Runs a model over a region of a scene, block by block."""

    def __init__(
        self,
        model: Network,
        device: torch.device,
        *,
        exact: bool = False,
        block: int = 1024,
        batch: int = 16,
        probabilities: bool = False,
        tutorial_tiling: bool | None = None,
        fuse: bool = True,
        speed: SpeedSettings | None = None,
    ) -> None:
        """Prepare the model.

        Args:
            model: A model in eval mode.
            device: Where to run it.
            exact: fp32 throughout (otherwise bf16 autocast where the hardware supports it).
            block: Output block size in pixels (rounded up to a multiple of 128).
            batch: Tutorial-tiling windows per forward pass.
            probabilities: Also return per-class probabilities.
            tutorial_tiling: Force (True) or forbid (False) the tutorial's 256 / 128 tiling; default: by normalisation.
            fuse: Fold BatchNorm into the convolutions (same outputs, less work).
            speed: Precision and memory format (default: :func:`landcover.tuning.choose_settings`, fp32 when
                ``exact``); the benchmark tries the others.
        """
        self.device = device
        fuse = fuse and isinstance(model, TutorialUNet)
        self.model = (fused_for_inference(model.eval()) if fuse else model.eval()).to(device)  # type: ignore[arg-type]
        spec = spec_of(model)
        # a zoo network predicts every pixel of its input: blended overlapping windows
        self.windows = windows_for(spec.architecture) if spec.is_zoo else None
        precision = Precision.fp32 if exact else Precision.auto
        self.speed = speed or choose_settings(device, precision, Workload.INFERENCE, model=spec.name)
        self.model = self.model.to(memory_format=self.speed.memory_format)  # type: ignore[call-overload]
        self.bf16 = self.speed.bf16
        self.margin = self.windows.margin if self.windows else MARGIN
        unit = self.windows.stride if self.windows else CENTRE
        self.block = round_up(max(block, unit), unit)
        self.batch = batch
        self.want_probabilities = probabilities
        self.tutorial_tiling = model.config.normalisation == "window" if tutorial_tiling is None else tutorial_tiling

    @torch.no_grad()
    def scores(self, pixels: np.ndarray) -> torch.Tensor:
        """Class scores (N, C, H, W) as float32 for uint8 pixels (N, bands, H, W)."""
        x = torch.from_numpy(pixels).to(self.device).float().div_(255.0)
        x = x.contiguous(memory_format=self.speed.memory_format)
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            return self.model(x).float()

    def block_scores(self, pixels: np.ndarray) -> torch.Tensor:
        """Scores (C, H, W) for the inner part of a block read with :attr:`margin` px on every side."""
        if self.windows:
            # as many pixels per forward pass as the tutorial's tiling: one 1024-px window for the default 16 x 256²
            batch = max(1, self.batch * WINDOW**2 // self.windows.size**2)
            return blended_scores(self.scores, pixels, self.windows, batch)
        if not self.tutorial_tiling:
            return self.scores(pixels[None])[0, :, MARGIN:-MARGIN, MARGIN:-MARGIN]
        rows, cols = (
            (pixels.shape[1] - 2 * MARGIN) // CENTRE,
            (pixels.shape[2] - 2 * MARGIN) // CENTRE,
        )
        tiles = [(r, c) for r in range(rows) for c in range(cols)]
        out: torch.Tensor | None = None
        for start in range(0, len(tiles), self.batch):
            chunk = tiles[start : start + self.batch]
            windows = np.stack(
                [
                    pixels[
                        :,
                        r * CENTRE : r * CENTRE + WINDOW,
                        c * CENTRE : c * CENTRE + WINDOW,
                    ]
                    for r, c in chunk
                ]
            )
            scores = self.scores(windows)[:, :, MARGIN:-MARGIN, MARGIN:-MARGIN]
            if out is None:
                out = torch.empty(scores.shape[1], rows * CENTRE, cols * CENTRE)
            for (r, c), tile in zip(chunk, scores.cpu(), strict=True):
                out[:, r * CENTRE : (r + 1) * CENTRE, c * CENTRE : (c + 1) * CENTRE] = tile
        assert out is not None
        return out

    def scene_classes(self, src: rasterio.DatasetReader, region: Window | None = None) -> np.ndarray:
        """The classes (H, W) of a region (default: the whole scene) in one array, 0 where it has no data.

        For regions that fit in memory (tests, benchmarks); commands stream :meth:`blocks` instead.
        """
        region = region or Window(0, 0, src.width, src.height)
        row0, col0 = int(region.row_off), int(region.col_off)
        out = np.zeros((int(region.height), int(region.width)), np.uint8)
        for block in self.blocks(src, region):
            top, left = int(block.window.row_off) - row0, int(block.window.col_off) - col0
            out[top : top + block.classes.shape[0], left : left + block.classes.shape[1]] = block.classes
        return out

    def _step(self, height: int, width: int) -> int:
        """What a block's sides are rounded up to: the windows' stride, the tutorial's centre, or the network's."""
        if self.windows:  # a region one window covers is predicted in one pass (blend.blended_scores)
            return self.windows.stride if max(height, width) > self.windows.stride else ZOO_MULTIPLE
        return CENTRE if self.tutorial_tiling else NETWORK_MULTIPLE

    def blocks(self, src: rasterio.DatasetReader, region: Window) -> Iterator[Block]:
        """Predict a region block by block (row-major), each block read with its margin."""
        row0, col0 = int(region.row_off), int(region.col_off)
        height, width = int(region.height), int(region.width)
        step = self._step(height, width)
        margin = self.margin
        for top in range(0, height, self.block):
            for left in range(0, width, self.block):
                h, w = min(self.block, height - top), min(self.block, width - left)
                padded_h, padded_w = round_up(h, step), round_up(w, step)
                pixels, valid = read_padded(
                    src, row0 + top - margin, col0 + left - margin, padded_h + 2 * margin, padded_w + 2 * margin
                )
                scores = self.block_scores(pixels)[:, :h, :w]
                inside = valid[margin : margin + h, margin : margin + w]
                classes = predicted_classes(scores, dim=0).to(torch.uint8).cpu().numpy()
                classes[~inside] = 0
                probabilities = None
                if self.want_probabilities:
                    probabilities = (torch.softmax(scores, 0) * 255).round().to(torch.uint8).cpu().numpy()
                    probabilities[:, ~inside] = 0
                yield Block(Window(col0 + left, row0 + top, w, h), classes, probabilities, inside)
