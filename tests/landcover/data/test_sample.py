import numpy as np
import pytest
import rasterio
from pyproj import Transformer

from landcover.data.sample import EVALUATION_POINT, generate_scene, write_sample_data


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    write_sample_data(out, seed=0)
    return out


def test_layout_matches_the_tutorial(sample_dir):
    training = sorted(p.name for p in (sample_dir / "training_data").iterdir())
    assert len(training) == 16
    assert all(name.endswith(("_NAIP.tif", "_LandCover.tif")) for name in training)
    assert sorted(p.name for p in (sample_dir / "evaluation_data").iterdir()) == ["C14_LandCover.tif", "C14_NAIP.tif"]


def test_evaluation_scene_contains_the_tutorial_point(sample_dir):
    with rasterio.open(sample_dir / "evaluation_data" / "C14_NAIP.tif") as src:
        assert src.crs.to_epsg() == 26917
        assert src.count == 4 and src.dtypes[0] == "uint8"
        assert src.res == (1.0, 1.0)
        x, y = Transformer.from_crs("EPSG:4326", src.crs, always_xy=True).transform(*EVALUATION_POINT[::-1])
        row, col = src.index(x, y)
        assert 512 <= row < src.height - 512 and 512 <= col < src.width - 512


def test_labels_cover_all_classes_and_unknown_edges(sample_dir):
    with rasterio.open(sample_dir / "training_data" / "C00_LandCover.tif") as src:
        labels = src.read(1)
    counts = np.bincount(labels.ravel(), minlength=7)
    assert all(counts[c] > 0 for c in (0, 2, 3, 6)), counts
    edges = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    assert (edges == 0).any()


def test_classes_are_spectrally_distinct():
    scene = generate_scene(7, 512, 0.0, 0.0)
    nir = scene.image[3].astype(float)
    assert nir[scene.labels == 1].mean() < 40 < nir[scene.labels == 2].mean()


def test_generation_is_deterministic():
    a, b = generate_scene(3, 256, 0.0, 0.0), generate_scene(3, 256, 0.0, 0.0)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.image, generate_scene(4, 256, 0.0, 0.0).image)
