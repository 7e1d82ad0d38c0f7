"""What a view shows: the layers found in the paths given at start, each a list of rasters with their extent.

The catalog is made once, before the server starts, and is all the server can read: URLs name layers,
never files. A folder contributes the files it holds by their known names (an ``evaluate`` folder's
``NAIP.tif``, ``pred_labels.tif``, ...; a ``predict`` folder's ``*_landcover.tif`` maps, their confidence and
the local scenes its ``summary.json`` names); a file inside a folder that resolves outside it (a symlink
out) is left out. Layers of the same kind from several paths are shown as one mosaic.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
import rasterio
from pydantic import BaseModel, ConfigDict
from rasterio.crs import CRS
from rasterio.enums import MaskFlags
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError
from rasterio.warp import transform_bounds

from clibase.text import counted
from landcover.constants import CLASS_LABELS
from landcover.data.geo import area_km2
from landcover.data.sources import GDAL_REMOTE_OPTIONS, is_url, resolve_source
from landcover.io.errors import LandcoverError
from landcover.metrics import summarise

Kind = Literal["imagery", "classes", "disagreement", "confidence"]
SAMPLE_SIDE = 1024
"""Long side of the decimated reads (overviews) behind class areas and the imagery stretch."""
WEB_MERCATOR_LAT = 85.0511


class Raster(BaseModel):
    """One raster of a layer: where GDAL reads it, its extent in degrees, its finest zoom."""

    model_config = ConfigDict(frozen=True)

    href: str
    bounds: tuple[float, float, float, float]
    maxzoom: int
    count: int = 1
    partner: str | None = None
    """The truth raster beside a prediction (disagreement layers)."""


class Layer(BaseModel):
    """A layer of the map: what it shows and its rasters."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    kind: Kind
    rasters: tuple[Raster, ...]
    bands: tuple[int, ...] = (1,)
    stretch: tuple[tuple[float, float], ...] = ()
    areas: tuple[tuple[str, float, float], ...] = ()
    """(label, km², %) per known class, for class layers."""


class Catalog(BaseModel):
    """Everything the server shows, fixed at start."""

    model_config = ConfigDict(frozen=True)

    layers: tuple[Layer, ...]
    metrics: dict[str, Any] | None = None
    title: str = ""

    def bounds(self) -> tuple[float, float, float, float]:
        """The extent of every layer, in degrees (west, south, east, north)."""
        boxes = [r.bounds for layer in self.layers for r in layer.rasters]
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))

    def layer(self, layer_id: str) -> Layer | None:
        """The layer of that id, or None."""
        return next((layer for layer in self.layers if layer.id == layer_id), None)


EVALUATE_FILES = {"NAIP.tif": "imagery", "pred_labels.tif": "prediction", "true_labels.tif": "truth"}
EVALUATE_CONFIDENCE = "confidence.tif"
MAP_SUFFIX, CONFIDENCE_SUFFIX = "_landcover.tif", "_landcover_confidence.tif"
TITLES = {
    "true-colour": "Imagery (true colour)",
    "false-colour": "Imagery (NIR false colour)",
    "prediction": "Prediction",
    "truth": "Truth",
    "disagreement": "Disagreement (truth ≠ prediction)",
    "confidence": "Confidence",
}


def gdal_path(href: str) -> str:
    """What GDAL opens for a path or URL."""
    return f"/vsicurl/{href}" if is_url(href) else href


def open_checked(href: str, shown: str) -> rasterio.DatasetReader:
    """Open a raster, any failure as one line naming it.

    Raises:
        LandcoverError: Missing, unreachable or not a raster.
    """
    if not is_url(href) and not Path(href).is_file():
        raise LandcoverError(f"{shown}: no such file or folder", "check the path")
    try:
        with warnings.catch_warnings(), rasterio.Env(**(GDAL_REMOTE_OPTIONS if is_url(href) else {})):
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            return rasterio.open(gdal_path(href))
    except RasterioIOError as exc:
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        if is_url(href):
            raise LandcoverError(f"{shown}: cannot be read ({reason})", "check the URL and the network") from exc
        raise LandcoverError(
            f"{shown}: not a raster GDAL can read ({reason})", "give a GeoTIFF, VRT or folder"
        ) from exc


def _inside(folder: Path, path: Path) -> bool:
    """Whether ``path`` (after following links) lies in ``folder``: a symlink out of it does not."""
    return path.is_file() and path.resolve().is_relative_to(folder.resolve())


