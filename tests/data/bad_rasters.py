"""Seeded generators of awkward inputs: rasters of any band count, dtype, size, CRS and transform, cut short or
damaged at any offset; Chesapeake-style patches of any shape and values; damaged checkpoints.

Each function is deterministic in its arguments (a seed included), so a Hypothesis example replays exactly.
The ``*_specs`` functions are the Hypothesis strategies over those arguments.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from hypothesis import strategies as st
from rasterio.transform import Affine, from_origin

from tests.data.fixtures import CRS, ORIGIN, write_geotiff

CUSTOM_WKT = (
    'PROJCS["custom TM",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
    'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["latitude_of_origin",37],PARAMETER["central_meridian",-78.5],PARAMETER["scale_factor",1],'
    'PARAMETER["false_easting",0],PARAMETER["false_northing",0],UNIT["metre",1]]'
)
CRSS: tuple[str | None, ...] = (CRS, None, "EPSG:4326", CUSTOM_WKT)
DTYPES = ("uint8", "uint16", "int16", "int8", "float32")


@dataclass(frozen=True)
class RasterSpec:
    """A raster to write: its grid, bands, pixel type, values and how it is then damaged.

    Attributes:
        width: Columns.
        height: Rows.
        bands: Band count.
        dtype: Pixel type.
        crs: A CRS (EPSG code or WKT) or None.
        pixel: Pixel size in the CRS's unit (degrees are scaled down).
        values: ``(low, high)``: pixel values drawn from this range (inclusive).
        seed: Seeds the pixel values.
        cut: Keep this fraction of the file's bytes (1.0: the whole file).
        flip: Byte offsets (as fractions of the size) whose bits are inverted after writing.
    """

    width: int = 64
    height: int = 64
    bands: int = 4
    dtype: str = "uint8"
    crs: str | None = CRS
    pixel: float = 1.0
    values: tuple[int, int] = (1, 254)
    seed: int = 0
    cut: float = 1.0
    flip: tuple[float, ...] = ()

    @property
    def damaged(self) -> bool:
        """Whether the file's bytes are changed after it was written."""
        return self.cut < 1.0 or bool(self.flip)


def transform_for(spec: RasterSpec) -> Affine:
    """The grid: 1-m-ish pixels near the tutorial's scene (in degrees for a geographic CRS, else in metres)."""
    if spec.crs == "EPSG:4326":
        return from_origin(-78.6, 37.1, spec.pixel * 1e-5, spec.pixel * 1e-5)
    if spec.crs == CUSTOM_WKT:
        return from_origin(0.0, 5000.0, spec.pixel, spec.pixel)
    return from_origin(ORIGIN[0], ORIGIN[1], spec.pixel, spec.pixel)


def write_raster(path: Path, spec: RasterSpec) -> Path:
    """Write ``spec`` as a GeoTIFF at ``path``, then damage it as the spec says."""
    rng = np.random.default_rng(spec.seed)
    low, high = spec.values
    data = rng.integers(low, high, size=(spec.bands, spec.height, spec.width), endpoint=True)
    write_geotiff(path, data.astype(spec.dtype), crs=spec.crs, transform=transform_for(spec))
    return damage(path, spec.cut, spec.flip)


def damage(path: Path, cut: float = 1.0, flip: tuple[float, ...] = ()) -> Path:
    """Cut a file to ``cut`` of its bytes and invert the bits at the ``flip`` offsets (fractions of its size)."""
    data = bytearray(path.read_bytes())
    for where in flip:
        if data:
            data[min(len(data) - 1, int(where * len(data)))] ^= 0xFF
    path.write_bytes(bytes(data[: max(0, int(len(data) * cut))] if cut < 1.0 else data))
    return path


def image_ok(spec: RasterSpec) -> bool:
    """Whether ``spec`` is imagery every command takes: 4 bands of uint8, undamaged."""
    return spec.bands == 4 and spec.dtype == "uint8" and not spec.damaged


def labels_ok(spec: RasterSpec) -> bool:
    """Whether ``spec`` is a label raster every command takes: one integer band of codes 0-6, undamaged."""
    integer = np.issubdtype(np.dtype(spec.dtype), np.integer)
    return spec.bands == 1 and integer and spec.values[0] >= 0 and spec.values[1] <= 6 and not spec.damaged


def _values(dtype: str) -> st.SearchStrategy[tuple[int, int]]:
    info = np.iinfo(dtype) if np.issubdtype(np.dtype(dtype), np.integer) else np.iinfo("int16")
    low = st.integers(max(int(info.min), -300), min(int(info.max), 300))
    return st.tuples(low, low).map(lambda pair: (min(pair), max(pair)))


@st.composite
def raster_specs(draw: st.DrawFn, *, role: str, grid: RasterSpec | None = None, damage_rate: float = 0.4) -> RasterSpec:
    """Hypothesis: a raster for ``role`` (``image`` or ``labels``), on ``grid``'s grid when given.

    About half the examples are what the role expects (so both outcomes are exercised); the rest differ in
    band count, dtype, values, and are cut short or have bytes inverted at random offsets.
    """
    proper = draw(st.booleans())
    bands = (4 if role == "image" else 1) if proper else draw(st.integers(1, 5))
    dtype = ("uint8" if proper else draw(st.sampled_from(DTYPES))) if role == "image" or not proper else "uint8"
    values = (1, 254) if role == "image" else (0, 6)
    if not proper:
        values = draw(_values(dtype))
    base = grid or RasterSpec(
        width=draw(st.integers(8, 96)),
        height=draw(st.integers(8, 96)),
        crs=draw(st.sampled_from(CRSS)),
        pixel=draw(st.sampled_from((0.5, 1.0, 2.0))),
    )
    damaged = draw(st.floats(0, 1)) < damage_rate
    cut = draw(st.floats(0.0, 0.99)) if damaged and draw(st.booleans()) else 1.0
    flip = tuple(draw(st.lists(st.floats(0, 1), min_size=1, max_size=4))) if damaged and cut == 1.0 else ()
    return RasterSpec(
        width=base.width,
        height=base.height,
        bands=bands,
        dtype=dtype,
        crs=base.crs,
        pixel=base.pixel,
        values=values,
        seed=draw(st.integers(0, 2**16)),
        cut=cut,
        flip=flip,
    )


