"""In-memory random crop sampler with the tutorial's interesting-patch rule and dihedral augmentation.

Every image is reflect-padded by the loss margin (64 px), so the scored centre of a crop can reach every
labelled pixel, borders included (the tutorial's crops never scored its images' outer 64 px). A window is
kept if more than 0.3 % of it is water or barren/impervious (the rare classes), otherwise with
probability 0.5; windows whose centre holds no known label are never drawn. Both tests are O(1) through
summed-area tables, and crops are views until they are copied into the batch.

Images are held pixel-interleaved, each R, G, B, NIR pixel viewed as one uint32, so a crop moves 65,536
words instead of four planes of bytes and the batch arrives already channels-last. Each image is also held
transposed, so all eight flips / rotations read memory row by row (a transposing copy is 4x slower).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from clibase.text import counted
from landcover.constants import MARGIN, UNKNOWN
from landcover.constants import WINDOW as CROP

RARE_CLASSES = (1, 4)
RARE_FRACTION = 0.003
KEEP_PROBABILITY = 0.5
UNIFORM_BUFFER = 4096
"""Uniform draws made per numpy call."""


def summed_area(mask: np.ndarray) -> np.ndarray:
    """Summed-area table with a leading zero row and column: window sums in four look-ups."""
    table = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1), dtype=np.int32)
    np.cumsum(np.cumsum(mask, axis=0, dtype=np.int32), axis=1, out=table[1:, 1:])
    return table


def window_sum(table: np.ndarray, y: int, x: int, height: int, width: int) -> int:
    """Sum of the mask over rows y..y+height and columns x..x+width."""
    return int(table[y + height, x + width] - table[y, x + width] - table[y + height, x] + table[y, x])


class CropSampler:
    """Draws augmented (image, label) crops from image pairs held in memory."""

    def __init__(
        self,
        images: list[np.ndarray],
        labels: list[np.ndarray],
        rng: np.random.Generator,
        crop: int = CROP,
        margin: int = MARGIN,
    ) -> None:
        """Pad the pairs and build their look-up tables.

        Args:
            images: uint8 (4, H, W) arrays.
            labels: uint8 (H, W) class arrays (0-4).
            rng: Source of randomness (seed it for reproducible epochs).
            crop: Crop size.
            margin: Loss margin: only the centre ``crop - 2 * margin`` square is scored.
        """
        self.crop, self.margin, self.rng = crop, margin, rng
        pad = margin
        self.images = [
            np.ascontiguousarray(np.pad(im, ((0, 0), (pad, pad), (pad, pad)), mode="reflect").transpose(1, 2, 0)).view(
                np.uint32
            )[..., 0]
            for im in images
        ]
        self.labels = [np.pad(lab, pad, mode="constant", constant_values=UNKNOWN) for lab in labels]
        self.images_t = [np.ascontiguousarray(im.T) for im in self.images]
        self.labels_t = [np.ascontiguousarray(lab.T) for lab in self.labels]
        self.rare = [summed_area(np.isin(lab, RARE_CLASSES)) for lab in self.labels]
        self.known = [summed_area(lab != UNKNOWN) for lab in self.labels]
        if any(min(lab.shape) < crop for lab in self.labels):
            raise ValueError(f"every image must be at least {counted(crop - 2 * margin, 'pixel')} on each side")
        spans = np.array([(lab.shape[0] - crop + 1) * (lab.shape[1] - crop + 1) for lab in self.labels], float)
        self.cumulative = np.cumsum(spans / spans.sum())
        self.uniforms: list[float] = []
        self.next_uniform = 0
        self.refill_state: dict[str, Any] | None = None  # the generator's state before the buffer's last refill

    def state(self) -> str:
        """Where the sampler stands in its random stream, as JSON (for a checkpoint taken mid-epoch)."""
        return json.dumps({"refill": self.refill_state, "next": self.next_uniform})

    def restore(self, state: str) -> None:
        """Continue from a :meth:`state` of a sampler built with the same pairs and seed."""
        values = json.loads(state)
        if values["refill"] is not None:
            self.rng.bit_generator.state = values["refill"]
            self.uniforms = self.rng.random(UNIFORM_BUFFER).tolist()
        self.refill_state, self.next_uniform = values["refill"], values["next"]

    def uniform(self) -> float:
        """A uniform draw in [0, 1), served from a refilled buffer (one numpy call per 4,096 draws)."""
        if self.next_uniform == len(self.uniforms):
            self.refill_state = dict(self.rng.bit_generator.state)
            self.uniforms = self.rng.random(UNIFORM_BUFFER).tolist()
            self.next_uniform = 0
        self.next_uniform += 1
        return self.uniforms[self.next_uniform - 1]

    def position(self) -> tuple[int, int, int]:
        """Pick (pair, row, column) of an acceptable window."""
        crop, centre = self.crop, self.crop - 2 * self.margin
        while True:
            index = min(int(np.searchsorted(self.cumulative, self.uniform())), len(self.labels) - 1)
            height, width = self.labels[index].shape
            y = int(self.uniform() * (height - crop + 1))
            x = int(self.uniform() * (width - crop + 1))
            if window_sum(self.known[index], y + self.margin, x + self.margin, centre, centre) == 0:
                continue
            rare = window_sum(self.rare[index], y, x, crop, crop)
            if rare > RARE_FRACTION * crop * crop or self.uniform() < KEEP_PROBABILITY:
                return index, y, x

    def draw(self) -> tuple[np.ndarray, np.ndarray]:
        """One crop as views: packed pixels (crop, crop) uint32 and labels (crop, crop), flipped / rotated."""
        index, y, x = self.position()
        turn = int(self.uniform() * 8)
        if turn & 1:  # transposed: the window (y, x) of the image is the window (x, y) of its transpose
            image = self.images_t[index][x : x + self.crop, y : y + self.crop]
            labels = self.labels_t[index][x : x + self.crop, y : y + self.crop]
        else:
            image = self.images[index][y : y + self.crop, x : x + self.crop]
            labels = self.labels[index][y : y + self.crop, x : x + self.crop]
        if turn & 2:
            image, labels = image[::-1], labels[::-1]
        if turn & 4:
            image, labels = image[:, ::-1], labels[:, ::-1]
        return image, labels

    def batch(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """A batch: uint8 images (size, crop, crop, 4), channels last, and centre labels (size, centre, centre)."""
        centre = slice(self.margin, self.crop - self.margin)
        images = np.empty((size, self.crop, self.crop), dtype=np.uint32)
        labels = np.empty((size, self.crop - 2 * self.margin, self.crop - 2 * self.margin), dtype=np.uint8)
        for i in range(size):
            images[i], crop_labels = self.draw()
            labels[i] = crop_labels[centre, centre]
        return images.view(np.uint8).reshape(size, self.crop, self.crop, 4), labels
