"""A model applied to one whole image (any size) in a single pass, and the padding that makes its sides fit.

Used by ``landcover score`` and by validation while training (:mod:`landcover.train.validation`); the
streaming engine (:mod:`landcover.infer.engine`) pads blocks with the same helpers.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from landcover.constants import NETWORK_MULTIPLE


def round_up(value: int, multiple: int) -> int:
    """The smallest multiple of ``multiple`` that is at least ``value``."""
    return int(math.ceil(value / multiple) * multiple)


def reflect_pad(pixels: np.ndarray, pad: tuple[tuple[int, int], tuple[int, int]]) -> np.ndarray:
    """Pad (bands, H, W) pixels spatially by reflection, as at the scene's edges (symmetric below 2 px)."""
    return np.pad(pixels, ((0, 0), *pad), mode="symmetric" if min(pixels.shape[1:]) < 2 else "reflect")


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

    As in the tutorial's figures, the argmax runs over all five scores, unknown included (the inference
    engine, :mod:`landcover.infer.engine`, never predicts unknown; for the tutorial's 1-epoch model that moves
    pixel accuracy from 0.409 to 0.414, for the 250-epoch model not at all).
    """
    return whole_image_scores(model, image).argmax(0).cpu().numpy().astype(np.uint8)
