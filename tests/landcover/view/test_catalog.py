"""What `landcover view` finds in real `landcover predict` and `evaluate` output folders, and in single rasters."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import rasterio

from landcover.infer.categories import aux_path, style_path
from landcover.io.outputs import MANIFEST_NAME, OWN_NAMES
from landcover.view.catalog import build_catalog
from tests.data.fixtures import write_scene_folder
from tests.data.models import fresh_checkpoint
from tests.data.view_scenes import write_view_folder
from tests.helpers import landcover


@pytest.fixture(scope="module")
def predicted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    root = tmp_path_factory.mktemp("predict")
    scenes = write_scene_folder(root / "scenes", [(256, 256), (192, 320)], seed=3)
    model = fresh_checkpoint(root / "m.pt")
    out = root / "maps"
    os.environ.setdefault("LANDCOVER_PROGRESS", "plain")
    result = landcover(
        "predict", "--scenes", str(root / "scenes"), "--model-filename", str(model), "--output-dir", str(out)
    )
    assert result.returncode == 0, result.stderr
    return out, scenes


def test_predict_writes_confidence_names_and_styles_per_scene_and_for_the_mosaic(predicted) -> None:
    out, scenes = predicted
    for scene in scenes:
        stem = scene.name.removesuffix(".tif")
        classes, confidence = out / f"{stem}_landcover.tif", out / f"{stem}_landcover_confidence.tif"
        assert aux_path(classes).is_file() and style_path(classes).is_file()
        with rasterio.open(classes) as c, rasterio.open(confidence) as s:
            assert (s.width, s.height, s.crs, s.transform) == (c.width, c.height, c.crs, c.transform)
            assert s.nodata == 0 and s.read(1).min() >= 64
    assert style_path(out / "mosaic.vrt").is_file()
    assert {p.name for p in out.iterdir() if p.name.startswith(".")} <= set(OWN_NAMES)
    recorded = json.loads((out / MANIFEST_NAME).read_text())["files"]
    visible = {p.name for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert visible == {name for name, record in recorded.items() if record["complete"]}  # --force may replace them


def test_a_predict_folder_shows_maps_confidence_and_the_scenes(predicted) -> None:
    out, scenes = predicted
    catalog = build_catalog([str(out)])
    layers = {layer.id: layer for layer in catalog.layers}
    assert set(layers) == {"true-colour", "false-colour", "prediction", "confidence"}
    assert len(layers["prediction"].rasters) == len(scenes) == len(layers["confidence"].rasters)
    assert {r.href for r in layers["true-colour"].rasters} == {str(s) for s in scenes}
    assert sum(area[2] for area in layers["prediction"].areas) == pytest.approx(100)
    assert catalog.metrics is None


def test_several_folders_make_one_mosaic_and_their_metrics_add_up(tmp_path: Path) -> None:
    first, second = write_view_folder(tmp_path / "a", "utm"), write_view_folder(tmp_path / "b", "custom")
    catalog = build_catalog([str(first), str(second)])
    assert len(catalog.layer("prediction").rasters) == 2  # type: ignore[union-attr]
    assert len(catalog.layer("disagreement").rasters) == 2  # type: ignore[union-attr]
    assert catalog.metrics is not None and catalog.metrics["pixel_accuracy"] == pytest.approx(0.84375)
    west, _, east, _ = catalog.bounds()
    assert west < -74 and east > 8  # Virginia's coast to Switzerland


def test_a_single_map_or_mosaic_is_a_prediction_layer(predicted) -> None:
    out, _ = predicted
    for path in (out / "mosaic.vrt", next(out.glob("*_landcover.tif"))):
        (layer,) = build_catalog([str(path)]).layers
        assert layer.id == "prediction" and layer.kind == "classes"


def test_a_remote_cog_is_read_by_ranges_and_tiled(tmp_path: Path) -> None:
    from landcover.view.tiles import WEB_MERCATOR, render, tile_image
    from tests.data.http_server import serve_directory

    folder = write_view_folder(tmp_path / "served", "utm")
    with serve_directory(folder) as server:
        (imagery, false_colour) = build_catalog([f"{server.url}/NAIP.tif"]).layers
        assert imagery.id == "true-colour" and false_colour.id == "false-colour"
        west, south, east, north = imagery.rasters[0].bounds
        tile = WEB_MERCATOR.tile((west + east) / 2, (south + north) / 2, imagery.rasters[0].maxzoom)
        image = tile_image(imagery, tile.x, tile.y, tile.z)
        assert image is not None and render(imagery, image).startswith(b"\x89PNG")
