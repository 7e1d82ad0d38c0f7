"""Which part of a scene to evaluate: a lat/lon centre and size, a lat/lon bounding box, or everything.

Geographic coordinates go to the scene's own CRS through pyproj, whatever that CRS is (a size in metres
becomes pixels through the CRS's unit, or along the ellipsoid in a geographic CRS:
:mod:`landcover.data.geo`); a region that
sticks out of the scene is clipped with a warning, and one wholly outside it is an error that prints the
scene's bounds in lat/lon.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import rasterio
from pyproj import Transformer
from rasterio.windows import Window

from landcover.data.geo import metres_per_pixel
from landcover.io.errors import LandcoverError

WGS84 = "EPSG:4326"
TUTORIAL_REGION_PIXELS = 1024


@dataclass(frozen=True)
class RegionRequest:
    """What the user asked for (all optional: nothing means the whole scene)."""

    center_lat: float | None = None
    center_lon: float | None = None
    region_dim: str | None = None
    bbox: str | None = None


@dataclass(frozen=True)
class Region:
    """A pixel window of the scene, and notes for the user (clipping)."""

    window: Window
    warnings: tuple[str, ...] = ()


def parse_size(text: str, pixel_size: float) -> int:
    """A region size in pixels from ``1024``, ``1024px`` or ``1000m``.

    Raises:
        LandcoverError: Unparseable or not positive.
    """
    match = re.fullmatch(r"\s*([0-9.eE+-]+)\s*(px|m)?\s*", text)
    value = float(match.group(1)) if match else float("nan")
    if not match or not math.isfinite(value) or value <= 0:
        raise LandcoverError(
            f"--region-dim {text!r} is not a positive size", "give pixels (1024 or 1024px) or metres (1000m)"
        )
    pixels = value / pixel_size if match.group(2) == "m" else value
    return max(1, round(pixels))


def _latlon_bounds(src: rasterio.DatasetReader) -> tuple[float, float, float, float]:
    """The scene's bounds as WEST, SOUTH, EAST, NORTH in degrees."""
    transformer = Transformer.from_crs(src.crs, WGS84, always_xy=True)
    left, bottom, right, top = src.bounds
    west, south, east, north = transformer.transform_bounds(left, bottom, right, top, densify_pts=21)
    return west, south, east, north


def scene_bounds_latlon(src: rasterio.DatasetReader) -> str:
    """The scene's bounds in lat/lon, for error messages."""
    west, south, east, north = _latlon_bounds(src)
    return f"lat {south:.6f} to {north:.6f}, lon {west:.6f} to {east:.6f}"


def _clip(src: rasterio.DatasetReader, top: int, left: int, bottom: int, right: int, what: str) -> Region:
    clipped = (max(0, top), max(0, left), min(src.height, bottom), min(src.width, right))
    if clipped[0] >= clipped[2] or clipped[1] >= clipped[3]:
        raise LandcoverError(
            f"{src.name}: the {what} lies wholly outside the scene (scene covers {scene_bounds_latlon(src)})",
            "choose a region inside the scene",
        )
    notes: tuple[str, ...] = ()
    if clipped != (top, left, bottom, right):
        notes = (
            f"the {what} reaches outside the scene and was clipped to "
            f"{clipped[3] - clipped[1]} x {clipped[2] - clipped[0]} pixels",
        )
    window = Window(clipped[1], clipped[0], clipped[3] - clipped[1], clipped[2] - clipped[0])
    return Region(window, notes)


def resolve_region(src: rasterio.DatasetReader, request: RegionRequest) -> Region:
    """Turn a region request into a pixel window of ``src``.

    Raises:
        LandcoverError: Inconsistent options, a scene without CRS, a bad size, or a region outside the scene.
    """
    centre = request.center_lat is not None or request.center_lon is not None
    if centre and (request.center_lat is None or request.center_lon is None):
        raise LandcoverError("--center-lat and --center-lon go together", "give both, or neither")
    if centre and request.bbox:
        raise LandcoverError("--bbox and --center-lat/--center-lon both given", "give one kind of region")
    if request.region_dim is not None and not centre:
        raise LandcoverError("--region-dim needs --center-lat and --center-lon", "give the region's centre too")
    if not centre and not request.bbox:
        return Region(Window(0, 0, src.width, src.height))
    if src.crs is None:
        raise LandcoverError(
            f"{src.name}: the scene has no CRS, so lat/lon cannot be placed on it",
            "evaluate the whole scene (no region options)",
        )
    if centre:
        assert request.center_lat is not None and request.center_lon is not None
        return _centre_region(src, request.center_lat, request.center_lon, request.region_dim)
    return _bbox_region(src, str(request.bbox))


