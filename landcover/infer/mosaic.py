"""The mosaic of many scene maps: a GDAL VRT that GIS tools open as one colour-mapped layer, and a PNG of it.

A VRT references the COGs in place (no pixels copied; the COGs' overviews serve zoomed-out views), carries
the class colour table and names, and treats class 0 as nodata, so overlapping scenes fill each other's
gaps. A VRT holds one grid, so maps in different CRSs or resolutions (scenes from two UTM zones) get one
VRT each: ``mosaic.vrt`` when all share a grid, else ``mosaic-<CRS>-<res>m.vrt`` per group.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import rasterio
from rasterio.crs import CRS

from clibase.atomic import atomic_path
from landcover.constants import CLASS_COLOURS, CLASS_LABELS
from landcover.data.geo import crs_label
from landcover.infer.categories import style_path, write_category_sidecars
from landcover.infer.outputs import write_preview


@dataclass(frozen=True)
class MapFootprint:
    """Where a map lies: its grid and pixel size."""

    path: Path
    crs: CRS
    west: float
    north: float
    resolution: tuple[float, float]
    width: int
    height: int


def footprint(path: Path) -> MapFootprint:
    """Read a map's grid (north-up maps, as the engine writes them)."""
    with rasterio.open(path) as src:
        t = src.transform
        return MapFootprint(path, src.crs, t.c, t.f, (t.a, -t.e), src.width, src.height)


def _group_name(crs: CRS | None, resolution: tuple[float, float]) -> str:
    return crs_label(crs, resolution)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def vrt_document(maps: list[MapFootprint], vrt_dir: Path) -> str:
    """The VRT XML over maps that share one CRS and pixel size (sources relative to ``vrt_dir``)."""
    xres, yres = maps[0].resolution
    west = min(m.west for m in maps)
    north = max(m.north for m in maps)
    east = max(m.west + m.width * xres for m in maps)
    south = min(m.north - m.height * yres for m in maps)
    width, height = math.ceil(round((east - west) / xres, 6)), math.ceil(round((north - south) / yres, 6))
    root = ET.Element("VRTDataset", rasterXSize=str(width), rasterYSize=str(height))
    if maps[0].crs:
        _sub(root, "SRS", maps[0].crs.to_wkt(), dataAxisToSRSAxisMapping="1,2")
    _sub(root, "GeoTransform", f"{west!r}, {xres!r}, 0.0, {north!r}, 0.0, {-yres!r}")
    band = _sub(root, "VRTRasterBand", dataType="Byte", band="1")
    _sub(band, "NoDataValue", "0")
    _sub(band, "ColorInterp", "Palette")
    names = _sub(band, "CategoryNames")
    for name in CLASS_LABELS:
        _sub(names, "Category", name)
    table = _sub(band, "ColorTable")
    for red, green, blue in CLASS_COLOURS:
        _sub(table, "Entry", c1=str(red), c2=str(green), c3=str(blue), c4="255")
    for m in maps:
        source = _sub(band, "ComplexSource")
        relative = m.path.relative_to(vrt_dir) if m.path.is_relative_to(vrt_dir) else m.path
        _sub(source, "SourceFilename", str(relative), relativeToVRT="1" if relative != m.path else "0")
        _sub(source, "SourceBand", "1")
        _sub(source, "SrcRect", xOff="0", yOff="0", xSize=str(m.width), ySize=str(m.height))
        x_off, y_off = (m.west - west) / xres, (north - m.north) / yres
        _sub(source, "DstRect", xOff=f"{x_off:g}", yOff=f"{y_off:g}", xSize=str(m.width), ySize=str(m.height))
        _sub(source, "NODATA", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


def write_mosaics(maps: list[Path], output_dir: Path, claim: Callable[[list[str]], None] | None = None) -> list[Path]:
    """Write one VRT per grid (``mosaic.vrt`` when there is one grid); return them, largest group first.

    ``claim`` is called with each name before it is written (the output folder's record of its files).
    """
    groups: dict[tuple[str, tuple[float, float]], list[MapFootprint]] = defaultdict(list)
    for path in maps:
        found = footprint(path)
        groups[(found.crs.to_wkt() if found.crs else "", found.resolution)].append(found)
    ordered = sorted(groups.values(), key=len, reverse=True)
    written = []
    for group in ordered:
        name = "mosaic.vrt" if len(ordered) == 1 else f"mosaic-{_group_name(group[0].crs, group[0].resolution)}.vrt"
        if claim is not None:
            claim([name, style_path(Path(name)).name])
        with atomic_path(output_dir / name) as tmp:
            tmp.write_text(vrt_document(group, output_dir))
        write_category_sidecars(output_dir / name, names=False)  # the VRT names its classes itself
        written.append(output_dir / name)
    return written


def write_overview(mosaic: Path, out: Path, title: str) -> Path:
    """A small PNG of the mosaic (colour-mapped, with the legend)."""
    return write_preview(out, None, None, mosaic, title=title)
