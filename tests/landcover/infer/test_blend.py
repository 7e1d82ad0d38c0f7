"""Blended overlapping windows for the zoo's networks: a partition of unity, block-independent, no seams."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.windows import Window

from landcover.constants import MARGIN
from landcover.infer import blend
from landcover.infer.engine import Engine, read_padded
from landcover.model.build import build_network
from landcover.model.checkpoint import load_model, make_checkpoint, save_checkpoint
from landcover.model.registry import ModelSpec
from tests.data.fixtures import write_pair


@settings(max_examples=50, deadline=None)
@given(blocks=st.integers(1, 4), pixel=st.integers(0, 4 * blend.STRIDE - 1))
def test_the_weights_of_the_windows_over_a_pixel_add_up_to_one(blocks, pixel):
    """Along a side of ``blocks`` strides read with its margin: weight 1 inside, at least 1/2 by the block's edges."""
    side = blocks * blend.STRIDE
    pixel %= side
    ramp = blend.ramp()
    total = sum(
        float(ramp[pixel + blend.MARGIN - start])
        for start in range(0, side, blend.STRIDE)
        if 0 <= pixel + blend.MARGIN - start < blend.WINDOW
    )
    if blend.MARGIN <= pixel < side - blend.MARGIN:
        assert total == pytest.approx(1.0)
    else:  # one window alone, at least MARGIN px inside it
        assert 0.5 <= total <= 1.0
    assert blend.MARGIN >= 2 * MARGIN  # at least twice the tutorial U-Net's context, for the deeper networks


def test_blended_scores_of_a_constant_network_are_that_constant():
    pixels = np.zeros((4, 2 * blend.STRIDE + 2 * blend.MARGIN, blend.STRIDE + 2 * blend.MARGIN), np.uint8)
    constant = torch.arange(5.0)[:, None, None]
    scores = blend.blended_scores(lambda w: constant.expand(len(w), 5, blend.WINDOW, blend.WINDOW), pixels)
    assert scores.shape == (5, 2 * blend.STRIDE, blend.STRIDE)
    torch.testing.assert_close(scores, constant.expand_as(scores))


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


def _classes(engine: Engine, path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        out = np.zeros((src.height, src.width), np.uint8)
        for block in engine.blocks(src, Window(0, 0, src.width, src.height)):
            top, left = int(block.window.row_off), int(block.window.col_off)
            out[top : top + block.classes.shape[0], left : left + block.classes.shape[1]] = block.classes
    return out


@pytest.mark.slow
def test_zoo_blocks_do_not_change_the_map_and_windows_leave_no_seams(scene, trained):
    model = load_model(trained)
    engine = Engine(model, torch.device("cpu"), exact=True, block=1024)
    assert engine.blend and engine.block == 2 * blend.STRIDE
    classes = _classes(engine, scene)
    assert len(np.unique(classes)) > 1
    small = _classes(Engine(model, torch.device("cpu"), exact=True, block=blend.STRIDE), scene)
    # One grid of windows fixed to the region: away from the edges of the small blocks (where one window alone
    # predicts MARGIN px on either side) cutting the region into one-stride blocks changes nothing.
    rows, cols = np.arange(classes.shape[0]) % blend.STRIDE, np.arange(classes.shape[1]) % blend.STRIDE
    inside = ((rows >= blend.MARGIN) & (rows < blend.STRIDE - blend.MARGIN))[:, None] & (
        (cols >= blend.MARGIN) & (cols < blend.STRIDE - blend.MARGIN)
    )[None, :]
    assert (small == classes)[inside].mean() >= 0.999

    with rasterio.open(scene) as src:
        same, total = blend.seam_agreement(engine.scores, lambda r, c, h, w: read_padded(src, r, c, h, w)[0], classes)
    # Even this network of 30 steps on 64-px crops, whose classes follow its context more than a trained one's,
    # agrees on 99.5 % (scripts/bench_zoo.py --parts quality measures the models trained on real patches).
    assert total > 0 and same / total >= 0.995, same / total


def test_a_region_one_window_covers_is_predicted_in_one_pass_over_it_and_its_margin():
    """Small scenes (a 256-px patch) cost one pass over the patch and its margin, not a whole 1024-px window."""
    side = 256 + 2 * blend.MARGIN
    seen: list[tuple[int, ...]] = []

    def scores(windows: np.ndarray) -> torch.Tensor:
        seen.append(windows.shape)
        return torch.ones(len(windows), 5, *windows.shape[2:])

    out = blend.blended_scores(scores, np.zeros((4, side, side), np.uint8))
    assert seen == [(1, 4, side, side)] and out.shape == (5, 256, 256)