def _folder_files(folder: Path) -> dict[str, list[str]]:
    """Role -> files of an evaluate or predict output folder (empty when it holds neither)."""
    found: dict[str, list[str]] = {}
    for name, role in EVALUATE_FILES.items():
        if _inside(folder, folder / name):
            found.setdefault(role, []).append(str(folder / name))
    if "prediction" in found and _inside(folder, folder / EVALUATE_CONFIDENCE):
        found["confidence"] = [str(folder / EVALUATE_CONFIDENCE)]
    for path in sorted(folder.glob(f"*{MAP_SUFFIX}")):
        if _inside(folder, path):
            found.setdefault("prediction", []).append(str(path))
            confidence = path.with_name(path.name.removesuffix(MAP_SUFFIX) + CONFIDENCE_SUFFIX)
            if _inside(folder, confidence):
                found.setdefault("confidence", []).append(str(confidence))
    found.setdefault("imagery", []).extend(_summary_scenes(folder))
    return {role: files for role, files in found.items() if files}


def _summary_scenes(folder: Path) -> Iterator[str]:
    """The local scenes a predict folder's ``summary.json`` names (the run's own inputs)."""
    summary = folder / "summary.json"
    if not _inside(folder, summary):
        return
    try:
        entries = json.loads(summary.read_text()).get("per_scene", [])
    except (OSError, ValueError, AttributeError):
        return
    for entry in entries:
        source = str(entry.get("source", "")) if isinstance(entry, dict) else ""
        if entry.get("status") != "failed" and source and not is_url(source) and Path(source).is_file():
            yield source


def _role_of(src: rasterio.DatasetReader, shown: str) -> str:
    """What a single raster given by itself is: a class map (one band with a colour table) or imagery."""
    if src.count == 1 and src.dtypes[0] == "uint8":
        return "prediction"
    if src.count >= 3 and src.dtypes[0] == "uint8":
        return "imagery"
    raise LandcoverError(
        f"{shown}: {counted(src.count, 'band')} of {src.dtypes[0]}, neither a class map nor 8-bit imagery",
        "give a landcover map (1 band, uint8) or RGB(+NIR) 8-bit imagery",
    )


def _path_files(text: str) -> tuple[dict[str, list[str]], Path | None]:
    """Role -> files of one PATH argument, and its folder when it is one."""
    if not is_url(text) and Path(text).is_dir():
        found = _folder_files(Path(text))
        if "prediction" not in found:
            raise LandcoverError(
                f"{text}: no results (no pred_labels.tif or *_landcover.tif)",
                "give the --output-dir of landcover evaluate or predict, or a raster",
            )
        return found, Path(text)
    href = resolve_source(text).href  # a STAC item names its image asset
    with open_checked(href, text) as src:
        return {_role_of(src, text): [href]}, None


def gather(paths: list[str]) -> tuple[dict[str, list[str]], list[Path]]:
    """Role -> files over every PATH, and the folders given (for their metrics).

    Raises:
        LandcoverError: A path that does not exist, cannot be read, or holds no results.
    """
    roles: dict[str, list[str]] = {}
    folders = []
    for text in paths:
        found, folder = _path_files(text)
        for role, files in found.items():
            roles.setdefault(role, []).extend(f for f in files if f not in roles.get(role, []))
        if folder is not None:
            folders.append(folder)
    return roles, folders


def metrics_of(folders: list[Path]) -> dict[str, Any] | None:
    """The metrics of the folders' ``metrics.json`` (one folder's as written; several summed by confusion)."""
    found = []
    for folder in folders:
        path = folder / "metrics.json"
        if _inside(folder, path):
            try:
                found.append(json.loads(path.read_text()))
            except (OSError, ValueError):
                continue
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    confusion = sum(np.asarray(m["confusion_matrix"], dtype=np.int64) for m in found if "confusion_matrix" in m)
    return summarise(np.asarray(confusion)) if isinstance(confusion, np.ndarray) else found[0]


def describe(href: str) -> Raster:
    """A raster's extent in degrees (clipped to web mercator's latitudes) and finest web-mercator zoom."""
    with open_checked(href, href) as src:
        if src.crs is None:
            raise LandcoverError(f"{href}: has no CRS", "give a georeferenced raster")
        west, south, east, north = transform_bounds(src.crs, CRS.from_epsg(4326), *src.bounds, densify_pts=21)
        south, north = max(south, -WEB_MERCATOR_LAT), min(north, WEB_MERCATOR_LAT)
        # the zoom whose pixels are about as fine as the raster's (web mercator: 156543 m / 2^z at the equator)
        metres = (east - west) * 111_320 * np.cos(np.radians((south + north) / 2)) / src.width
        maxzoom = int(np.clip(np.ceil(np.log2(156_543.03 / max(metres, 1e-3))), 0, 24))
        return Raster(href=href, bounds=(west, south, east, north), maxzoom=maxzoom, count=src.count)


def sample(href: str, bands: list[int]) -> tuple[np.ndarray, np.ndarray, float]:
    """A decimated read (overviews) of some bands: pixels, validity and the km² of one sampled pixel."""
    with open_checked(href, href) as src:
        scale = max(1.0, max(src.width, src.height) / SAMPLE_SIDE)
        shape = (max(1, round(src.height / scale)), max(1, round(src.width / scale)))
        pixels = src.read(bands, out_shape=(len(bands), *shape), resampling=rasterio.enums.Resampling.nearest)
        valid = _valid(src, pixels if list(bands) == list(range(1, src.count + 1)) else None, shape)
        km2 = area_km2(src.crs, src.transform, src.width, src.height) / (shape[0] * shape[1])
    return pixels, valid, km2


