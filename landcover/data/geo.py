"""Sizes and areas on the ground, right in any CRS: projected (any linear unit), geographic, with or without EPSG.

A pixel's size in metres is not ``transform.a`` in general: a projected CRS may count in feet, and a
geographic one counts in degrees, whose length in metres depends on the latitude. Here:

- projected CRS: the pixel size times the CRS's linear unit (metres per unit); areas are planar in the
  projection, as GIS tools report them;
- geographic CRS: lengths along the WGS84 ellipsoid (pyproj's ``Geod``) at the region's centre, and areas as
  the geodesic area of the region's footprint, its outline densified so the edges follow the grid;
- no CRS: no size on the ground (``None``); commands report pixels and say so.
"""

from __future__ import annotations

import hashlib

from affine import Affine
from pyproj import CRS as ProjCRS
from pyproj import Geod, Transformer
from rasterio.crs import CRS

GEOD = Geod(ellps="WGS84")
OUTLINE_POINTS = 16
"""Points per side of a footprint outline (geodesic areas of geographic regions)."""


def proj_crs(crs: CRS) -> ProjCRS:
    """Pyproj's view of a rasterio CRS (EPSG or not: from its WKT)."""
    return ProjCRS.from_wkt(crs.to_wkt())


def metres_per_pixel(crs: CRS | None, transform: Affine, row: float, col: float) -> tuple[float, float] | None:
    """A pixel's width and height in metres around pixel (row, col); ``None`` without a CRS."""
    if crs is None:
        return None
    projected = proj_crs(crs)
    if not projected.is_geographic:
        factor = projected.axis_info[0].unit_conversion_factor if projected.axis_info else 1.0
        return abs(transform.a) * factor, abs(transform.e) * factor
    to_lonlat = Transformer.from_crs(projected, "EPSG:4326", always_xy=True)
    lon0, lat0 = to_lonlat.transform(*(transform * (col, row)))
    lon1, lat1 = to_lonlat.transform(*(transform * (col + 1, row)))
    lon2, lat2 = to_lonlat.transform(*(transform * (col, row + 1)))
    width = GEOD.inv(lon0, lat0, lon1, lat1)[2]
    height = GEOD.inv(lon0, lat0, lon2, lat2)[2]
    return abs(width), abs(height)


def area_km2(crs: CRS | None, transform: Affine, width: int, height: int, col_off: int = 0, row_off: int = 0) -> float:
    """The ground area of a pixel window in km² (0.0 without a CRS: unknown).

    Args:
        crs: The raster's CRS.
        transform: The raster's affine transform.
        width: Window width in pixels.
        height: Window height in pixels.
        col_off: Window's first column.
        row_off: Window's first row.
    """
    if crs is None or width <= 0 or height <= 0:
        return 0.0
    projected = proj_crs(crs)
    if not projected.is_geographic:
        size = metres_per_pixel(crs, transform, row_off, col_off)
        assert size is not None
        return width * height * size[0] * size[1] / 1e6
    steps = [i / OUTLINE_POINTS for i in range(OUTLINE_POINTS)]
    outline = (
        [(col_off + t * width, row_off) for t in steps]
        + [(col_off + width, row_off + t * height) for t in steps]
        + [(col_off + width - t * width, row_off + height) for t in steps]
        + [(col_off, row_off + height - t * height) for t in steps]
    )
    to_lonlat = Transformer.from_crs(projected, "EPSG:4326", always_xy=True)
    lons, lats = zip(*(to_lonlat.transform(*(transform * point)) for point in outline), strict=True)
    area, _ = GEOD.polygon_area_perimeter(lons, lats)
    return abs(area) / 1e6


def crs_label(crs: CRS | None, resolution: tuple[float, float]) -> str:
    """A short, file-name-safe name of a CRS and resolution: ``EPSG32617-1m``, ``EPSG4326-1e-05deg``.

    A CRS without an EPSG code is named by a hash of its WKT, so two different ones never share a name.
    """
    if crs is None:
        return f"nocrs-{resolution[0]:g}px"
    code = crs.to_epsg()
    name = f"EPSG{code}" if code else "crs" + hashlib.sha256(crs.to_wkt().encode()).hexdigest()[:8]
    projected = proj_crs(crs)
    unit = "deg" if projected.is_geographic else (projected.axis_info[0].unit_name if projected.axis_info else "")
    unit = {"metre": "m", "meter": "m", "foot": "ft", "US survey foot": "usft"}.get(unit, unit.replace(" ", ""))
    return f"{name}-{resolution[0]:g}{unit}"
