"""Seeded generators for small GeoTIFF fixtures with a real CRS and transform."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import rasterio
from rasterio.errors import NotGeoreferencedWarning
from rasterio.transform import Affine, from_origin

from landcover.data.pairs import NAIP_COLOUR_INTERPRETATION

CRS = "EPSG:26917"  # NAD83 / UTM zone 17N, the tutorial's evaluation scene
ORIGIN = (722_000.0, 4_105_000.0)  # near the tutorial's evaluation point in Virginia


def blob_labels(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Blocky labels 1-6 (coarse random cells upsampled), so every class forms regions."""
    cells = rng.integers(1, 7, size=(height // 16 + 1, width // 16 + 1), dtype=np.uint8)
    return np.kron(cells, np.ones((16, 16), dtype=np.uint8))[:height, :width]


def image_for(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """4-band uint8 imagery whose colour depends on the label, plus noise."""
    palette = np.array(
        [
            [0, 0, 0, 0],
            [40, 60, 90, 20],
            [50, 90, 50, 180],
            [120, 160, 90, 140],
            [150, 140, 130, 110],
            [170, 160, 150, 100],
            [110, 110, 110, 90],
        ],
        dtype=np.float32,
    )
    base = palette[np.minimum(labels, 6)].transpose(2, 0, 1)
    noisy = base + rng.normal(0, 12, size=base.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def write_pair(
    directory: Path,
    name: str,
    *,
    size: tuple[int, int] = (160, 160),
    seed: int = 0,
    crs: str | None = CRS,
    origin: tuple[float, float] = ORIGIN,
) -> tuple[Path, Path]:
    """Write ``<name>_NAIP.tif`` and ``<name>_LandCover.tif`` (1 m pixels) and return their paths."""
    rng = np.random.default_rng(seed)
    height, width = size
    labels = blob_labels(rng, height, width)
    image = image_for(labels, rng)
    directory.mkdir(parents=True, exist_ok=True)
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "crs": crs,
        "transform": from_origin(origin[0], origin[1], 1.0, 1.0),
    }
    image_path = directory / f"{name}_NAIP.tif"
    label_path = directory / f"{name}_LandCover.tif"
    with rasterio.open(image_path, "w", count=4, dtype="uint8", **profile) as dst:
        dst.write(image)
        dst.colorinterp = NAIP_COLOUR_INTERPRETATION
    with rasterio.open(label_path, "w", count=1, dtype="uint8", **profile) as dst:
        dst.write(labels, 1)
    return image_path, label_path


def write_pairs(directory: Path, count: int, size: tuple[int, int] = (160, 160)) -> Path:
    """Write ``count`` seeded training pairs side by side (``tile0``, ``tile1``, ...) and return the folder."""
    for index in range(count):
        write_pair(directory, f"tile{index}", size=size, seed=index, origin=(700_000.0 + 200 * index, 4_100_000.0))
    return directory


def write_cog(directory: Path, name: str, *, size: tuple[int, int] = (1024, 1024), seed: int = 0) -> Path:
    """Write ``<name>.tif``: a 4-band Cloud-Optimized GeoTIFF (256-px tiles, overviews), as archives serve them."""
    import rasterio.shutil

    image, labels = write_pair(directory / ".cog-src", name, size=size, seed=seed)
    cog = directory / f"{name}.tif"
    rasterio.shutil.copy(image, cog, driver="COG", compress="deflate", blocksize=256)
    image.unlink()
    labels.unlink()
    return cog


def write_scene_folder(directory: Path, sizes: list[tuple[int, int]], *, seed: int = 0) -> list[Path]:
    """Write one ``S<i>_NAIP.tif`` (with its labels) per size, side by side from west to east (100 m apart)."""
    images, west = [], ORIGIN[0]
    for index, size in enumerate(sizes):
        image, _ = write_pair(directory, f"S{index}", size=size, seed=seed + index, origin=(west, ORIGIN[1]))
        images.append(image)
        west += size[1] + 100
    return images


def write_geotiff(
    path: Path, data: np.ndarray, *, crs: str | None, transform: Affine, nodata: float | None = None
) -> Path:
    """Write ``(bands, rows, cols)`` pixels as a GeoTIFF (parents made); a raster without a CRS is no warning."""
    path.parent.mkdir(parents=True, exist_ok=True)
    bands, height, width = data.shape
    profile = {"driver": "GTiff", "width": width, "height": height, "count": bands, "dtype": data.dtype.name}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path, "w", crs=crs, transform=transform, nodata=nodata, **profile) as dst:
            dst.write(data)
    return path


def truncate(path: Path, keep: float = 0.5) -> Path:
    """Cut a file short (a download that stopped): its header opens, its pixels cannot be read."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def write_class_map(path: Path, crs: str, west: float, north: float, value: int, size: int = 64) -> Path:
    """Write a colour-mapped class map of one value, tagged as a finished map of source ``s`` by model ``m``."""
    from landcover.infer.outputs import COLOURMAP

    profile = {"driver": "GTiff", "width": size, "height": size, "count": 1, "dtype": "uint8", "nodata": 0}
    with rasterio.open(path, "w", crs=crs, transform=from_origin(west, north, 1.0, 1.0), **profile) as dst:
        dst.write(np.full((1, size, size), value, np.uint8))
        dst.write_colormap(1, COLOURMAP)
        dst.update_tags(LANDCOVER_SOURCE="s", LANDCOVER_MODEL="m", LANDCOVER_PRECISION="auto")
    return path
