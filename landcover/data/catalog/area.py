"""The ``--geojson`` area of ``landcover pairs``: a geometry, feature or collection, checked before it is used.

A file that is not JSON, nests without end, or holds coordinates that are not finite longitudes and
latitudes is refused in one line naming ``--geojson``, before any search or write.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from landcover.io.errors import LandcoverError
from landcover.io.jsonfile import read_json
from landcover.settings import PairsSettings

MAX_DEPTH = 6
"""Deepest nesting of coordinates in GeoJSON (a MultiPolygon's points sit 4 lists deep)."""


def _bad(path: Path, what: str) -> LandcoverError:
    return LandcoverError(
        f"--geojson {path}: {what}", "give a GeoJSON geometry, Feature or FeatureCollection in lon/lat degrees"
    )


def read_area(path: Path) -> dict[str, Any]:
    """The file's area as one GeoJSON geometry (a collection's features become a GeometryCollection).

    Raises:
        LandcoverError: Unreadable, not GeoJSON, or coordinates that are not lon/lat degrees.
    """
    data = read_json(path, "--geojson")
    if not isinstance(data, dict):
        raise _bad(path, "not a GeoJSON object")
    if data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or not features:
            raise _bad(path, "a FeatureCollection without features")
        geometry: Any = {"type": "GeometryCollection", "geometries": [_geometry(path, f) for f in features]}
    elif data.get("type") == "Feature":
        geometry = _geometry(path, data)
    else:
        geometry = dict(data)
    bounds(path, geometry)
    return geometry


def _geometry(path: Path, feature: Any) -> dict[str, Any]:
    if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
        raise _bad(path, "a feature without a geometry")
    return dict(feature["geometry"])


def _points(path: Path, value: Any, depth: int) -> Iterator[tuple[float, float]]:
    if depth > MAX_DEPTH:
        raise _bad(path, "coordinates nested too deeply")
    if isinstance(value, dict):
        if value.get("type") == "GeometryCollection":
            parts = value.get("geometries")
            if not isinstance(parts, list):
                raise _bad(path, "a GeometryCollection without a list of geometries")
            for part in parts:
                yield from _points(path, part, depth + 1)
        elif "coordinates" in value:
            yield from _points(path, value["coordinates"], depth + 1)
        else:
            raise _bad(path, f"a {value.get('type', 'JSON object')!s:.40} without coordinates")
    elif isinstance(value, list) and value and all(isinstance(v, (int, float)) for v in value):
        if len(value) < 2 or any(isinstance(v, bool) for v in value):
            raise _bad(path, f"coordinate {value!r:.60} is not [lon, lat]")
        lon, lat = float(value[0]), float(value[1])
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise _bad(path, f"coordinate {value!r:.60} is not a longitude and latitude in degrees")
        yield lon, lat
    elif isinstance(value, list):
        for part in value:
            yield from _points(path, part, depth + 1)
    else:
        raise _bad(path, f"coordinates hold {type(value).__name__} {value!r:.40}, not numbers")


def bounds(path: Path, geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """WEST, SOUTH, EAST, NORTH of a geometry's points.

    Raises:
        LandcoverError: No points, or points that are not lon/lat degrees.
    """
    points = list(_points(path, geometry, 0))
    if not points:
        raise _bad(path, "no coordinates")
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def area_geometry(settings: PairsSettings) -> dict[str, Any] | None:
    """The ``--geojson`` area as one GeoJSON geometry (a collection's features become a GeometryCollection)."""
    return None if settings.geojson is None else read_area(settings.geojson)


def area_bbox(settings: PairsSettings) -> tuple[float, float, float, float] | None:
    """The area's bounds in degrees (``--bbox``, or the bounds of ``--geojson``), or None for whole images."""
    if settings.bbox is not None:
        return settings.bbox
    geometry = area_geometry(settings)
    return None if geometry is None or settings.geojson is None else bounds(settings.geojson, geometry)
