"""Map tiles and point values of a layer, through rio-tiler: web-mercator tiles read from overviews and windows.

Each tile reads only the rasters whose extent meets it, each through its overview closest to the tile's
scale (rio-tiler warps the window it needs into web mercator, from any CRS GDAL knows), and mosaics them
(first raster wins where they overlap). Class layers use nearest-neighbour resampling, so a tile never
shows a class that is not in the map; imagery is resampled bilinearly and stretched per band.
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

import morecantile
import numpy as np
import rasterio
from rasterio.errors import NotGeoreferencedWarning
from rio_tiler.colormap import cmap
from rio_tiler.errors import EmptyMosaicError, PointOutsideBounds, TileOutsideBounds
from rio_tiler.io import Reader
from rio_tiler.models import ImageData
from rio_tiler.mosaic import mosaic_reader

from landcover.constants import CLASS_COLOURS, CLASS_LABELS, UNKNOWN
from landcover.data.sources import GDAL_REMOTE_OPTIONS, is_url
from landcover.view.catalog import Layer, Raster, gdal_path

TILE = 256
CLASS_COLOURMAP = {i: (*colour, 0 if i == UNKNOWN else 255) for i, colour in enumerate(CLASS_COLOURS)}
DISAGREE, AGREE = 1, 2
DISAGREEMENT_COLOURS = {0: (0, 0, 0, 0), DISAGREE: (255, 0, 255, 255), AGREE: (0, 0, 0, 0)}
"""Magenta where truth and prediction differ; clear where they agree or either is nodata."""
WEB_MERCATOR = morecantile.tms.get("WebMercatorQuad")
CONFIDENCE_RAMP = "rdylgn"
"""rio-tiler's red-yellow-green: red unsure, green sure."""


@cache
def confidence_colourmap() -> dict[int, tuple[int, int, int, int]]:
    """The confidence ramp, value 0 (nodata) clear."""
    ramp: dict[int, tuple[int, int, int, int]] = {int(k): v for k, v in cmap.get(CONFIDENCE_RAMP).items()}  # type: ignore[union-attr]
    ramp[0] = (0, 0, 0, 0)
    return ramp


def legend_ramp(steps: int = 6) -> list[str]:
    """CSS colours along the confidence ramp, for the legend."""
    ramp = confidence_colourmap()
    return ["#{:02x}{:02x}{:02x}".format(*ramp[round(1 + i * 254 / (steps - 1))][:3]) for i in range(steps)]


def _meets(bounds: tuple[float, float, float, float], other: tuple[float, float, float, float]) -> bool:
    return bounds[0] < other[2] and other[0] < bounds[2] and bounds[1] < other[3] and other[1] < bounds[3]


def _read(raster: Raster, x: int, y: int, z: int, *, indexes: tuple[int, ...], categorical: bool) -> ImageData:
    method = "nearest" if categorical else "bilinear"
    with rasterio.Env(**(GDAL_REMOTE_OPTIONS if is_url(raster.href) else {})), Reader(gdal_path(raster.href)) as src:
        return src.tile(x, y, z, tilesize=TILE, indexes=indexes, resampling_method=method, reproject_method=method)


def _disagreement(raster: Raster, x: int, y: int, z: int, **_: Any) -> ImageData:
    predicted = _read(raster, x, y, z, indexes=(1,), categorical=True)
    assert raster.partner is not None
    truth = _read(Raster(href=raster.partner, bounds=raster.bounds, maxzoom=0), x, y, z, indexes=(1,), categorical=True)
    p, t = predicted.array[0], truth.array[0]
    valid = ~np.ma.getmaskarray(p) & ~np.ma.getmaskarray(t) & (p.filled(0) > 0) & (t.filled(0) > 0)
    values = np.where(p.filled(0) != t.filled(0), DISAGREE, AGREE).astype(np.uint8)
    data = np.ma.MaskedArray(np.where(valid, values, 0)[None], mask=~valid[None])
    return ImageData(data, bounds=predicted.bounds, crs=predicted.crs)


def tile_image(layer: Layer, x: int, y: int, z: int) -> ImageData | None:
    """The layer's data for one tile, or None where it has none."""
    box = WEB_MERCATOR.bounds(morecantile.Tile(x, y, z))
    hits = [r for r in layer.rasters if _meets(r.bounds, (box.left, box.bottom, box.right, box.top))]
    if not hits:
        return None
    reader: Any = _disagreement if layer.kind == "disagreement" else _read
    try:
        image, _ = mosaic_reader(
            hits, reader, x, y, z, indexes=layer.bands, categorical=layer.kind != "imagery", threads=0
        )
    except (EmptyMosaicError, TileOutsideBounds):
        return None
    return image


def render(layer: Layer, image: ImageData) -> bytes:
    """A PNG of the tile: stretched imagery, or values through the layer's colour map; nodata clear."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # a PNG has no georeferencing, by design
        if layer.kind == "imagery":
            return image.rescale(in_range=layer.stretch).render(img_format="PNG")
        colours = {
            "classes": CLASS_COLOURMAP,
            "disagreement": DISAGREEMENT_COLOURS,
            "confidence": confidence_colourmap(),
        }[layer.kind]
        return image.render(img_format="PNG", colormap=colours)


def point_value(layer: Layer, lon: float, lat: float) -> dict[str, Any] | None:
    """The layer's value at a point (first raster holding it), described; None outside the data."""
    for raster in layer.rasters:
        west, south, east, north = raster.bounds
        if not (west <= lon <= east and south <= lat <= north):
            continue
        try:
            with Reader(gdal_path(raster.href)) as src:
                found = src.point(lon, lat, indexes=layer.bands if layer.kind == "imagery" else (1,))
        except PointOutsideBounds:
            continue
        if np.ma.getmaskarray(found.array).all():
            continue
        values = [int(v) for v in found.array.filled(0)]
        return _describe(layer, values)
    return None


def _describe(layer: Layer, values: list[int]) -> dict[str, Any]:
    if layer.kind == "classes":
        value = values[0]
        return {"value": value, "label": CLASS_LABELS[value] if 0 <= value < len(CLASS_LABELS) else str(value)}
    if layer.kind == "confidence":
        return {"value": values[0], "confidence": round(values[0] / 255, 3)}
    return {"value": values}
