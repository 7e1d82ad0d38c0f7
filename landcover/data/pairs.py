"""GeoTIFF image / label pairs: discovery, validation and reading.

A training or scoring directory holds pairs ``<name>_NAIP.tif`` (4-band uint8 R, G, B, NIR) and
``<name>_LandCover.tif`` (single-band integer labels; values above 4 are lumped into 4).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import ColorInterp
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

from landcover.constants import lump_labels
from landcover.io.errors import LandcoverError

IMAGE_SUFFIX = "_NAIP.tif"
LABEL_SUFFIX = "_LandCover.tif"
BANDS = 4
NAIP_COLOUR_INTERPRETATION = (ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.undefined)
"""How written NAIP files label their bands: GDAL would otherwise take the fourth (NIR) for alpha."""


@dataclass(frozen=True)
class ImagePair:
    """One image and its label raster."""

    name: str
    image: Path
    labels: Path


def label_path_for(image: Path) -> Path:
    """The label file that the ``_NAIP`` -> ``_LandCover`` naming pairs with an image."""
    return image.with_name(image.name.replace("_NAIP", "_LandCover"))


def discover_pairs(input_dir: str | Path, option: str = "--input-dir") -> list[ImagePair]:
    """Find every ``*_NAIP.tif`` / ``*_LandCover.tif`` pair in a directory, sorted by name.

    Args:
        input_dir: The directory.
        option: The command-line option that named it, for error messages.

    Raises:
        LandcoverError: The directory is missing or empty, or a file lacks its partner.
    """
    input_dir = Path(input_dir)
    if not input_dir.is_dir():
        raise LandcoverError(f"{input_dir}: no such directory", f"check {option}")
    images = {p.name[: -len(IMAGE_SUFFIX)]: p for p in input_dir.glob(f"*{IMAGE_SUFFIX}")}
    labels = {p.name[: -len(LABEL_SUFFIX)]: p for p in input_dir.glob(f"*{LABEL_SUFFIX}")}
    if not images and not labels:
        raise LandcoverError(
            f"{input_dir}: no *{IMAGE_SUFFIX} / *{LABEL_SUFFIX} pairs found",
            f"point {option} at a folder of pairs (landcover sample-data makes some)",
        )
    for name in sorted(set(images) - set(labels)):
        raise LandcoverError(f"{images[name]}: no label file", f"add {name}{LABEL_SUFFIX} beside it or remove it")
    for name in sorted(set(labels) - set(images)):
        raise LandcoverError(f"{labels[name]}: no image file", f"add {name}{IMAGE_SUFFIX} beside it or remove it")
    return [ImagePair(name, images[name], labels[name]) for name in sorted(images)]


def open_raster(path: Path) -> rasterio.DatasetReader:
    """Open a GeoTIFF, turning rasterio's errors into a one-line :class:`LandcoverError`."""
    if not path.is_file():
        raise LandcoverError(f"{path}: no such file", "check the path")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            return rasterio.open(path)
    except RasterioIOError as exc:
        reason = str(exc).splitlines()[0][:120]
        raise LandcoverError(f"{path}: not a readable GeoTIFF ({reason})", "re-create or re-download it") from exc


def check_image(src: rasterio.DatasetReader, path: Path | str) -> None:
    """Refuse imagery that is not 4-band 8-bit."""
    if src.count != BANDS:
        raise LandcoverError(
            f"{path}: has {src.count} bands, expected {BANDS} (R, G, B, NIR)",
            "use 4-band NAIP imagery",
        )
    if src.dtypes[0] != "uint8":
        raise LandcoverError(
            f"{path}: pixels are {src.dtypes[0]}, expected uint8",
            "rescale to 8-bit first, e.g. gdal_translate -ot Byte -scale SRC DST",
        )


def check_labels(
    labels: rasterio.DatasetReader, labels_path: Path, image: rasterio.DatasetReader, image_path: Path
) -> None:
    """Refuse a label raster that is not one integer band on exactly the image's grid."""
    if labels.count != 1 or not np.issubdtype(np.dtype(labels.dtypes[0]), np.integer):
        raise LandcoverError(
            f"{labels_path}: expected one band of integer labels, found {labels.count} x {labels.dtypes[0]}",
            "labels are single-band class codes 0-6",
        )
    if (image.width, image.height) != (labels.width, labels.height):
        raise LandcoverError(
            f"{labels_path}: labels are {labels.width} x {labels.height} pixels, but {image_path.name} is "
            f"{image.width} x {image.height}",
            "labels must cover the image pixel for pixel",
        )
    if image.crs != labels.crs:
        raise LandcoverError(
            f"{labels_path}: labels are in {labels.crs}, but {image_path.name} is in {image.crs}",
            "reproject the labels onto the image's grid",
        )
    if not image.transform.almost_equals(labels.transform):
        raise LandcoverError(
            f"{labels_path}: labels are not on {image_path.name}'s grid (transform differs)",
            "reproject or crop the labels onto the image's grid",
        )


def read_pair(pair: ImagePair, *, image_checked: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Read and check one pair.

    Args:
        pair: The pair.
        image_checked: The image's header was checked already (:func:`check_image`); skip that check.

    Returns:
        The image as uint8 (4, H, W) and the labels as uint8 (H, W) with values 0-4.

    Raises:
        LandcoverError: Unreadable files, wrong band count or type, or a size / CRS / transform mismatch.
    """
    with open_raster(pair.image) as image_src, open_raster(pair.labels) as label_src:
        if not image_checked:
            check_image(image_src, pair.image)
        check_labels(label_src, pair.labels, image_src, pair.image)
        try:
            image = image_src.read()
            raw = label_src.read(1)
        except RasterioIOError as exc:
            raise LandcoverError(f"{pair.image}: cannot read pixels ({exc})", "re-create the file") from exc
    if raw.min() < 0:
        raise LandcoverError(f"{pair.labels}: negative label values", "labels are class codes 0-6")
    return image, lump_labels(raw)