Pair = tuple[RasterSpec, RasterSpec]
"""An image and its labels."""


@st.composite
def pair_specs(draw: st.DrawFn, *, grid: RasterSpec | None = None, damage_rate: float = 0.3) -> Pair:
    """Hypothesis: an image and its labels on one grid (``grid``'s, else the image's); either or both may not be
    what they claim, or be damaged."""
    image = draw(raster_specs(role="image", grid=grid, damage_rate=damage_rate))
    return image, draw(raster_specs(role="labels", grid=grid or image, damage_rate=damage_rate))


@dataclass(frozen=True)
class PatchSpec:
    """A Chesapeake-style ``.npz`` patch: array ``shape``, its ``dtype``, NAIP and label values, damage."""

    shape: tuple[int, ...] = (1, 29, 32, 32)
    dtype: str = "float32"
    naip: tuple[float, float] = (0.0, 255.0)
    labels: tuple[float, float] = (1.0, 6.0)
    fractional: bool = False
    seed: int = 0
    cut: float = 1.0
    npy: bool = False

    def ok(self) -> bool:
        """Whether ``convert-patches`` must take it (judged on the array as written, after its dtype cast)."""
        array = patch_array(self)
        if self.cut < 1.0 or self.npy or array.ndim != 4 or array.shape[1] <= 8 or 0 in array.shape[2:]:
            return False
        naip, labels = array[0, :4].astype(np.float64), array[0, 8].astype(np.float64)
        naip_ok = bool(((naip >= -0.5) & (naip < 255.5)).all())
        return naip_ok and bool(((labels == np.round(labels)) & (labels >= 0) & (labels <= 6)).all())


def patch_array(spec: PatchSpec) -> np.ndarray:
    """The patch's array (NAIP in channels 0-3, labels in channel 8)."""
    rng = np.random.default_rng(spec.seed)
    array = rng.uniform(spec.naip[0], spec.naip[1], size=spec.shape)
    if len(spec.shape) == 4 and spec.shape[1] > 8:
        labels = rng.integers(int(spec.labels[0]), int(spec.labels[1]), size=spec.shape[2:], endpoint=True)
        array[0, 8] = labels + (0.5 if spec.fractional else 0.0)
    return array.astype(spec.dtype)


def write_patch(path: Path, spec: PatchSpec) -> Path:
    """Write the patch as ``.npz`` (or, ``npy``, as a bare array under the ``.npz`` name), then cut it short."""
    path.parent.mkdir(parents=True, exist_ok=True)
    array = patch_array(spec)
    if spec.npy:
        with open(path, "wb") as handle:
            np.save(handle, array)
    else:
        np.savez(path, array)
    return damage(path, spec.cut)


@st.composite
def patch_specs(draw: st.DrawFn) -> PatchSpec:
    """Hypothesis: mostly proper patches, others with odd shapes, dtypes, values out of range or damage."""
    if draw(st.booleans()):
        return PatchSpec(
            shape=(1, 29, draw(st.integers(1, 40)), draw(st.integers(1, 40))), seed=draw(st.integers(0, 99))
        )
    shape = draw(
        st.sampled_from(((1, 29, 0, 0), (1, 29, 16, 0), (1, 4, 16, 16), (29, 16, 16), (1, 29, 16, 16), (1, 9, 8, 24)))
    )
    low = draw(st.sampled_from((-300.0, -1.0, 0.0)))
    high = draw(st.sampled_from((6.0, 7.0, 255.0, 300.0, 70000.0)))
    return PatchSpec(
        shape=shape,
        dtype=draw(st.sampled_from(("float32", "float64", "int32", "uint8"))),
        naip=draw(st.sampled_from(((0.0, 255.0), (-5.0, 255.0), (0.0, 300.0)))),
        labels=(low, high),
        fractional=draw(st.booleans()),
        seed=draw(st.integers(0, 99)),
        cut=draw(st.sampled_from((1.0, 1.0, 0.5, 0.1))),
        npy=draw(st.booleans()),
    )


def write_pair_specs(
    folder: Path, pair: Pair, names: tuple[str, str] = ("p_NAIP.tif", "p_LandCover.tif")
) -> list[Path]:
    """Write a pair into a cleared ``folder``; return the image's and the labels' paths."""
    shutil.rmtree(folder, ignore_errors=True)
    return [write_raster(folder / name, spec) for name, spec in zip(names, pair, strict=True)]


def at_fault(pair: Pair, paths: list[Path]) -> list[Path]:
    """The files of a written pair that are not what they claim (a command must refuse it, naming one)."""
    image, labels = pair
    return [path for path, ok in zip(paths, (image_ok(image), labels_ok(labels)), strict=True) if not ok]
