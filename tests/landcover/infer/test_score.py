"""``landcover score`` on images of any size."""

from __future__ import annotations

import json

import numpy as np
import torch

import landcover
from landcover.model.apply import predict_whole
from tests.data.fixtures import write_pair
from tests.data.models import fresh_checkpoint
from tests.helpers import assert_one_line_error
from tests.helpers import landcover as run_landcover


def test_score_accepts_a_100_by_100_image(tmp_path):
    write_pair(tmp_path / "pairs", "small", size=(100, 100), seed=3)
    model = fresh_checkpoint(tmp_path / "model.pt")
    result = run_landcover("score", str(model), str(tmp_path / "pairs"), "--margin", "16", "--json")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["images"] == 1 and metrics["pixels"] == 68 * 68

    too_small = run_landcover("score", str(model), str(tmp_path / "pairs"))
    assert_one_line_error(too_small, "small_NAIP.tif", "100 x 100", "--margin below 50")


def test_predict_whole_pads_and_crops_like_the_engine(tmp_path):
    model = landcover.load_model(fresh_checkpoint(tmp_path / "model.pt"))
    image = np.random.default_rng(0).integers(0, 256, size=(4, 100, 100), dtype=np.uint8)
    classes = predict_whole(model, image)
    assert classes.shape == (100, 100)
    padded = np.pad(image, ((0, 0), (0, 4), (0, 4)), mode="reflect")
    with torch.no_grad():
        expected = model(torch.from_numpy(padded[None].astype(np.float32) / 255.0))[0, :, :100, :100].argmax(0)
    assert np.array_equal(classes, expected.numpy())