def _valid(src: rasterio.DatasetReader, pixels: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
    """Pixels that hold data: by the nodata value in every band, else a mask band (never a 4th band as alpha)."""
    flags = src.mask_flag_enums[0]
    if src.nodata is not None:
        if pixels is None:
            pixels = src.read(out_shape=(src.count, *shape), resampling=rasterio.enums.Resampling.nearest)
        return np.asarray((pixels != src.nodata).any(axis=0))
    if MaskFlags.per_dataset in flags and MaskFlags.alpha not in flags:
        return np.asarray(src.dataset_mask(out_shape=shape) > 0)
    return np.ones(shape, dtype=bool)


def class_areas(rasters: list[Raster]) -> tuple[tuple[str, float, float], ...]:
    """(label, km², % of the classified area) per known class over the rasters."""
    km2 = np.zeros(len(CLASS_LABELS))
    for raster in rasters:
        pixels, valid, pixel_km2 = sample(raster.href, [1])
        values = pixels[0][valid & (pixels[0] > 0)]
        km2 += np.bincount(np.minimum(values, len(CLASS_LABELS) - 1), minlength=len(CLASS_LABELS)) * pixel_km2
    total = km2[1:].sum()
    return tuple(
        (CLASS_LABELS[i], float(km2[i]), float(100 * km2[i] / total) if total else 0.0)
        for i in range(1, len(CLASS_LABELS))
    )


STRETCH_RASTERS = 8
"""At most this many rasters of an imagery mosaic set its stretch."""


def stretch(rasters: list[Raster], bands: list[int]) -> tuple[tuple[float, float], ...]:
    """The 2nd-98th percentile of each band over valid pixels (decimated reads of a few rasters)."""
    samples = []
    for raster in rasters[:STRETCH_RASTERS]:
        pixels, valid, _ = sample(raster.href, bands)
        samples.append(pixels[:, valid])
    values = np.concatenate(samples, axis=1)
    if values.shape[1] == 0:
        return tuple((0.0, 255.0) for _ in bands)
    low, high = np.percentile(values, [2, 98], axis=1)
    return tuple((float(lo), float(max(hi, lo + 1))) for lo, hi in zip(low, high, strict=True))


def _partners(predictions: list[Raster], truths: list[Raster]) -> list[Raster]:
    """Predictions that have a truth raster beside them (an evaluate folder's pair), each with its partner."""
    by_folder = {Path(t.href).parent: t.href for t in truths if not is_url(t.href)}
    return [
        p.model_copy(update={"partner": by_folder[Path(p.href).parent]})
        for p in predictions
        if not is_url(p.href) and Path(p.href).parent in by_folder
    ]


def _composite(imagery: list[Raster], layer_id: str, bands: tuple[int, int, int]) -> Layer:
    """An imagery layer showing ``bands`` as red, green and blue, stretched over the rasters."""
    return Layer(
        id=layer_id,
        title=TITLES[layer_id],
        kind="imagery",
        rasters=tuple(imagery),
        bands=bands,
        stretch=stretch(imagery, list(bands)),
    )


def _imagery_layers(imagery: list[Raster]) -> list[Layer]:
    if not imagery:
        return []
    layers = [_composite(imagery, "true-colour", (1, 2, 3))]
    if all(r.count >= 4 for r in imagery):
        layers.append(_composite(imagery, "false-colour", (4, 1, 2)))
    return layers


def build_catalog(paths: list[str]) -> Catalog:
    """Find, open and describe everything the paths hold: the view's layers, metrics and title.

    Raises:
        LandcoverError: A path that does not exist, cannot be read, or holds no results.
    """
    roles, folders = gather(paths)
    found = {role: [describe(href) for href in files] for role, files in roles.items()}
    layers = _imagery_layers(found.get("imagery", []))
    for role in ("prediction", "truth"):
        if found.get(role):
            rasters = found[role]
            layers.append(
                Layer(id=role, title=TITLES[role], kind="classes", rasters=tuple(rasters), areas=class_areas(rasters))
            )
    pairs = _partners(found.get("prediction", []), found.get("truth", []))
    if pairs:
        layers.append(Layer(id="disagreement", title=TITLES["disagreement"], kind="disagreement", rasters=tuple(pairs)))
    if found.get("confidence"):
        layers.append(
            Layer(id="confidence", title=TITLES["confidence"], kind="confidence", rasters=tuple(found["confidence"]))
        )
    title = ", ".join(Path(p).name or p for p in paths)
    return Catalog(layers=tuple(layers), metrics=metrics_of(folders), title=title)
