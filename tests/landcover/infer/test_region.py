import pytest
import rasterio
from pyproj import Transformer

from landcover.infer.region import RegionRequest, parse_size, resolve_region
from landcover.io.errors import LandcoverError
from tests.data.fixtures import CRS, write_pair


@pytest.fixture
def scene(tmp_path):
    image, _ = write_pair(tmp_path, "s", size=(400, 600), origin=(710_000.0, 4_104_000.0))
    with rasterio.open(image) as src:
        yield src


def _latlon(x, y):
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(x, y)
    return lat, lon


def test_whole_scene_by_default(scene):
    window = resolve_region(scene, RegionRequest()).window
    assert (window.col_off, window.row_off, window.width, window.height) == (0, 0, 600, 400)


def test_centre_and_size_in_pixels_or_metres(scene):
    lat, lon = _latlon(710_300.0, 4_103_800.0)  # column 300, row 200
    window = resolve_region(scene, RegionRequest(lat, lon, "100")).window
    assert (window.col_off, window.row_off, window.width, window.height) == (250, 150, 100, 100)
    assert resolve_region(scene, RegionRequest(lat, lon, "80m")).window.width == 80


def test_partly_outside_is_clipped_with_a_warning(scene):
    lat, lon = _latlon(710_020.0, 4_103_980.0)
    region = resolve_region(scene, RegionRequest(lat, lon, "100"))
    assert (region.window.col_off, region.window.row_off, region.window.width) == (0, 0, 70)
    assert "clipped" in region.warnings[0]


def test_wholly_outside_names_the_scene_bounds(scene):
    with pytest.raises(LandcoverError, match=r"wholly outside the scene \(scene covers lat 37\.\d+ to 37\.\d+"):
        resolve_region(scene, RegionRequest(37.5, -78.0, "100"))


def test_bounding_box(scene):
    south, west = _latlon(710_100.0, 4_103_700.0)
    north, east = _latlon(710_200.0, 4_103_900.0)
    window = resolve_region(scene, RegionRequest(bbox=f"{west},{south},{east},{north}")).window
    # UTM grid north is not true north here: the box's enclosing window is a few pixels wider.
    assert 100 <= window.width <= 115 and 198 <= window.height <= 205
    assert 90 <= window.col_off <= 100 and 97 <= window.row_off <= 100


@pytest.mark.parametrize("text", ["0", "-5", "abc", "0m"])
def test_region_size_must_be_positive(text):
    with pytest.raises(LandcoverError, match="not a positive size"):
        parse_size(text, 1.0)


def test_inconsistent_options(scene):
    with pytest.raises(LandcoverError, match="go together"):
        resolve_region(scene, RegionRequest(center_lat=37.0))
    with pytest.raises(LandcoverError, match="needs --center-lat"):
        resolve_region(scene, RegionRequest(region_dim="100"))
    with pytest.raises(LandcoverError, match="is empty"):
        resolve_region(scene, RegionRequest(bbox="-78,37,-79,38"))


def test_scene_without_crs_refuses_latlon(tmp_path):
    image, _ = write_pair(tmp_path, "nocrs", crs=None)
    with rasterio.open(image) as src, pytest.raises(LandcoverError, match="has no CRS"):
        resolve_region(src, RegionRequest(37.0, -78.0))
