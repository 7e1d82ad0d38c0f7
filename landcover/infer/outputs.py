"""Writers for what people look at: colour-mapped Cloud-Optimized GeoTIFFs and the preview PNG.

Rasters are written block by block into a hidden temporary GeoTIFF beside the target, then converted to
a COG with overviews and renamed into place, so nothing half-written ever sits under a final name and
the whole region never needs to be in memory.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.shutil
from rasterio.enums import ColorInterp
from rasterio.windows import Window

from clibase.atomic import atomic_path, write_text_atomic
from landcover.constants import CLASS_COLOURS
from landcover.infer.categories import write_category_sidecars
from landcover.infer.preview import PreviewRow, render_preview, save_png

PREVIEW_PANEL = 768
COLOURMAP = {index: (*colour, 255) for index, colour in enumerate(CLASS_COLOURS)}


class StreamingRaster:
    """A region-sized GeoTIFF filled block by block, finished as a COG under its final name."""

    def __init__(
        self,
        path: Path,
        profile: dict[str, Any],
        *,
        colourmap: bool = False,
        categorical: bool = True,
        bands: tuple[ColorInterp, ...] | None = None,
    ):
        """Open the temporary file.

        Args:
            path: Final path.
            profile: rasterio profile (width, height, count, dtype, crs, transform, nodata).
            colourmap: Embed the class colour table.
            categorical: Build overviews by mode (classes) rather than average (imagery).
            bands: Colour interpretation of the bands (NAIP: red, green, blue, undefined).
        """
        self.path, self.colourmap, self.categorical = path, colourmap, categorical
        fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".part.tif", dir=path.parent)
        os.close(fd)
        self.tmp = Path(name)
        self.dataset = rasterio.open(
            self.tmp, "w", driver="GTiff", tiled=True, blockxsize=256, blockysize=256, compress="deflate", **profile
        )
        if colourmap:
            self.dataset.write_colormap(1, COLOURMAP)
        if bands is not None:
            self.dataset.colorinterp = bands

    def write(self, data: np.ndarray, window: Window) -> None:
        """Write (bands, h, w) or (h, w) data at a window relative to the region."""
        self.dataset.write(data if data.ndim == 3 else data[None], window=window)

    def finish(self) -> Path:
        """Convert to a COG with overviews and move it under its final name (a class map with its names and style)."""
        self.dataset.close()
        try:
            if self.colourmap:  # the sidecars first: a class map under its final name always has them
                write_category_sidecars(self.path)
            with atomic_path(self.path) as final:
                rasterio.shutil.copy(
                    self.tmp,
                    final,
                    driver="COG",
                    compress="deflate",
                    blocksize=256,
                    overview_resampling="mode" if self.categorical else "average",
                )
        finally:
            self.tmp.unlink(missing_ok=True)
        return self.path

    def abandon(self) -> None:
        """Drop the temporary file (on failure)."""
        self.dataset.close()
        self.tmp.unlink(missing_ok=True)


def _read_small(path: Path, bands: list[int]) -> np.ndarray:
    """Read a raster decimated to at most PREVIEW_PANEL px on its long side (overviews make this cheap)."""
    with rasterio.open(path) as src:
        scale = max(src.width, src.height) / PREVIEW_PANEL
        shape = (len(bands), max(1, round(src.height / max(scale, 1))), max(1, round(src.width / max(scale, 1))))
        return src.read(bands, out_shape=shape, resampling=rasterio.enums.Resampling.nearest)


def write_preview(
    out: Path,
    naip: Path | None,
    truth: Path | None,
    predicted: Path,
    title: str,
    *,
    metrics: dict[str, Any] | None = None,
) -> Path:
    """``preview.png``: NAIP | truth | prediction (NAIP and truth when given), legend and (given metrics) figures."""
    row = PreviewRow(
        imagery=np.moveaxis(_read_small(naip, [1, 2, 3]), 0, -1) if naip is not None else None,
        truth=_read_small(truth, [1])[0] if truth is not None else None,
        prediction=_read_small(predicted, [1])[0],
    )
    return save_png(render_preview([row], title=title, metrics=metrics), out)


def write_json(path: Path, data: dict[str, Any]) -> Path:
    """Write JSON atomically."""
    return write_text_atomic(path, json.dumps(data, indent=2) + "\n")
