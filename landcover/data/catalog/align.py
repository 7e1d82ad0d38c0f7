"""Labels onto an image's own grid: nearest-neighbour reprojection through GDAL's warper (``WarpedVRT``).

Only the image window's footprint is read from each label raster (the VRT asks for the source blocks it
needs), and pixels no label raster covers (or that hold the label's nodata value) become 0, unknown.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from rasterio.enums import Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError
from rasterio.vrt import WarpedVRT

from landcover.data.catalog.classes import ClassTable
from landcover.data.rasters import check_label_header, read_error, require_crs
from landcover.data.sources import GDAL_REMOTE_OPTIONS, _remote_reason, is_url
from landcover.io.errors import LandcoverError
from landcover.io.oserrors import check_input_file

PLACED_BY_LOCATION = "landcover pairs places labels on the image by location (pair such files by their names)"

EXACT_TOLERANCE = 1e-6
"""Warper error threshold in pixels: every pixel centre is effectively projected exactly (the default, 0.125,
interpolates between projected points and can pick a neighbouring label pixel at class edges; 0 itself
leaves rasterio's WarpedVRT without a transformer)."""


@dataclass(frozen=True)
class Grid:
    """A pixel grid: CRS, affine transform and size."""

    crs: Any
    transform: Affine
    width: int
    height: int


@dataclass(frozen=True)
class LabelSource:
    """One label raster and the table that maps its values.

    Attributes:
        name: For messages (the label item's id, or the file's name).
        href: Local path or ``http(s)://`` URL.
        table: Its class table.
    """

    name: str
    href: str
    table: ClassTable


def signature_hint(reason: str) -> str:
    """The fix for a failed remote read (an HTTP 403 is mostly an expired URL signature)."""
    if reason.startswith("HTTP 403"):
        return "the URL's signature expired or was refused: rerun, which searches and signs afresh"
    return "check the URL and network"


@contextlib.contextmanager
def open_raster_href(href: str, what: str) -> Iterator[rasterio.DatasetReader]:
    """Open a local or remote raster (remote ones with the HTTP settings of ``landcover.data.sources``).

    Raises:
        LandcoverError: Missing, unreadable or refused (one line naming ``what``).
    """
    remote = is_url(href)
    if not remote:
        try:
            check_input_file(Path(href))
        except LandcoverError as exc:
            raise LandcoverError(f"{what}: {exc.message}", exc.hint) from None
    with rasterio.Env(**(GDAL_REMOTE_OPTIONS if remote else {})), warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        try:
            dataset = rasterio.open(f"/vsicurl/{href}" if remote else href)
        except RasterioIOError as exc:
            reason, _ = _remote_reason(exc) if remote else (str(exc).splitlines()[0], "")
            raise LandcoverError(f"{what}: {href.split('?')[0]}: {reason}", signature_hint(reason)) from exc
        with dataset:
            yield dataset


def read_failure(what: str, href: str, exc: RasterioIOError) -> LandcoverError:
    """One line for a read that failed after the open (a block refused or cut off)."""
    if not is_url(href):  # a local file that opened but cannot be read: cut short or damaged
        error = read_error(href, exc)
        return LandcoverError(f"{what}: {error.message}", error.hint)
    reason, _ = _remote_reason(exc)
    return LandcoverError(f"{what}: {href.split('?')[0]}: {reason}", signature_hint(reason))


def align_labels(sources: list[LabelSource], grid: Grid) -> np.ndarray:
    """The tutorial's classes on ``grid``, from the label rasters (the first that covers a pixel wins).

    Args:
        sources: Label rasters, each with its class table.
        grid: The image's grid (its CRS, and the window's transform and size).

    Returns:
        uint8 (H, W) classes 0-4; 0 where no label raster covers the pixel or the label is nodata.

    Raises:
        LandcoverError: A label raster cannot be opened or read.
    """
    classes = np.zeros((grid.height, grid.width), dtype=np.uint8)
    covered = np.zeros((grid.height, grid.width), dtype=bool)
    for source in sources:
        with open_raster_href(source.href, f"labels {source.name}") as src:
            check_label_header(src, f"labels {source.name}: {source.href.split('?')[0]}")
            require_crs(src, f"labels {source.name}: {source.href.split('?')[0]}", PLACED_BY_LOCATION)
            nodata = src.nodata if src.nodata is not None else source.table.nodata
            vrt_options: dict[str, Any] = {
                "crs": grid.crs,
                "transform": grid.transform,
                "width": grid.width,
                "height": grid.height,
                "resampling": Resampling.nearest,
                "tolerance": EXACT_TOLERANCE,
                "add_alpha": True,
            }
            if nodata is not None:
                vrt_options["src_nodata"] = nodata
            try:
                with WarpedVRT(src, **vrt_options) as vrt:  # inside open_raster_href's GDAL settings
                    values = vrt.read(1)
                    alpha = vrt.read(vrt.count)
            except RasterioIOError as exc:
                raise read_failure(f"labels {source.name}", source.href, exc) from exc
        here = (alpha > 0) & ~covered
        classes[here] = source.table.apply(values[here], f"labels {source.name}: {source.href.split('?')[0]}")
        covered |= alpha > 0
    return classes
