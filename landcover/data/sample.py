"""Deterministic synthetic NAIP scenes with land-cover labels, replacing the tutorial's lost blob data.

``landcover sample-data OUT_DIR`` writes what the tutorial downloaded:

- ``training_data/``: 8 pairs ``C0N_NAIP.tif`` (4-band uint8 R, G, B, NIR) + ``C0N_LandCover.tif``
  (uint8 labels 0-6: 0 unknown, 1 water, 2 trees, 3 herbaceous, 4 barren, 5 buildings, 6 roads);
- ``evaluation_data/C14_NAIP.tif`` + ``C14_LandCover.tif``: a larger scene that contains the tutorial's
  evaluation point (lat 37.055522, lon -78.638640) in its real UTM zone (EPSG:26917), 1 m pixels.

The scenes are synthetic but structured like real land cover: lakes that are dark in NIR, textured forest
that is bright in NIR, field parcels of varying greenness, bare plots, straight roads with buildings
beside them, and unknown labels along some edges. Everything follows from one integer seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
import torch
import torch.nn.functional as F
from pyproj import Transformer
from rasterio.transform import from_origin

from clibase.atomic import atomic_path
from landcover.data.pairs import IMAGE_SUFFIX, LABEL_SUFFIX, NAIP_COLOUR_INTERPRETATION
from landcover.io.errors import LandcoverError
from landcover.io.outputs import Named, staged_folder
from landcover.io.paths import check_output_dir

CRS = "EPSG:26917"
EVALUATION_POINT = (37.055522, -78.638640)  # lat, lon of the tutorial's evaluation region
TRAINING_SIZE = 768
EVALUATION_SIZE = 2048
TRAINING_PAIRS = 8

WATER, TREES, HERBACEOUS, BARREN, BUILDING, ROAD = 1, 2, 3, 4, 5, 6

# Mean R, G, B, NIR per raw label value (NAIP-like reflectances), and per-pixel noise.
SPECTRA = np.array(
    [
        [0, 0, 0, 0],
        [38, 58, 72, 18],  # water: dark, NIR absorbed
        [52, 78, 55, 150],  # trees: dark green, bright NIR
        [118, 142, 88, 125],  # herbaceous: light green
        [168, 152, 128, 118],  # barren soil
        [150, 146, 142, 104],  # buildings: grey roofs
        [92, 92, 96, 70],  # roads: dark asphalt
    ],
    dtype=np.float32,
)
NOISE = np.array([0, 3, 10, 6, 8, 9, 5], dtype=np.float32)


@dataclass(frozen=True)
class Scene:
    """One generated scene: imagery (4, H, W), raw labels (H, W) and its map position."""

    image: np.ndarray
    labels: np.ndarray
    west: float
    north: float


def smooth_noise(rng: np.random.Generator, height: int, width: int, scale: int) -> np.ndarray:
    """Zero-mean, unit-variance noise whose features are about ``scale`` pixels wide."""
    coarse = rng.standard_normal((1, 1, height // scale + 3, width // scale + 3)).astype(np.float32)
    fine = F.interpolate(torch.from_numpy(coarse), scale_factor=scale, mode="bicubic", align_corners=False)
    field = fine[0, 0, scale : scale + height, scale : scale + width].numpy()
    return (field - field.mean()) / (field.std() + 1e-6)


def _parcels(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Integer parcel ids on an irregular grid of fields 60-220 px wide."""
    rows = np.cumsum(rng.integers(60, 220, size=height // 60 + 2))
    cols = np.cumsum(rng.integers(60, 220, size=width // 60 + 2))
    row_id = np.searchsorted(rows, np.arange(height), side="right")
    col_id = np.searchsorted(cols, np.arange(width), side="right")
    return row_id[:, None] * (len(cols) + 1) + col_id[None, :]


def _road_distance(rng: np.random.Generator, height: int, width: int, roads: int) -> tuple[np.ndarray, np.ndarray]:
    """Distance to the nearest of a few straight roads, and each road's half-width at every pixel."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    distance = np.full((height, width), np.inf, dtype=np.float32)
    half_width = np.zeros((height, width), dtype=np.float32)
    for _ in range(roads):
        angle = rng.uniform(0, np.pi)
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        d = np.abs((yy - cy) * np.cos(angle) - (xx - cx) * np.sin(angle))
        closer = d < distance
        distance = np.where(closer, d, distance)
        half_width = np.where(closer, rng.uniform(2.5, 5.0), half_width)
    return distance, half_width


def generate_labels(rng: np.random.Generator, parcels: np.ndarray) -> np.ndarray:
    """Raw labels 1-6 for one scene of field ``parcels`` (unknown edges are added separately)."""
    height, width = parcels.shape
    labels = np.full((height, width), HERBACEOUS, dtype=np.uint8)
    bare = rng.random(parcels.max() + 1) < 0.12
    labels[bare[parcels]] = BARREN
    forest = smooth_noise(rng, height, width, 96) + 0.5 * smooth_noise(rng, height, width, 24)
    labels[forest > rng.uniform(-0.3, 0.3)] = TREES
    elevation = smooth_noise(rng, height, width, 160)
    labels[elevation < np.quantile(elevation, rng.uniform(0.03, 0.09))] = WATER
    distance, half_width = _road_distance(rng, height, width, int(rng.integers(2, 5)))
    on_land = labels != WATER
    for _ in range(int(height * width / 6000)):
        y, x = int(rng.integers(0, height)), int(rng.integers(0, width))
        if not (half_width[y, x] + 4 < distance[y, x] < half_width[y, x] + 30 and on_land[y, x]):
            continue
        h, w = (int(v) for v in rng.integers(7, 20, size=2))
        labels[y : y + h, x : x + w] = BUILDING
    labels[distance <= half_width] = ROAD
    return labels


def render_image(rng: np.random.Generator, labels: np.ndarray, parcels: np.ndarray) -> np.ndarray:
    """NAIP-like uint8 imagery (4, H, W) for raw labels, with texture, per-field variation and noise."""
    height, width = labels.shape
    vigour = rng.normal(0, 1, size=parcels.max() + 1).astype(np.float32)[parcels][..., None]
    greenness = vigour * np.array([-6, 4, -3, 12], dtype=np.float32) + rng.normal(0, 4, size=(height, width, 1))
    image = SPECTRA[labels].copy()
    fields = (labels == HERBACEOUS) | (labels == BARREN)
    image[fields] += greenness[fields]
    canopy = smooth_noise(rng, height, width, 3)[..., None] * np.array([8, 10, 7, 22], dtype=np.float32)
    image[labels == TREES] += canopy[labels == TREES]
    image += rng.standard_normal(image.shape).astype(np.float32) * NOISE[labels][..., None]
    image += smooth_noise(rng, height, width, 256)[..., None] * 6  # gentle illumination drift
    return np.clip(image, 0, 255).astype(np.uint8).transpose(2, 0, 1).copy()


def unknown_edges(rng: np.random.Generator, labels: np.ndarray) -> None:
    """Mark a strip along one or two edges as unknown (0), as label rasters often are."""
    height, width = labels.shape
    for side in rng.choice(4, size=int(rng.integers(1, 3)), replace=False):
        depth = int(rng.integers(8, max(9, min(height, width) // 12)))
        if side == 0:
            labels[:depth] = 0
        elif side == 1:
            labels[-depth:] = 0
        elif side == 2:
            labels[:, :depth] = 0
        else:
            labels[:, -depth:] = 0


def generate_scene(seed: int, size: int, west: float, north: float) -> Scene:
    """One deterministic scene of ``size`` x ``size`` 1 m pixels with its top-left corner at (west, north)."""
    rng = np.random.default_rng(seed)
    parcels = _parcels(rng, size, size)
    labels = generate_labels(rng, parcels)
    image = render_image(rng, labels, parcels)
    unknown_edges(rng, labels)
    return Scene(image, labels, west, north)


def write_scene(scene: Scene, directory: Path, name: str) -> tuple[Path, Path]:
    """Write a scene as a tiled, compressed GeoTIFF pair (atomically)."""
    height, width = scene.labels.shape
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "crs": CRS,
        "transform": from_origin(scene.west, scene.north, 1.0, 1.0),
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
    }
    paths = (directory / f"{name}{IMAGE_SUFFIX}", directory / f"{name}{LABEL_SUFFIX}")
    for path, data in zip(paths, (scene.image, scene.labels[None]), strict=True):
        with atomic_path(path) as tmp, rasterio.open(tmp, "w", count=len(data), dtype="uint8", **profile) as dst:
            dst.write(data)
            if len(data) == 4:
                dst.colorinterp = NAIP_COLOUR_INTERPRETATION
                dst.descriptions = ("red", "green", "blue", "nir")
    return paths


def evaluation_origin() -> tuple[float, float]:
    """Top-left corner (UTM metres) of the evaluation scene: the tutorial's point sits off-centre inside it."""
    to_utm = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    x, y = to_utm.transform(EVALUATION_POINT[1], EVALUATION_POINT[0])
    return float(np.floor(x - 0.45 * EVALUATION_SIZE)), float(np.ceil(y + 0.55 * EVALUATION_SIZE))


def sample_paths(out_dir: Path) -> list[Path]:
    """Every file :func:`write_sample_data` writes into ``out_dir``."""
    names = [("training_data", f"C{index:02d}") for index in range(TRAINING_PAIRS)] + [("evaluation_data", "C14")]
    return [out_dir / folder / f"{name}{suffix}" for folder, name in names for suffix in (IMAGE_SUFFIX, LABEL_SUFFIX)]


def check_sample_targets(out_dir: Path) -> None:
    """Refuse an ``OUT_DIR`` that cannot be written, or where a folder sits at a sample file's name.

    Raises:
        LandcoverError: One line naming the folder (or the first path in the way) and the fix.
    """
    check_output_dir(out_dir, "OUT_DIR")
    for folder in ("training_data", "evaluation_data"):
        check_output_dir(out_dir / folder, "OUT_DIR")
    for path in sample_paths(out_dir):
        if path.is_dir():
            raise LandcoverError(f"OUT_DIR: {path} is a folder, where a sample file goes", "choose another OUT_DIR")


def write_sample_data(out_dir: str | Path, seed: int = 0, *, force: bool = False) -> list[Path]:
    """Write the training pairs and the evaluation scene; return the files written.

    The files are written as one result (:func:`landcover.io.outputs.staged_folder`): into a staging
    folder, moved into place once all are written; files of the same names that landcover did not write are
    refused (also with ``force``).

    Args:
        out_dir: Folder that receives ``training_data/`` and ``evaluation_data/``.
        seed: Everything generated follows from this integer.
        force: Replace the files an earlier ``sample-data`` wrote there (``False``: refuse, before any work).

    Returns:
        The GeoTIFF paths written.

    Raises:
        LandcoverError: ``out_dir`` cannot be written, holds files in the way, or an earlier result without
            ``force``.
    """
    out_dir = Path(out_dir)
    check_sample_targets(out_dir)
    names = [str(path.relative_to(out_dir)) for path in sample_paths(out_dir)]
    west, north = evaluation_origin()
    folder = Named(path=out_dir, option="OUT_DIR")
    with staged_folder(folder, command="sample-data", names=names, force=force) as result:
        for index in range(TRAINING_PAIRS):
            # Training tiles lie in a row north of the evaluation scene, never overlapping it.
            tile_west = west - 4 * TRAINING_SIZE + index * (TRAINING_SIZE + 100)
            scene = generate_scene(seed * 1000 + index, TRAINING_SIZE, tile_west, north + 3 * TRAINING_SIZE)
            write_scene(scene, result.folder("training_data"), f"C{index:02d}")
        scene = generate_scene(seed * 1000 + 14, EVALUATION_SIZE, west, north)
        write_scene(scene, result.folder("evaluation_data"), "C14")
    return sample_paths(out_dir)
