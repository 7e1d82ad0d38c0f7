"""Any centre or bounding box, however odd (NaN, infinities, (0, 0), the whole world), gives a window inside
the scene or one line saying why not; a box that contains the whole scene gives the whole scene."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import rasterio
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from landcover.infer.region import RegionRequest, resolve_region
from landcover.io.errors import LandcoverError
from tests.data.bad_rasters import CRSS, RasterSpec, write_raster

PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
coordinates = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from((0.0, 90.0, -180.0, 37.06)))


@pytest.fixture(scope="module", params=[c for c in CRSS if c is not None], ids=["utm", "lonlat", "custom"])
def scene(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[rasterio.DatasetReader]:
    path = write_raster(
        tmp_path_factory.mktemp("scene") / "s.tif", RasterSpec(width=200, height=150, crs=request.param)
    )
    with rasterio.open(Path(path)) as src:
        yield src


def _inside(src: rasterio.DatasetReader, request: RegionRequest) -> None:
    try:
        window = resolve_region(src, request).window
    except LandcoverError as exc:
        assert "\n" not in str(exc)
        return
    assert window.col_off >= 0 and window.col_off + window.width <= src.width
    assert window.row_off >= 0 and window.row_off + window.height <= src.height
    assert window.width > 0 and window.height > 0


@PROPERTY
@given(lat=coordinates, lon=coordinates, size=st.sampled_from((None, "64", "100m", "1e9")))
def test_any_centre_is_a_window_or_one_line(scene: rasterio.DatasetReader, lat: float, lon: float, size: str) -> None:
    _inside(scene, RegionRequest(center_lat=lat, center_lon=lon, region_dim=size))


@PROPERTY
@given(box=st.lists(coordinates, min_size=4, max_size=4))
def test_any_box_is_a_window_or_one_line(scene: rasterio.DatasetReader, box: list[float]) -> None:
    _inside(scene, RegionRequest(bbox=",".join(repr(v) for v in box)))


@PROPERTY
@given(west=st.floats(-180, -80), south=st.floats(-90, 36), east=st.floats(-77, 180), north=st.floats(38, 90))
@example(west=-180.0, south=-89.0, east=180.0, north=89.0)  # the whole world: once "wholly outside"
def test_a_box_around_the_whole_scene_is_the_whole_scene(
    scene: rasterio.DatasetReader, west: float, south: float, east: float, north: float
) -> None:
    window = resolve_region(scene, RegionRequest(bbox=f"{west!r},{south!r},{east!r},{north!r}")).window
    assert (window.width, window.height) == (scene.width, scene.height)
