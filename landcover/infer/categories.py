"""What GIS tools need beside a class raster to show "Water", not "1": GDAL category names and a QGIS style.

GeoTIFF has no field for category names, so GDAL keeps them in its PAM sidecar ``<raster>.aux.xml``
(``<CategoryNames>``), which ``gdalinfo``, QGIS and every GDAL reader pick up. QGIS also loads a style
file of the raster's name (``<raster>.qml``) by itself: a paletted renderer with the class colours and
labels. A GDAL VRT carries the names inside (see :mod:`landcover.infer.mosaic`) and gets only the style.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from clibase.atomic import write_text_atomic
from landcover.constants import CLASS_COLOURS, CLASS_LABELS, UNKNOWN


def aux_path(raster: Path) -> Path:
    """GDAL's PAM sidecar of a raster: ``<raster>.aux.xml``."""
    return raster.with_name(raster.name + ".aux.xml")


def style_path(raster: Path) -> Path:
    """The QGIS style QGIS loads by itself with a raster: ``<raster stem>.qml``."""
    return raster.with_suffix(".qml")


def sidecar_names(name: str) -> list[str]:
    """The names of the sidecars :func:`write_category_sidecars` writes beside the raster ``name``."""
    return [aux_path(Path(name)).name, style_path(Path(name)).name]


def pam_document() -> str:
    """The PAM XML naming band 1's categories (value i is ``CLASS_LABELS[i]``)."""
    root = ET.Element("PAMDataset")
    band = ET.SubElement(root, "PAMRasterBand", band="1")
    names = ET.SubElement(band, "CategoryNames")
    for label in CLASS_LABELS:
        ET.SubElement(names, "Category").text = label
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


def qml_document() -> str:
    """A QGIS style: paletted renderer over band 1 with each known class's colour and label; nodata clear."""
    root = ET.Element("qgis", version="3.28.0", styleCategories="AllStyleCategories")
    pipe = ET.SubElement(root, "pipe")
    renderer = ET.SubElement(
        pipe, "rasterrenderer", type="paletted", band="1", opacity="1", alphaBand="-1", nodataColor=""
    )
    ET.SubElement(renderer, "rasterTransparency")
    palette = ET.SubElement(renderer, "colorPalette")
    for value, (label, (red, green, blue)) in enumerate(zip(CLASS_LABELS, CLASS_COLOURS, strict=True)):
        if value == UNKNOWN:
            continue  # nodata: never drawn
        colour = f"#{red:02x}{green:02x}{blue:02x}"
        ET.SubElement(palette, "paletteEntry", value=str(value), color=colour, alpha="255", label=label)
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode") + "\n"


def write_category_sidecars(raster: Path, *, names: bool = True) -> list[Path]:
    """Write the class names (``.aux.xml``, unless ``names`` is False) and QGIS style (``.qml``) of a class raster.

    Args:
        raster: A single-band class raster (values are class indices).
        names: Write the PAM category names (False for a VRT, which holds them itself).

    Returns:
        The files written.
    """
    written = [write_text_atomic(style_path(raster), qml_document())]
    if names:
        written.insert(0, write_text_atomic(aux_path(raster), pam_document()))
    return written
