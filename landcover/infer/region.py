"""Which part of a scene to evaluate: a lat/lon centre and size, a lat/lon bounding box, or everything.

Geographic coordinates go to the scene's own CRS through pyproj, whatever that CRS is; a region that
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


def scene_bounds_latlon(src: rasterio.DatasetReader) -> str:
    """The scene's bounds in lat/lon, for error messages."""
    west, south, east, north = Transformer.from_crs(src.crs, WGS84, always_xy=True).transform_bounds(*src.bounds)
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
    to_scene = Transformer.from_crs(WGS84, src.crs, always_xy=True)
    if centre:
        assert request.center_lat is not None and request.center_lon is not None
        if not (-90 <= request.center_lat <= 90 and -180 <= request.center_lon <= 180):
            raise LandcoverError(
                f"--center-lat {request.center_lat} / --center-lon {request.center_lon} are not "
                "a latitude and longitude",
                "latitude -90..90, longitude -180..180",
            )
        x, y = to_scene.transform(request.center_lon, request.center_lat)
        row, col = (~src.transform * (x, y))[::-1]
        size = parse_size(request.region_dim or str(TUTORIAL_REGION_PIXELS), abs(src.transform.a))
        top, left = round(row - size / 2), round(col - size / 2)
        return _clip(src, top, left, top + size, left + size, "region")
    try:
        west, south, east, north = (float(v) for v in str(request.bbox).split(","))
    except ValueError:
        raise LandcoverError(
            f"--bbox {request.bbox!r} is not WEST,SOUTH,EAST,NORTH", "e.g. --bbox -78.65,37.05,-78.63,37.06"
        ) from None
    if west >= east or south >= north:
        raise LandcoverError(f"--bbox {request.bbox!r} is empty", "WEST < EAST and SOUTH < NORTH, in degrees")
    left, bottom, right, top = to_scene.transform_bounds(west, south, east, north, densify_pts=21)
    row_top, col_left = (~src.transform * (left, top))[::-1]
    row_bottom, col_right = (~src.transform * (right, bottom))[::-1]
    row0, row1 = sorted((row_top, row_bottom))
    col0, col1 = sorted((col_left, col_right))
    return _clip(src, math.floor(row0), math.floor(col0), math.ceil(row1), math.ceil(col1), "bounding box")
