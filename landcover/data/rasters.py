"""What an image or a label raster claims to be, checked where it is opened and read, for every command.

- :func:`open_local` opens a local raster: a path that is not a readable file (a folder, a link loop, a name
  too long) or a file of another format (named by its first bytes) is refused in one line;
- :func:`check_image_header` / :func:`check_label_header`: imagery is 4 bands of 8-bit pixels; labels are
  one band of integer codes (a 4-band image given as labels is named as imagery);
- :func:`require_crs`: a command that places rasters by location refuses one without a CRS;
- :func:`read_pixels`: a read that fails (a truncated or damaged file) names the file that failed, not its
  partner.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.errors import NotGeoreferencedWarning, RasterioError

from clibase.text import counted
from landcover.io.errors import LandcoverError
from landcover.io.oserrors import check_input_file
from landcover.io.sniff import file_kind

BANDS = 4


def open_local(path: Path) -> rasterio.DatasetReader:
    """Open a local GeoTIFF, refusing in one line a path that is not one.

    Raises:
        LandcoverError: Not a readable file, a file of another format, or a damaged GeoTIFF.
    """
    check_input_file(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            return rasterio.open(path)
    except RasterioError as exc:
        kind = file_kind(path)
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        if kind is not None and not kind.startswith("a GeoTIFF"):
            raise LandcoverError(f"{path}: this is {kind}, not a GeoTIFF", "give a GeoTIFF") from exc
        what = "truncated or damaged GeoTIFF" if kind is not None else "not a readable GeoTIFF"
        raise LandcoverError(f"{path}: {what} ({reason})", "re-create or re-download it") from exc


def check_image_header(src: rasterio.DatasetReader, path: Path | str) -> None:
    """Refuse imagery that is not 4 bands of 8-bit pixels."""
    if src.count != BANDS:
        raise LandcoverError(
            f"{path}: has {counted(src.count, 'band')}, expected {BANDS} (R, G, B, NIR)",
            "use 4-band NAIP imagery",
        )
    if src.dtypes[0] != "uint8":
        raise LandcoverError(
            f"{path}: pixels are {src.dtypes[0]}, expected uint8",
            "rescale to 8-bit first, e.g. gdal_translate -ot Byte -scale SRC DST",
        )


def check_label_header(src: rasterio.DatasetReader, path: Path | str) -> None:
    """Refuse a label raster that is not one band of integer codes (imagery given as labels is named so)."""
    dtype = np.dtype(src.dtypes[0])
    if src.count == 1 and np.issubdtype(dtype, np.integer):
        return
    looks_like = " (this looks like imagery, not labels)" if src.count >= 3 else ""
    raise LandcoverError(
        f"{path}: expected one band of integer labels, found {src.count} x {src.dtypes[0]}{looks_like}",
        "labels are single-band class codes 0-6",
    )


def require_crs(src: rasterio.DatasetReader, path: Path | str, why: str) -> None:
    """Refuse a raster without a CRS where rasters are placed by location (``why`` says what needs it)."""
    if src.crs is None:
        raise LandcoverError(
            f"{path}: has no CRS, and {why}",
            "georeference it first (gdal_edit.py -a_srs EPSG:NNNN -a_ullr ... FILE)",
        )


def read_pixels(src: rasterio.DatasetReader, path: Path | str, *args: Any, **kwargs: Any) -> np.ndarray:
    """``src.read(*args, **kwargs)``, a failed read (a truncated or damaged file) named after ``path``.

    Raises:
        LandcoverError: The pixels cannot be read.
    """
    try:
        return np.asarray(src.read(*args, **kwargs))
    except RasterioError as exc:
        raise read_error(path, exc) from exc


def read_error(path: Path | str, exc: BaseException) -> LandcoverError:
    """The one-line error for pixels of ``path`` that cannot be read, with GDAL's own reason."""
    causes = [str(exc)] + [str(c) for c in (exc.__cause__, exc.__context__) if c is not None]
    reason = next((c for c in reversed(causes) if c and "previous exception" not in c), causes[0])
    return LandcoverError(
        f"{path}: truncated or damaged, its pixels cannot be read ({reason.splitlines()[0][:120]})",
        "re-create or re-download it",
    )