def _centre_region(src: rasterio.DatasetReader, lat: float, lon: float, region_dim: str | None) -> Region:
    """The window of ``region_dim`` (default: the tutorial's 1024 pixels) centred on ``lat``/``lon``."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise LandcoverError(
            f"--center-lat {lat} / --center-lon {lon} are not a latitude and longitude",
            "latitude -90..90, longitude -180..180",
        )
    x, y = Transformer.from_crs(WGS84, src.crs, always_xy=True).transform(lon, lat)
    if not (math.isfinite(x) and math.isfinite(y)):  # e.g. (0, 0) in a UTM zone far away
        raise LandcoverError(
            f"--center-lat {lat} / --center-lon {lon}: outside the area the "
            f"scene's CRS can place (scene covers {scene_bounds_latlon(src)})",
            "choose a centre inside the scene",
        )
    row, col = (~src.transform * (x, y))[::-1]
    metres = metres_per_pixel(src.crs, src.transform, row, col)
    assert metres is not None  # a scene without a CRS was refused by the caller
    text = region_dim or str(TUTORIAL_REGION_PIXELS)
    width, height = parse_size(text, metres[0]), parse_size(text, metres[1])
    top, left = round(row - height / 2), round(col - width / 2)
    return _clip(src, top, left, top + height, left + width, "region")


def _parse_bbox(bbox: str) -> tuple[float, float, float, float]:
    """WEST, SOUTH, EAST, NORTH in degrees from ``--bbox`` text.

    Raises:
        LandcoverError: Not four numbers, not longitudes and latitudes, or an empty box.
    """
    try:
        west, south, east, north = (float(v) for v in bbox.split(","))
    except ValueError:
        raise LandcoverError(
            f"--bbox {bbox!r} is not WEST,SOUTH,EAST,NORTH", "e.g. --bbox -78.65,37.05,-78.63,37.06"
        ) from None
    if not all(math.isfinite(v) for v in (west, south, east, north)) or not (
        -180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90
    ):
        raise LandcoverError(
            f"--bbox {bbox!r} is not longitudes and latitudes", "WEST, EAST -180..180; SOUTH, NORTH -90..90"
        )
    if west >= east or south >= north:
        raise LandcoverError(f"--bbox {bbox!r} is empty", "WEST < EAST and SOUTH < NORTH, in degrees")
    return west, south, east, north


def _bbox_region(src: rasterio.DatasetReader, bbox: str) -> Region:
    """The window of ``src`` that covers a lat/lon bounding box, clipped to the scene."""
    west, south, east, north = _parse_bbox(bbox)
    # Cut the box down to the scene's own lat/lon bounds first: a box far larger than the scene (the whole
    # world) does not survive projection into a local CRS such as a UTM zone.
    scene_w, scene_s, scene_e, scene_n = _latlon_bounds(src)
    inside = max(west, scene_w), max(south, scene_s), min(east, scene_e), min(north, scene_n)
    if inside[0] >= inside[2] or inside[1] >= inside[3]:
        raise LandcoverError(
            f"{src.name}: the bounding box lies wholly outside the scene (scene covers {scene_bounds_latlon(src)})",
            "choose a region inside the scene",
        )
    to_scene = Transformer.from_crs(WGS84, src.crs, always_xy=True)
    left, bottom, right, top = to_scene.transform_bounds(*inside, densify_pts=21)
    row_top, col_left = (~src.transform * (left, top))[::-1]
    row_bottom, col_right = (~src.transform * (right, bottom))[::-1]
    row0, row1 = sorted((row_top, row_bottom))
    col0, col1 = sorted((col_left, col_right))
    region = _clip(src, math.floor(row0), math.floor(col0), math.ceil(row1), math.ceil(col1), "bounding box")
    if inside != (west, south, east, north) and not region.warnings:
        width, height = int(region.window.width), int(region.window.height)
        note = f"the bounding box reaches outside the scene and was clipped to {width} x {height} pixels"
        return Region(region.window, (note,))
    return region
