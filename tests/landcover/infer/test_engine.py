import numpy as np
import pytest
import rasterio
import torch
from rasterio.windows import Window

import landcover
from landcover.infer.engine import Engine, read_padded
from tests.data.fixtures import write_pair
from tests.data.models import fresh_checkpoint


@pytest.fixture
def scene(tmp_path):
    image, _ = write_pair(tmp_path, "scene", size=(300, 260), seed=3)
    return image


def _classes(engine, path, window=None):
    with rasterio.open(path) as src:
        return engine.scene_classes(src, window)


def test_read_padded_reflects_beyond_the_scene(scene):
    with rasterio.open(scene) as src:
        full = src.read()
        pixels, valid = read_padded(src, -64, -10, 200, 400)
    expected = np.pad(full, ((0, 0), (64, 0), (10, 400 - 10 - 260)), mode="reflect")[:, :200]
    np.testing.assert_array_equal(pixels, expected)
    assert not valid[:64].any() and valid[64:, 10:270].all() and not valid[:, 270:].any()


def test_large_blocks_equal_the_tutorial_tiling_in_fp32(scene, tmp_path):
    model = landcover.load_model(fresh_checkpoint(tmp_path / "m.pt"))
    cpu = torch.device("cpu")
    large = _classes(Engine(model, cpu, exact=True, block=1024), scene)
    tiled = _classes(Engine(model, cpu, exact=True, tutorial_tiling=True), scene)
    small = _classes(Engine(model, cpu, exact=True, block=128), scene)
    assert len(np.unique(tiled)) > 1
    np.testing.assert_array_equal(large, tiled)
    np.testing.assert_array_equal(small, tiled)


def test_region_inside_the_scene_matches_the_whole_scene(scene, tmp_path):
    # Offsets on the network's 8-pixel stride grid: the margin gives the region real context.
    model = landcover.load_model(fresh_checkpoint(tmp_path / "m.pt"))
    engine = Engine(model, torch.device("cpu"), exact=True)
    whole = _classes(engine, scene)
    part = _classes(engine, scene, Window(72, 80, 120, 100))
    np.testing.assert_array_equal(part, whole[80:180, 72:192])


def test_window_models_use_the_tutorial_tiling(tmp_path):
    model = landcover.load_model(fresh_checkpoint(tmp_path / "w.pt", normalisation="window"))
    assert Engine(model, torch.device("cpu")).tutorial_tiling
    assert not Engine(landcover.load_model(fresh_checkpoint(tmp_path / "d.pt")), torch.device("cpu")).tutorial_tiling


def test_nodata_pixels_are_class_zero(tmp_path):
    image, _ = write_pair(tmp_path, "holes", size=(160, 160), seed=4)
    with rasterio.open(image, "r+") as dst:
        dst.nodata = 0
        data = dst.read()
        data[:, 40:60, 50:90] = 0
        dst.write(data)
    model = landcover.load_model(fresh_checkpoint(tmp_path / "m.pt"))
    engine = Engine(model, torch.device("cpu"), probabilities=True)
    with rasterio.open(image) as src:
        block = next(iter(engine.blocks(src, Window(0, 0, 160, 160))))
    assert (block.classes[40:60, 50:90] == 0).all()
    assert (block.probabilities[:, 40:60, 50:90] == 0).all()
    assert (block.classes[:40] > 0).all()
