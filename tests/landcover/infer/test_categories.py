"""Class maps carry GDAL category names and a QGIS style (issue 27 item 3), as GDAL itself reads them."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from rasterio.transform import from_origin
from rasterio.windows import Window

from landcover.constants import CLASS_COLOURS, CLASS_LABELS
from landcover.infer.categories import aux_path, style_path
from landcover.infer.mosaic import write_mosaics
from landcover.infer.outputs import StreamingRaster

PROFILE = {"width": 64, "height": 64, "count": 1, "dtype": "uint8", "nodata": 0, "crs": "EPSG:32618"}


def _class_map(path: Path) -> Path:
    writer = StreamingRaster(path, {**PROFILE, "transform": from_origin(500000, 4100000, 1, 1)}, colourmap=True)
    writer.write(np.arange(64 * 64, dtype=np.uint8).reshape(64, 64) % 5, Window(0, 0, 64, 64))
    return writer.finish()


def test_every_class_map_has_its_names_and_style(tmp_path: Path) -> None:
    path = _class_map(tmp_path / "map.tif")
    names = [c.text for c in ET.parse(aux_path(path)).getroot().iter("Category")]
    assert names == list(CLASS_LABELS)
    entries = ET.parse(style_path(path)).getroot().iter("paletteEntry")
    found = {int(e.get("value", "")): (e.get("label"), e.get("color")) for e in entries}
    expected = {i: (CLASS_LABELS[i], "#{:02x}{:02x}{:02x}".format(*CLASS_COLOURS[i])) for i in range(1, 5)}
    assert found == expected
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_the_mosaic_vrt_names_its_classes_and_has_a_style(tmp_path: Path) -> None:
    maps = [_class_map(tmp_path / "a_landcover.tif")]
    (vrt,) = write_mosaics(maps, tmp_path)
    names = [c.text for c in ET.parse(vrt).getroot().iter("Category")]
    assert names == list(CLASS_LABELS) and style_path(vrt).is_file()


@pytest.mark.skipif(shutil.which("gdalinfo") is None, reason="gdalinfo (Debian's gdal-bin) is not installed")
def test_gdal_reads_the_category_names(tmp_path: Path) -> None:
    for path in (_class_map(tmp_path / "m_landcover.tif"), write_mosaics([tmp_path / "m_landcover.tif"], tmp_path)[0]):
        info = json.loads(subprocess.run(["gdalinfo", "-json", str(path)], capture_output=True, check=True).stdout)
        assert info["bands"][0]["categories"] == list(CLASS_LABELS), path
