"""A seeded evaluate-like folder whose classes are known by position, in any CRS, for the viewer's tests.

The folder holds what ``landcover evaluate`` writes (through the same writers): ``NAIP.tif``,
``pred_labels.tif``, ``true_labels.tif``, ``confidence.tif`` and ``metrics.json``. The prediction is four
blocks: water top-left, trees top-right, herbaceous bottom-left, barren bottom-right; the truth equals it
except the right half of the barren block, which is herbaceous (the disagreement). Confidence is one value
per block.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from rasterio.crs import CRS
from rasterio.transform import Affine, from_origin
from rasterio.windows import Window

from landcover.data.pairs import NAIP_COLOUR_INTERPRETATION
from landcover.infer.outputs import StreamingRaster
from landcover.metrics import confusion_matrix, summarise

SIZE = 256
SPLIT_COL, SPLIT_ROW_LEFT, SPLIT_ROW_RIGHT = 96, 160, 128
CONFIDENCE = {1: 250, 2: 200, 3: 150, 4: 100}
CUSTOM_WKT = (
    'PROJCS["unnamed oblique stereographic",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
    'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Oblique_Stereographic"],'
    'PARAMETER["latitude_of_origin",47.3],PARAMETER["central_meridian",8.1],PARAMETER["scale_factor",0.9997],'
    'PARAMETER["false_easting",1000],PARAMETER["false_northing",2000],UNIT["metre",1]]'
)
"""A projection no EPSG code names."""

GRIDS: dict[str, tuple[CRS, Affine]] = {
    "utm": (CRS.from_epsg(32618), from_origin(500_000, 4_100_000, 1.0, 1.0)),  # ~37.04 N, 75.0 W
    "geographic": (CRS.from_epsg(4326), from_origin(-105.2, 40.01, 1e-5, 1e-5)),  # Boulder, ~1.1 m pixels
    "custom": (CRS.from_wkt(CUSTOM_WKT), from_origin(1_000, 2_000, 1.0, 1.0)),  # at 47.3 N, 8.1 E
}


def class_at(row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """The predicted class of each pixel by position."""
    left = col < SPLIT_COL
    top = np.where(left, row < SPLIT_ROW_LEFT, row < SPLIT_ROW_RIGHT)
    return np.where(left, np.where(top, 1, 3), np.where(top, 2, 4)).astype(np.uint8)


def truth_at(row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """The truth: the prediction, with the right half of the barren block herbaceous."""
    classes = class_at(row, col)
    return np.where((classes == 4) & (col >= (SPLIT_COL + SIZE) // 2), 3, classes).astype(np.uint8)


def block_centres() -> dict[int, tuple[int, int]]:
    """(row, col) of a pixel well inside each class's block of the prediction."""
    return {
        1: (SPLIT_ROW_LEFT // 2, SPLIT_COL // 2),
        2: (SPLIT_ROW_RIGHT // 2, (SPLIT_COL + SIZE) // 2),
        3: ((SPLIT_ROW_LEFT + SIZE) // 2, SPLIT_COL // 2),
        4: ((SPLIT_ROW_RIGHT + SIZE) // 2, (SPLIT_COL + (SPLIT_COL + SIZE) // 2) // 2),
    }


DISAGREEMENT_PIXEL = ((SPLIT_ROW_RIGHT + SIZE) // 2, ((SPLIT_COL + SIZE) // 2 + SIZE) // 2)
"""(row, col) inside the block where truth (herbaceous) and prediction (barren) differ."""


def _write(path: Path, data: np.ndarray, grid: tuple[CRS, Affine], **options: object) -> None:
    crs, transform = grid
    profile = {"width": SIZE, "height": SIZE, "count": data.shape[0], "dtype": "uint8", "crs": crs}
    writer = StreamingRaster(path, {**profile, "transform": transform, "nodata": 0}, **options)  # type: ignore[arg-type]
    writer.write(data, Window(0, 0, SIZE, SIZE))
    writer.finish()


def write_view_folder(folder: Path, grid: str = "utm", seed: int = 27) -> Path:
    """Write the folder in one of :data:`GRIDS`; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    classes, truth = class_at(rows, cols), truth_at(rows, cols)
    rng = np.random.default_rng(seed)
    palette = np.array([[0, 0, 0, 0], [30, 60, 110, 20], [40, 100, 40, 200], [140, 170, 90, 150], [160, 150, 140, 90]])
    imagery = np.clip(palette[classes].transpose(2, 0, 1) + rng.normal(0, 6, (4, SIZE, SIZE)), 1, 255)
    sure = np.vectorize(CONFIDENCE.get)(classes).astype(np.uint8)
    naip = {"categorical": False, "bands": NAIP_COLOUR_INTERPRETATION}
    _write(folder / "NAIP.tif", imagery.astype(np.uint8), GRIDS[grid], **naip)
    _write(folder / "pred_labels.tif", classes[None], GRIDS[grid], colourmap=True)
    _write(folder / "true_labels.tif", truth[None], GRIDS[grid], colourmap=True)
    _write(folder / "confidence.tif", sure[None], GRIDS[grid], categorical=False)
    metrics = summarise(confusion_matrix(truth, classes))
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
    return folder
