"""Sizes and areas on the ground in any CRS (issue 21 item 9): geographic, feet, non-EPSG."""

from __future__ import annotations

import pytest
from rasterio.crs import CRS
from rasterio.transform import from_origin

from landcover.data.geo import area_km2, crs_label, metres_per_pixel


def test_projected_metres_are_planar() -> None:
    transform = from_origin(722_000, 4_105_000, 1.0, 1.0)
    assert area_km2(CRS.from_epsg(26917), transform, 1000, 1000) == pytest.approx(1.0)
    assert metres_per_pixel(CRS.from_epsg(26917), transform, 0, 0) == (1.0, 1.0)


def test_projected_feet_count_as_feet() -> None:
    transform = from_origin(2_000_000, 500_000, 3.0, 3.0)  # 3 US survey feet (NAD83 / Virginia South ftUS)
    width, _height = metres_per_pixel(CRS.from_epsg(2284), transform, 0, 0)  # type: ignore[misc]
    assert width == pytest.approx(3 * 1200 / 3937)
    assert area_km2(CRS.from_epsg(2284), transform, 1000, 1000) == pytest.approx((3000 * 1200 / 3937) ** 2 / 1e6)


def test_geographic_pixels_are_measured_on_the_ellipsoid() -> None:
    # 1e-5 degree pixels at 37 N: about 0.89 m east-west, 1.11 m north-south.
    transform = from_origin(-78.64, 37.06, 1e-5, 1e-5)
    width, height = metres_per_pixel(CRS.from_epsg(4326), transform, 500, 500)  # type: ignore[misc]
    assert width == pytest.approx(0.889, abs=0.005)
    assert height == pytest.approx(1.109, abs=0.005)
    assert area_km2(CRS.from_epsg(4326), transform, 1000, 1000) == pytest.approx(0.889 * 1.109, rel=0.01)


def test_without_crs_there_is_no_size() -> None:
    assert metres_per_pixel(None, from_origin(0, 0, 1, 1), 0, 0) is None
    assert area_km2(None, from_origin(0, 0, 1, 1), 10, 10) == 0.0


def test_crs_without_epsg_code_get_distinct_names() -> None:
    one = CRS.from_proj4("+proj=tmerc +lat_0=0 +lon_0=-78.1 +k=0.9996 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m")
    two = CRS.from_proj4("+proj=tmerc +lat_0=0 +lon_0=-77.9 +k=0.9996 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m")
    assert crs_label(one, (1.0, 1.0)) != crs_label(two, (1.0, 1.0))
    assert crs_label(one, (1.0, 1.0)).endswith("-1m")
    assert crs_label(CRS.from_epsg(4326), (1e-05, 1e-05)) == "EPSG4326-1e-05deg"
    assert crs_label(CRS.from_epsg(26917), (1.0, 1.0)) == "EPSG26917-1m"
