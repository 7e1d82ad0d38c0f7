"""Write the CVPR 2019 Chesapeake Land Cover ``.npz`` patches as GeoTIFF image / label pairs.

Each patch holds one float32 array (1, 29, 256, 256): channels 0-3 are NAIP R, G, B, NIR (0-255) and
channel 8 the Chesapeake labels (0-6). The patches carry no georeferencing, so the pairs are written
without a CRS and with an identity grid (both files of a pair share it).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import rasterio
from rasterio.errors import NotGeoreferencedWarning

from landcover.data.pairs import IMAGE_SUFFIX, LABEL_SUFFIX, NAIP_COLOUR_INTERPRETATION
from landcover.io.atomic import atomic_path
from landcover.io.errors import LandcoverError
from landcover.io.outputs import Named, staged_folder

NAIP_CHANNELS = slice(0, 4)
LABEL_CHANNEL = 8


def read_patch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Return a patch's NAIP as uint8 (4, H, W) and its raw labels as uint8 (H, W)."""
    try:
        array = np.load(path)["arr_0"]
    except (OSError, KeyError, ValueError) as exc:
        raise LandcoverError(f"{path}: not a Chesapeake patch ({exc})", "expected an .npz with arr_0") from exc
    if array.ndim != 4 or array.shape[1] <= LABEL_CHANNEL:
        raise LandcoverError(f"{path}: array of shape {array.shape}", "expected (1, 29, H, W)")
    image = np.clip(np.rint(array[0, NAIP_CHANNELS]), 0, 255).astype(np.uint8)
    labels = array[0, LABEL_CHANNEL].astype(np.uint8)
    return image, labels


def write_pair(image: np.ndarray, labels: np.ndarray, out_dir: Path, name: str) -> None:
    """Write one un-georeferenced ``<name>_NAIP.tif`` / ``<name>_LandCover.tif`` pair."""
    out_dir.mkdir(parents=True, exist_ok=True)
    height, width = labels.shape
    common = {"driver": "GTiff", "width": width, "height": height, "compress": "deflate"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # the patches have no georeferencing
        image_path, label_path = out_dir / f"{name}{IMAGE_SUFFIX}", out_dir / f"{name}{LABEL_SUFFIX}"
        with atomic_path(image_path) as tmp, rasterio.open(tmp, "w", count=4, dtype="uint8", **common) as dst:
            dst.write(image)
            dst.colorinterp = NAIP_COLOUR_INTERPRETATION
        with atomic_path(label_path) as tmp, rasterio.open(tmp, "w", count=1, dtype="uint8", **common) as dst:
            dst.write(labels, 1)


def convert_patches(npz_dir: str | Path, out_dir: str | Path, *, force: bool = False) -> list[str]:
    """Convert every ``*.npz`` patch in a directory into a GeoTIFF pair; return the pair names.

    The pairs are written as one result (:func:`landcover.io.outputs.staged_folder`): ``out_dir`` may not be,
    hold or sit inside ``npz_dir``; same-named files landcover did not write are refused; an earlier
    conversion is replaced only with ``force``, and only once every new pair is written.

    Raises:
        LandcoverError: No patches, a bad patch, or an output that is refused.
    """
    npz_dir, out_dir = Path(npz_dir), Path(out_dir)
    paths = sorted(npz_dir.glob("*.npz"))
    if not paths:
        raise LandcoverError(f"{npz_dir}: no .npz patches", "point at the chesapeake-wv-2014 folder")
    names = [f"{p.stem}{suffix}" for p in paths for suffix in (IMAGE_SUFFIX, LABEL_SUFFIX)]
    folder, given = Named(path=out_dir, option="OUT_DIR"), Named(path=npz_dir, option="NPZ_DIR")
    with staged_folder(folder, command="convert-patches", names=names, inputs=[given], force=force) as result:
        for path in paths:
            write_pair(*read_patch(path), result.folder(), path.stem)
    return [p.stem for p in paths]
