"""Fixtures of the CUDA tests: generated scenes written as real GeoTIFF pairs, fp32 without TF32."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from landcover.data.sample import generate_scene, write_scene


@pytest.fixture(scope="module")
def scene_pairs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three generated 768 x 768 training pairs (roads, parcels, water), as ``landcover sample-data`` writes them."""
    folder = tmp_path_factory.mktemp("pairs")
    for index in range(3):
        write_scene(generate_scene(index, 768, 700_000.0 + 1_000 * index, 4_100_000.0), folder, f"C{index:02d}")
    return folder


@pytest.fixture
def crops() -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Images and labels (classes 0-4) of two generated 512 x 512 scenes, for a CropSampler."""
    scenes = [generate_scene(10 + i, 512, 0.0, 0.0) for i in range(2)]
    return [s.image for s in scenes], [np.minimum(s.labels, 4) for s in scenes]


@pytest.fixture
def no_tf32() -> Iterator[None]:
    """IEEE fp32 convolutions and matrix products on the GPU (Ampere+ use TF32 for them by default)."""
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved
