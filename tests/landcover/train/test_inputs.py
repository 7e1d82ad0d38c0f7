"""Bad training input: one-line errors naming the file, exit code 2, nothing written."""

from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from tests.data.fixtures import write_pair
from tests.helpers import assert_one_line_error, landcover


def _train(input_dir: Path, model_dir: Path):
    return landcover("train", "--input-dir", str(input_dir), "--model-dir", str(model_dir), "--epoch-size", "2")


def _rewrite(path: Path, **changes):
    with rasterio.open(path) as src:
        data, profile = src.read(), src.profile
    data = changes.pop("data", data)
    profile.update(changes, count=len(data), dtype=str(data.dtype))
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)


def _missing_labels(d):
    image, labels = write_pair(d, "a")
    labels.unlink()
    return image.name


def _missing_image(d):
    image, labels = write_pair(d, "a")
    image.unlink()
    return labels.name


def _size_mismatch(d):
    write_pair(d, "a", size=(160, 160))
    _, labels = write_pair(d / "other", "a", size=(160, 176))
    labels.replace(d / labels.name)
    return "a_LandCover.tif"


def _crs_mismatch(d):
    _, labels = write_pair(d, "a")
    _rewrite(labels, crs="EPSG:32618")
    return "a_LandCover.tif"


def _transform_mismatch(d):
    _, labels = write_pair(d, "a")
    with rasterio.open(labels) as src:
        shifted = from_origin(src.bounds.left + 10, src.bounds.top, 1.0, 1.0)
    _rewrite(labels, transform=shifted)
    return "a_LandCover.tif"


def _three_bands(d):
    image, _ = write_pair(d, "a")
    with rasterio.open(image) as src:
        _rewrite(image, data=src.read()[:3])
    return "3 bands"


def _uint16(d):
    image, _ = write_pair(d, "a")
    with rasterio.open(image) as src:
        _rewrite(image, data=src.read().astype(np.uint16) * 200)
    return "uint16"


def _too_small(d):
    write_pair(d, "a", size=(96, 200))
    return "a_NAIP.tif"


def _all_unknown(d):
    _, labels = write_pair(d, "a", size=(160, 160))
    with rasterio.open(labels) as src:
        _rewrite(labels, data=np.zeros_like(src.read()))
    return "a_LandCover.tif"


def _corrupt(d):
    image, _ = write_pair(d, "a", size=(160, 160))
    image.write_bytes(b"II*\x00garbage" * 10)
    return "a_NAIP.tif"


def _truncated_pixels(d):
    image, _ = write_pair(d, "a", size=(256, 256))
    image.write_bytes(image.read_bytes()[: image.stat().st_size // 2])
    return "a_NAIP.tif"


@pytest.mark.parametrize(
    "breakage",
    [
        _missing_labels,
        _missing_image,
        _size_mismatch,
        _crs_mismatch,
        _transform_mismatch,
        _three_bands,
        _uint16,
        _too_small,
        _all_unknown,
        _corrupt,
        _truncated_pixels,
    ],
)
def test_bad_training_input(tmp_path, breakage):
    data = tmp_path / "data"
    data.mkdir()
    needle = breakage(data)
    result = _train(data, tmp_path / "model")
    assert_one_line_error(result, needle)
    assert not (tmp_path / "model").exists()


def test_empty_input_dir(tmp_path):
    (tmp_path / "data").mkdir()
    assert_one_line_error(_train(tmp_path / "data", tmp_path / "model"), "no *_NAIP.tif")
    assert_one_line_error(_train(tmp_path / "nowhere", tmp_path / "model"), "nowhere: no such directory")
    assert not (tmp_path / "model").exists()
