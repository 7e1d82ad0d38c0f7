"""The mosaic VRT over scene maps: one per grid, colour table and nodata."""

from __future__ import annotations

import rasterio
from rasterio.transform import from_origin

from landcover.infer.mosaic import write_mosaics
from tests.data.fixtures import write_class_map


def test_one_vrt_per_grid(tmp_path):
    a = write_class_map(tmp_path / "a_landcover.tif", "EPSG:26917", 1000.0, 5000.0, 1)
    b = write_class_map(tmp_path / "b_landcover.tif", "EPSG:26917", 1100.0, 4950.0, 2)
    c = write_class_map(tmp_path / "c_landcover.tif", "EPSG:26918", 300.0, 5000.0, 3)
    (single,) = write_mosaics([a, b], tmp_path)
    assert single.name == "mosaic.vrt"
    with rasterio.open(single) as vrt:
        assert vrt.shape == (114, 164) and vrt.transform == from_origin(1000.0, 5000.0, 1.0, 1.0)
        pixels = vrt.read(1)
        assert (pixels[:64, :64] == 1).all() and (pixels[50:, 100:] == 2).all() and (pixels[70:, :64] == 0).all()
        assert vrt.colormap(1)[4] == (128, 96, 96, 255) and vrt.nodata == 0
    split = write_mosaics([a, b, c], tmp_path)
    assert [p.name for p in split] == ["mosaic-EPSG26917-1m.vrt", "mosaic-EPSG26918-1m.vrt"]
