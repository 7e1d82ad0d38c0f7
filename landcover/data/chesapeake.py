"""Write the CVPR 2019 Chesapeake Land Cover ``.npz`` patches as GeoTIFF image / label pairs.

Each patch holds one float32 array (1, 29, 256, 256): channels 0-3 are NAIP R, G, B, NIR (0-255) and
channel 8 the Chesapeake labels (0-6). The patches carry no georeferencing, so the pairs are written
without a CRS and with an identity grid (both files of a pair share it).
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import numpy as np
import rasterio
from rasterio.errors import NotGeoreferencedWarning

from clibase.atomic import atomic_path
from clibase.text import counted
from landcover.constants import LABEL_MAP
from landcover.data.pairs import IMAGE_SUFFIX, LABEL_SUFFIX, NAIP_COLOUR_INTERPRETATION
from landcover.io.errors import LandcoverError
from landcover.io.outputs import Named, staged_folder
from landcover.io.sniff import file_kind

NAIP_CHANNELS = slice(0, 4)
LABEL_CHANNEL = 8


def _refuse_values(path: Path, what: str, values: np.ndarray, allowed: str) -> None:
    shown = ", ".join(f"{v:g}" for v in np.unique(values)[:6])
    raise LandcoverError(
        f"{path}: {what} values {shown} are not {allowed} ({counted(values.size, 'pixel')})",
        "these are not Chesapeake patches as published; re-download or fix them",
    )


def read_patch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Return a patch's NAIP as uint8 (4, H, W) and its labels as uint8 (H, W), refusing values out of range.

    Raises:
        LandcoverError: Not an ``.npz`` with ``arr_0`` of shape (1, >=9, H, W) and H, W > 0; NAIP values
            outside 0-255 or not finite; label values that are not whole codes 0-6 (never wrapped or clipped).
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            array = np.asarray(archive["arr_0"])
    except (AttributeError, TypeError, IndexError):  # np.load gave one array: an .npy file with an .npz name
        kind = file_kind(path) or "not an .npz archive"
        raise LandcoverError(f"{path}: this is {kind}, not an .npz patch", "expected an .npz with arr_0") from None
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise LandcoverError(f"{path}: not a Chesapeake patch ({exc})", "expected an .npz with arr_0") from exc
    if array.ndim != 4 or array.shape[1] <= LABEL_CHANNEL or array.shape[2] == 0 or array.shape[3] == 0:
        raise LandcoverError(f"{path}: array of shape {array.shape}", "expected (1, 29, H, W) with H, W > 0")
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise LandcoverError(f"{path}: array of {array.dtype}", "expected numbers (float32)")
    naip, raw = array[0, NAIP_CHANNELS].astype(np.float64), array[0, LABEL_CHANNEL].astype(np.float64)
    bad = ~np.isfinite(naip) | (naip < -0.5) | (naip >= 255.5)
    if bad.any():
        _refuse_values(path, "NAIP", naip[bad], "0-255")
    bad = ~np.isfinite(raw) | (raw != np.round(raw)) | (raw < 0) | (raw >= len(LABEL_MAP))
    if bad.any():
        _refuse_values(path, "label", raw[bad], f"land-cover codes 0-{len(LABEL_MAP) - 1}")
    return np.rint(naip).astype(np.uint8), raw.astype(np.uint8)


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
