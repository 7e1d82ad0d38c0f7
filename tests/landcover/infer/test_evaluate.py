"""`landcover evaluate` end to end through the real command, and its bad input."""

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from PIL import Image

from landcover.data.chesapeake import convert_patches
from landcover.io.lock import LOCK_NAME
from landcover.io.outputs import MANIFEST_NAME
from tests.conftest import shared_path
from tests.data.fixtures import write_pair
from tests.data.models import fresh_checkpoint
from tests.helpers import assert_one_line_error, landcover

OWN = {MANIFEST_NAME, LOCK_NAME}
"""landcover's record of what it wrote in the folder, and the folder's lock."""
CLASS_SIDECARS = {"pred_labels.tif.aux.xml", "pred_labels.qml", "true_labels.tif.aux.xml", "true_labels.qml"}
OUTPUTS = {
    "pred_labels.tif",
    "NAIP.tif",
    "true_labels.tif",
    "confidence.tif",
    "metrics.json",
    "preview.png",
    "probabilities.tif",
    *CLASS_SIDECARS,
}


@pytest.fixture
def scene(tmp_path) -> Path:
    image, _ = write_pair(tmp_path / "scene", "S1", size=(320, 288), seed=9)
    return image


@pytest.fixture
def model(tmp_path) -> Path:
    return fresh_checkpoint(tmp_path / "model.pt")


def _evaluate(image, model, out, *extra):
    return landcover(
        "evaluate", "--input-filename", str(image), "--model-filename", str(model), "--output-dir", str(out), *extra
    )


def test_whole_scene_outputs(scene, model, tmp_path):
    out = tmp_path / "out"
    result = _evaluate(scene, model, out, "--probabilities")
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} == OUTPUTS | OWN
    with rasterio.open(out / "pred_labels.tif") as pred, rasterio.open(scene) as src:
        assert pred.transform == src.transform and pred.crs == src.crs
        assert (pred.width, pred.height) == (288, 320)
        assert pred.nodata == 0 and pred.colormap(1)[1] == (0, 0, 255, 255)
        assert pred.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert pred.overviews(1)
        assert set(np.unique(pred.read(1))) <= {1, 2, 3, 4}
    with rasterio.open(out / "NAIP.tif") as naip:
        assert naip.count == 4 and naip.colorinterp[3].name == "undefined"
    with rasterio.open(out / "probabilities.tif") as probabilities:
        total = probabilities.read().astype(int).sum(axis=0)
        assert probabilities.count == 5 and np.abs(total - 255).max() <= 3
        top = probabilities.read()
    with rasterio.open(out / "confidence.tif") as sure, rasterio.open(out / "pred_labels.tif") as pred:
        assert sure.nodata == 0 and sure.dtypes[0] == "uint8" and sure.overviews(1)
        confidence, classes = sure.read(1).astype(int), pred.read(1)
        # the chosen class's share of the known classes' probability
        chosen = np.take_along_axis(top[1:].astype(int), (classes.astype(int) - 1)[None], 0)[0]
        assert np.abs(confidence - np.rint(255 * chosen / top[1:].astype(int).sum(0))).max() <= 1
        assert confidence.min() >= 64 - 1  # at worst a four-way tie
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"pixel_accuracy", "mean_iou", "per_class", "confusion_matrix"} <= set(metrics)
    assert metrics["pixels"] == 320 * 288
    preview = Image.open(out / "preview.png")
    assert preview.width > 3 * 288
    assert "pixel accuracy" in result.stdout and "km²/s" in result.stdout


def test_tutorial_spellings_and_centre_region(scene, model, tmp_path):
    with rasterio.open(scene) as src:
        from pyproj import Transformer

        x, y = src.xy(160, 144)
        lon, lat = Transformer.from_crs(src.crs, "EPSG:4326", always_xy=True).transform(x, y)
    out = tmp_path / "out"
    result = landcover(
        "evaluate",
        "--input_filename",
        str(scene),
        "--model_filename",
        str(model),
        "--output_dir",
        str(out),
        "--center_lat",
        str(lat),
        "--center_lon",
        str(lon),
        "--region_dim",
        "128",
    )
    assert result.returncode == 0, result.stderr
    with rasterio.open(out / "pred_labels.tif") as pred:
        assert (pred.width, pred.height) == (128, 128)


