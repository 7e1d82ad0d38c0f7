"""Seeded generators for the invariant harness: rasters, patches and checkpoints described by a small spec.

Every function here is deterministic: the same spec (its ``seed`` included) writes the same bytes. The
Hypothesis strategies of :mod:`tests.invariants.strategies` draw the specs; these functions only write them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from rasterio.transform import Affine

from tests.data.fixtures import CRS, ORIGIN, write_geotiff

NON_EPSG_WKT = (
    'PROJCS["landcover test LCC",GEOGCS["NAD83",DATUM["North_American_Datum_1983",SPHEROID["GRS 1980",6378137,'
    '298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic_2SP"],'
    'PARAMETER["latitude_of_origin",37.1],PARAMETER["central_meridian",-78.7],PARAMETER["standard_parallel_1",36.3],'
    'PARAMETER["standard_parallel_2",37.9],PARAMETER["false_easting",12345],PARAMETER["false_northing",67890],'
    'UNIT["metre",1]]'
)
"""A projected CRS that no EPSG code names (a custom Lambert conformal conic around the tutorial's scene)."""

CRSS: dict[str, str | None] = {
    "utm": CRS,
    "geographic": "EPSG:4326",
    "feet": "EPSG:2284",  # NAD83 / Virginia South (ftUS)
    "wkt": NON_EPSG_WKT,
    "none": None,
}
"""The coordinate systems a generated raster may carry, by name."""

ORIGINS: dict[str, dict[str, tuple[float, float]]] = {
    "utm": {"near": ORIGIN, "zero": (0.0, 0.0), "far": (1e9, -1e9)},
    "geographic": {"near": (-78.64, 37.06), "zero": (0.0, 0.0), "far": (179.9999, -89.9999)},
    "feet": {"near": (11_000_000.0, 3_500_000.0), "zero": (0.0, 0.0), "far": (1e12, 1e12)},
    "wkt": {"near": (12_345.0, 67_890.0), "zero": (0.0, 0.0), "far": (-1e9, 1e9)},
    "none": {"near": (0.0, 0.0), "zero": (0.0, 0.0), "far": (1e6, 1e6)},
}
"""The upper-left corner per CRS: near the tutorial's scene, at (0, 0), or far out."""

PIXEL_SCALE: dict[str, float] = {"utm": 1.0, "geographic": 1e-5, "feet": 3.28, "wkt": 1.0, "none": 1.0}
"""A natural pixel size (one metre) in each CRS's unit; a spec multiplies it."""

Fill = Literal["scene", "constant", "zeros", "extreme", "nan", "labels"]


@dataclass(frozen=True)
class RasterSpec:
    """One GeoTIFF to write: its shape, type, coordinate system, grid and pixel values.

    Attributes:
        bands: Band count.
        dtype: numpy / GDAL data type name (``uint8``, ``uint16``, ``int16``, ``float32``, ...).
        height: Rows.
        width: Columns.
        crs: A key of :data:`CRSS`.
        origin: A key of ``ORIGINS[crs]``.
        pixel: Pixel size as a multiple of :data:`PIXEL_SCALE` (negative: a south-up grid).
        shear: Rotation/shear term of the affine transform (0: north-up).
        nodata: The nodata value tagged on the file, or ``None``.
        fill: How pixels are made: ``scene`` (random imagery), ``labels`` (classes 0-6 in blocks), ``constant``,
            ``zeros``, ``extreme`` (the dtype's limits), ``nan`` (NaN where the dtype allows).
        seed: Seed of the pixel values.
    """

    bands: int = 4
    dtype: str = "uint8"
    height: int = 96
    width: int = 96
    crs: str = "utm"
    origin: str = "near"
    pixel: float = 1.0
    shear: float = 0.0
    nodata: float | None = None
    fill: Fill = "scene"
    seed: int = 0

    def labels(self) -> RasterSpec:
        """The label raster of a pair on the same grid: one uint8 band of classes."""
        return replace(self, bands=1, dtype="uint8", fill="labels", nodata=None)


def pixels(spec: RasterSpec) -> np.ndarray:
    rng = np.random.default_rng(spec.seed)
    shape = (spec.bands, spec.height, spec.width)
    dtype = np.dtype(spec.dtype)
    info: Any = np.finfo(dtype) if dtype.kind in "fc" else np.iinfo(dtype)
    if spec.fill == "labels":
        cells = rng.integers(0, 7, size=(spec.bands, spec.height // 16 + 1, spec.width // 16 + 1))
        return np.kron(cells, np.ones((1, 16, 16), dtype=np.int64))[:, : spec.height, : spec.width].astype(dtype)
    if spec.fill == "zeros":
        return np.zeros(shape, dtype)
    if spec.fill == "constant":
        return np.full(shape, 7, dtype)
    if spec.fill == "extreme":
        return rng.choice(np.array([info.min, info.max], dtype=dtype), size=shape)
    if spec.fill == "nan" and dtype.kind == "f":
        data = rng.uniform(0, 255, size=shape).astype(dtype)
        data[:, ::3, :] = np.nan
        return data
    high = min(float(info.max), 255.0) if dtype.kind in "iu" else 255.0
    return rng.uniform(0, high, size=shape).astype(dtype)


def transform_of(spec: RasterSpec) -> Affine:
    """The affine grid of a spec: origin and pixel size in the CRS's unit, with its shear."""
    x, y = ORIGINS[spec.crs][spec.origin]
    size = PIXEL_SCALE[spec.crs] * spec.pixel
    return Affine(size, spec.shear * size, x, spec.shear * size, -size, y)


def representable(nodata: float | None, dtype: np.dtype[Any]) -> float | None:
    """``nodata`` where the dtype holds it, else the dtype's largest value (GDAL refuses the rest)."""
    if nodata is None or dtype.kind in "fc":
        return nodata
    info = np.iinfo(dtype)
    return nodata if info.min <= nodata <= info.max else float(info.max)


def write_raster(path: Path, spec: RasterSpec) -> Path:
    """Write ``spec`` as a GeoTIFF at ``path`` (parents made) and return the path."""
    nodata = representable(spec.nodata, np.dtype(spec.dtype))
    return write_geotiff(path, pixels(spec), crs=CRSS[spec.crs], transform=transform_of(spec), nodata=nodata)


Damage = Literal["truncate", "overwrite", "zero", "empty"]


@dataclass(frozen=True)
class Corruption:
    """Damage done to a written file at a relative offset (0 = its first byte, 1 = its end).

    Attributes:
        how: ``truncate`` (cut at the offset), ``overwrite`` (seeded random bytes from the offset), ``zero``
            (zero bytes from the offset), ``empty`` (no bytes at all).
        offset: Where the damage starts, as a fraction of the file's size.
        length: How many bytes ``overwrite`` / ``zero`` change.
        seed: Seed of the random bytes.
    """

    how: Damage = "truncate"
    offset: float = 0.5
    length: int = 64
    seed: int = 0


def corrupt(path: Path, damage: Corruption) -> Path:
    """Damage the file at ``path`` in place as ``damage`` says; return the path."""
    data = bytearray(path.read_bytes())
    at = min(len(data), int(len(data) * damage.offset))
    if damage.how == "empty":
        data = bytearray()
    elif damage.how == "truncate":
        del data[at:]
    else:
        end = min(len(data), at + damage.length)
        rng = np.random.default_rng(damage.seed)
        fill = rng.integers(0, 256, size=end - at, dtype=np.uint8) if damage.how == "overwrite" else bytes(end - at)
        data[at:end] = bytes(fill)
    path.write_bytes(bytes(data))
    return path


@dataclass(frozen=True)
class PatchSpec:
    """A Chesapeake ``.npz`` patch as ``convert-patches`` reads it: ``arr_0`` of shape (1, channels, H, W).

    Attributes:
        channels: Channels of the array (the real patches have 29; labels are channel 8).
        size: Height and width.
        dtype: Array dtype.
        label_values: The label channel's values are drawn from these.
        key: The array's name in the archive (the real patches use ``arr_0``).
        ndim: Dimensions of the array (the real patches have 4).
        seed: Seed of the values.
    """

    channels: int = 29
    size: int = 64
    dtype: str = "float32"
    label_values: tuple[float, ...] = (0, 1, 2, 3, 4, 5, 6)
    key: str = "arr_0"
    ndim: int = 4
    seed: int = 0


def write_patch(path: Path, spec: PatchSpec) -> Path:
    """Write ``spec`` as an ``.npz`` at ``path`` and return the path."""
    rng = np.random.default_rng(spec.seed)
    array = rng.uniform(0, 255, size=(1, spec.channels, spec.size, spec.size))
    if spec.channels > 8:
        array[0, 8] = rng.choice(np.array(spec.label_values, dtype=np.float64), size=(spec.size, spec.size))
    array = array.astype(spec.dtype)
    if spec.ndim == 3:
        array = array[0]
    elif spec.ndim == 5:
        array = array[None]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        np.savez(handle, **{spec.key: array})
    return path


Mutation = Literal["none", "nan-std", "zero-std", "negative-variance", "nan-weights", "bands-3", "format-string"]
"""What :func:`mutate_checkpoint` changes in a valid checkpoint."""


def mutate_checkpoint(source: Path, target: Path, mutation: Mutation) -> Path:
    """Write ``source`` (a landcover checkpoint) to ``target`` with one part changed as ``mutation`` says."""
    import torch

    checkpoint = torch.load(source, weights_only=True)
    state = checkpoint["state_dict"]
    if mutation == "nan-std":
        checkpoint["config"]["std"] = [float("nan")] * len(checkpoint["config"]["std"])
    elif mutation == "zero-std":
        checkpoint["config"]["std"] = [0.0] * len(checkpoint["config"]["std"])
    elif mutation == "negative-variance":
        name = next(n for n in state if n.endswith("running_var"))
        state[name] = -state[name].abs() - 1
    elif mutation == "nan-weights":
        name = next(n for n, t in state.items() if t.is_floating_point())
        state[name] = torch.full_like(state[name], float("nan"))
    elif mutation == "bands-3":
        checkpoint["config"]["in_channels"] = 3
    elif mutation == "format-string":
        checkpoint["format_version"] = str(checkpoint["format_version"])
    target.parent.mkdir(parents=True, exist_ok=True)
    torch.save(checkpoint, target)
    return target
