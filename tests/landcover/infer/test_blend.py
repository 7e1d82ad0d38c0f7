"""Blended overlapping windows for the zoo's networks: a partition of unity, block-independent, no seams."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from landcover.choices import Architecture
from landcover.constants import MARGIN
from landcover.infer import blend
from landcover.infer.engine import Engine, read_padded
from landcover.model.build import build_network
from landcover.model.checkpoint import load_model, make_checkpoint, save_checkpoint
from landcover.model.registry import ModelSpec
from tests.data.fixtures import write_pair

GRIDS = [blend.LOCAL, blend.WIDE]


@settings(max_examples=100, deadline=None)
@given(grid=st.sampled_from(GRIDS), blocks=st.integers(1, 4), pixel=st.integers(0, 4 * 768 - 1))
def test_the_weights_of_the_windows_over_a_pixel_add_up_to_one(grid, blocks, pixel):
    """Along a side of ``blocks`` strides read with its margin: weight 1 inside, at least 1/2 by the block's edges."""
    side = blocks * grid.stride
    pixel %= side
    ramp = grid.ramp()
    total = sum(
        float(ramp[pixel + grid.margin - start])
        for start in range(0, side, grid.stride)
        if 0 <= pixel + grid.margin - start < grid.size
    )
    if grid.margin <= pixel < side - grid.margin:
        assert total == pytest.approx(1.0)
    else:  # one window alone, at least margin px inside it
        assert 0.5 <= total <= 1.0
    assert grid.margin >= 2 * MARGIN  # at least twice the tutorial U-Net's context, for the deeper networks
    assert grid.stride % 128 == 0 and grid.size % blend.ALIGN == 0


@pytest.mark.parametrize("grid", GRIDS)
def test_blended_scores_of_a_constant_network_are_that_constant(grid):
    pixels = np.zeros((4, 2 * grid.stride + 2 * grid.margin, grid.stride + 2 * grid.margin), np.uint8)
    constant = torch.arange(5.0)[:, None, None]
    scores = blend.blended_scores(lambda w: constant.expand(len(w), 5, grid.size, grid.size), pixels, grid)
    assert scores.shape == (5, 2 * grid.stride, grid.stride)
    torch.testing.assert_close(scores, constant.expand_as(scores))


def test_each_architecture_runs_on_the_windows_its_context_needs():
    for local in (Architecture.unet, Architecture.unetplusplus, Architecture.deeplabv3plus):
        assert blend.windows_for(local) is blend.LOCAL
    for wide in (Architecture.fpn, Architecture.segformer):
        assert blend.windows_for(wide) is blend.WIDE


@pytest.fixture(scope="module")
def scene(tmp_path_factory) -> Path:
    image, _ = write_pair(tmp_path_factory.mktemp("scene"), "scene", size=(1100, 1060), seed=5)
    return image


@pytest.fixture(scope="module")
def trained(scene, tmp_path_factory) -> Path:
    """A unet/resnet18 given a few dozen optimiser steps on small crops of the scene: its classes follow the imagery.

    (A network with random weights is no test of seams: its classes change with the position in the window.)
    """
    with rasterio.open(scene) as src, rasterio.open(scene.with_name("scene_LandCover.tif")) as lab:
        image, labels = src.read(), lab.read(1)
    torch.manual_seed(0)
    model = build_network(ModelSpec(architecture="unet", encoder="resnet18", mean=(0.4,) * 4, std=(0.2,) * 4))
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = None  # running statistics: the average over every step
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    rng = np.random.default_rng(0)
    for _ in range(30):
        corners = list(zip(rng.integers(0, 1100 - 64, 8), rng.integers(0, 1060 - 64, 8), strict=True))
        x = torch.from_numpy(np.stack([image[:, r : r + 64, c : c + 64] for r, c in corners])) / 255.0
        y = torch.from_numpy(np.stack([labels[r : r + 64, c : c + 64] for r, c in corners])).long().clamp(max=4)
        loss = torch.nn.functional.cross_entropy(model(x), y, ignore_index=0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return save_checkpoint(make_checkpoint(model, provenance={}), tmp_path_factory.mktemp("m") / "unet.pt")


@pytest.mark.slow
def test_zoo_blocks_do_not_change_the_map_and_windows_leave_no_seams(scene, trained):
    model = load_model(trained)
    engine = Engine(model, torch.device("cpu"), exact=True, block=1024)
    grid = blend.LOCAL
    assert engine.windows is grid and engine.block == 2 * grid.stride
    with rasterio.open(scene) as src:
        classes = engine.scene_classes(src)
    assert len(np.unique(classes)) > 1
    with rasterio.open(scene) as src:
        small = Engine(model, torch.device("cpu"), exact=True, block=grid.stride).scene_classes(src)
    # One grid of windows fixed to the region: away from the edges of the small blocks (where one window alone
    # predicts MARGIN px on either side) cutting the region into one-stride blocks changes nothing.
    rows, cols = np.arange(classes.shape[0]) % grid.stride, np.arange(classes.shape[1]) % grid.stride
    inside = ((rows >= grid.margin) & (rows < grid.stride - grid.margin))[:, None] & (
        (cols >= grid.margin) & (cols < grid.stride - grid.margin)
    )[None, :]
    assert (small == classes)[inside].mean() >= 0.999

    with rasterio.open(scene) as src:
        read = lambda r, c, h, w: read_padded(src, r, c, h, w)[0]  # noqa: E731
        same, total = blend.seam_agreement(engine.scores, read, classes, grid)
    # Even this network of 30 steps on 64-px crops, whose classes follow its context more than a trained one's,
    # agrees on 99.5 % (scripts/bench_zoo.py --parts quality measures the models trained on real patches).
    assert total > 0 and same / total >= 0.995, same / total


def test_a_region_one_window_covers_is_predicted_in_one_pass_over_it_and_its_margin():
    """Small scenes (a 256-px patch) cost one pass over the patch and its margin, not a whole 1024-px window."""
    side = 256 + 2 * blend.LOCAL.margin
    seen: list[tuple[int, ...]] = []

    def scores(windows: np.ndarray) -> torch.Tensor:
        seen.append(windows.shape)
        return torch.ones(len(windows), 5, *windows.shape[2:])

    out = blend.blended_scores(scores, np.zeros((4, side, side), np.uint8), blend.LOCAL)
    assert seen == [(1, 4, side, side)] and out.shape == (5, 256, 256)