def test_without_labels_there_are_no_metrics(tmp_path, model):
    image, labels = write_pair(tmp_path / "s", "S2", size=(160, 160))
    labels.unlink()
    result = _evaluate(image, model, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert (
        names
        == {
            "pred_labels.tif",
            "pred_labels.tif.aux.xml",
            "pred_labels.qml",
            "confidence.tif",
            "NAIP.tif",
            "preview.png",
        }
        | OWN
    )


def _no_final_outputs(out: Path) -> bool:
    return not out.exists() or not (OUTPUTS & {p.name for p in out.iterdir()})


def test_missing_and_corrupt_image(tmp_path, model):
    out = tmp_path / "out"
    assert_one_line_error(_evaluate(tmp_path / "nope_NAIP.tif", model, out), "nope_NAIP.tif: no such file")
    corrupt = tmp_path / "bad_NAIP.tif"
    corrupt.write_bytes(b"not a tiff at all")
    assert_one_line_error(_evaluate(corrupt, model, out), "bad_NAIP.tif: not a readable GeoTIFF")
    assert _no_final_outputs(out)


def test_model_that_does_not_fit(scene, tmp_path):
    out = tmp_path / "out"
    three_band = fresh_checkpoint(tmp_path / "rgb.pt", in_channels=3, mean=(0.3,) * 3, std=(0.2,) * 3)
    assert_one_line_error(_evaluate(scene, three_band, out), "rgb.pt: the model takes 3 bands")
    seven_class = fresh_checkpoint(tmp_path / "seven.pt", num_classes=7)
    assert_one_line_error(_evaluate(scene, seven_class, out), "seven.pt: the model predicts 7 classes")
    assert_one_line_error(_evaluate(scene, tmp_path / "none.pt", out), "none.pt: no such model file")
    assert _no_final_outputs(out)


def test_region_outside_or_empty(scene, model, tmp_path):
    out = tmp_path / "out"
    far = _evaluate(scene, model, out, "--center-lat", "40", "--center-lon", "-75")
    assert_one_line_error(far, "wholly outside the scene", "lat ")
    bad_size = _evaluate(scene, model, out, "--center-lat", "37", "--center-lon", "-78", "--region-dim", "0")
    assert_one_line_error(bad_size, "--region-dim '0' is not a positive size")
    assert _no_final_outputs(out)


def test_output_dir_not_writable(scene, model, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert_one_line_error(_evaluate(scene, model, blocker / "out"), "--output-dir", "cannot be created")


def test_labels_of_another_size_or_crs(scene, model, tmp_path):
    out = tmp_path / "out"
    _, other_size = write_pair(tmp_path / "o1", "X", size=(100, 100))
    assert_one_line_error(_evaluate(scene, model, out, "--labels", str(other_size)), "X_LandCover.tif: labels are")
    _, other_crs = write_pair(tmp_path / "o2", "Y", size=(320, 288), crs="EPSG:32617")
    assert_one_line_error(_evaluate(scene, model, out, "--labels", str(other_crs)), "Y_LandCover.tif")
    assert _no_final_outputs(out)


@pytest.mark.shared
def test_imported_tutorial_model_on_a_real_patch(tmp_path):
    models = shared_path("models", "seed")
    pairs = tmp_path / "pairs"
    convert_patches(shared_path("data", "real", "chesapeake-wv-2014"), pairs)
    checkpoint = tmp_path / "tutorial.pt"
    assert landcover("import-cntk", str(models / "250epochs.model"), str(checkpoint)).returncode == 0
    image = next(pairs.glob("*-0_NAIP.tif"))
    result = _evaluate(image, checkpoint, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "tutorial 256/128 tiling" in result.stdout
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["pixel_accuracy"] > 0.8
    # The CNTK file itself is accepted too (imported in memory), with the same result.
    direct = _evaluate(image, models / "250epochs.model", tmp_path / "direct")
    assert direct.returncode == 0, direct.stderr
    again = json.loads((tmp_path / "direct" / "metrics.json").read_text())
    assert again["confusion_matrix"] == metrics["confusion_matrix"]
