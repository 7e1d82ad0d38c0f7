"""GeoTIFF image / label pairs: discovery, validation and reading.

A training or scoring directory holds pairs ``<name>_NAIP.tif`` (4-band uint8 R, G, B, NIR) and
``<name>_LandCover.tif`` (single-band integer codes 0-6, 4-6 lumped into class 4; the nodata value is
class 0; other codes are refused: :func:`label_classes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import ColorInterp, MaskFlags
from rasterio.errors import RasterioError

from clibase.text import counted
from landcover.constants import LABEL_MAP, UNKNOWN
from landcover.data.rasters import check_image_header, check_label_header, open_local, read_pixels
from landcover.io.errors import LandcoverError

IMAGE_SUFFIX = "_NAIP.tif"
LABEL_SUFFIX = "_LandCover.tif"
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
    """Open a local GeoTIFF, a path or file that is not one refused in one line (:func:`rasters.open_local`)."""
    return open_local(path)


def check_image(src: rasterio.DatasetReader, path: Path | str) -> None:
    """Refuse imagery that is not 4-band 8-bit (:func:`rasters.check_image_header`)."""
    check_image_header(src, path)


def check_labels(
    labels: rasterio.DatasetReader, labels_path: Path, image: rasterio.DatasetReader, image_path: Path
) -> None:
    """Refuse a label raster that is not one integer band on exactly the image's grid."""
    check_label_header(labels, labels_path)
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
    """Read and check one pair; labels under imagery nodata are class 0 (no loss, not scored).

    Args:
        pair: The pair.
        image_checked: The image's header was checked already (:func:`check_image`); skip that check.

    Returns:
        The image as uint8 (4, H, W) and the labels as uint8 (H, W) with values 0-4.

    Raises:
        LandcoverError: Unreadable files, wrong band count or type, a size / CRS / transform mismatch, or
            label codes that are not classes (:func:`label_classes`).
    """
    image, labels, _ = read_pair_masked(pair, image_checked=image_checked)
    return image, labels


def read_pair_masked(
    pair: ImagePair, *, image_checked: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """:func:`read_pair`, also returning which image pixels hold data (``None``: all of them)."""
    with open_raster(pair.image) as image_src, open_raster(pair.labels) as label_src:
        if not image_checked:
            check_image(image_src, pair.image)
        check_labels(label_src, pair.labels, image_src, pair.image)
        image = read_pixels(image_src, pair.image)
        raw = read_pixels(label_src, pair.labels, 1)  # a truncated label file is named, not its image
        try:
            valid = image_valid(image_src, image)
        except RasterioError as exc:
            raise LandcoverError(f"{pair.image}: cannot read its mask ({exc})", "re-create the file") from exc
    labels = label_classes(raw, label_src.nodata, pair.labels)
    if valid is not None:
        labels[~valid] = UNKNOWN
    return image, labels, valid


def image_valid(src: rasterio.DatasetReader, pixels: np.ndarray) -> np.ndarray | None:
    """Which pixels of a whole image hold data, from its mask band or nodata value (``None``: all of them).

    Imagery nodata (the GeoTIFF nodata tag, in every band, or a per-dataset mask band) is left out of the
    normalisation statistics and carries no loss. A fourth band read as alpha is NIR, not a mask.
    """
    flags = src.mask_flag_enums[0]
    if MaskFlags.per_dataset in flags and MaskFlags.alpha not in flags:
        valid = np.asarray(src.dataset_mask() > 0)
    elif src.nodata is not None:
        valid = np.asarray((pixels != src.nodata).any(axis=0))
    else:
        return None
    return None if bool(valid.all()) else valid


def label_classes(raw: np.ndarray, nodata: float | None, path: Path | str) -> np.ndarray:
    """Raw label codes to the five classes, refusing codes that are not classes.

    What each code means (a decision, stated in the docs):

    - 0-6 are the Chesapeake Land Cover codes: 0 unknown, 1 water, 2 trees, 3 herbaceous, and 4 barren,
      5 impervious (other), 6 impervious (roads) lumped into class 4.
    - The label file's nodata value (its GeoTIFF nodata tag, often 255) is "no label": class 0, which
      carries no loss and is not scored.
    - Any other code (7-255 without the nodata tag, negatives) is refused in one line naming the file and
      the codes found: lumping an unknown code into a class would train and score on made-up labels.

    Args:
        raw: Integer label codes of any shape.
        nodata: The label file's nodata value, if it has one.
        path: The label file, for the message.

    Returns:
        A uint8 array of the same shape with values 0-4.

    Raises:
        LandcoverError: Codes other than 0-6 and the nodata value.
    """
    missing = raw == nodata if nodata is not None and np.isfinite(nodata) else np.zeros(raw.shape, dtype=bool)
    unknown = ((raw < 0) | (raw >= len(LABEL_MAP))) & ~missing
    if unknown.any():
        codes = np.unique(raw[unknown])
        shown = ", ".join(str(int(code)) for code in codes[:8]) + (
            f" (+{len(codes) - 8} more)" if len(codes) > 8 else ""
        )
        raise LandcoverError(
            f"{path}: label values {shown} are not land-cover codes 0-6 ({counted(int(unknown.sum()), 'pixel')})",
            "if one of them means no data, set it as the file's nodata (gdal_edit.py -a_nodata 255 FILE); "
            "otherwise recode them to 0-6",
        )
    classes = np.asarray(LABEL_MAP, dtype=np.uint8)[np.clip(raw, 0, len(LABEL_MAP) - 1)]
    classes[missing] = UNKNOWN
    return classes
