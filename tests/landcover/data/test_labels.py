"""What each label code means (issue 21 item 7) and imagery nodata in training pairs (item 8)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio

from landcover.data.pairs import ImagePair, label_classes, read_pair_masked
from landcover.io.errors import LandcoverError
from tests.data.fixtures import write_pair


def test_codes_0_to_6_map_to_the_five_classes_and_nodata_is_unknown() -> None:
    raw = np.array([[0, 1, 2, 3, 4, 5, 6, 255]])
    assert label_classes(raw, 255, "l.tif").tolist() == [[0, 1, 2, 3, 4, 4, 4, 0]]


def test_unknown_codes_are_refused_by_name_with_their_values() -> None:
    raw = np.array([[1, 7, 255, 9, 7]])
    with pytest.raises(
        LandcoverError, match=r"l.tif: label values 7, 9, 255 are not land-cover codes 0-6 \(4 pixels\)"
    ):
        label_classes(raw, None, "l.tif")
    assert label_classes(np.array([[1, 15]]), 15, "l.tif").tolist() == [[1, 0]]


def test_image_nodata_pixels_carry_no_label(tmp_path: Path) -> None:
    image_path, label_path = write_pair(tmp_path, "p")
    with rasterio.open(image_path) as src:
        data, profile = src.read(), src.profile
    data[:, :10, :] = 0
    with rasterio.open(image_path, "w", **{**profile, "nodata": 0}) as dst:
        dst.write(data)
    _image, labels, valid = read_pair_masked(ImagePair("p", image_path, label_path))
    assert valid is not None and not valid[:10].any() and valid[10:].all()
    assert (labels[:10] == 0).all() and (labels[10:] > 0).all()
