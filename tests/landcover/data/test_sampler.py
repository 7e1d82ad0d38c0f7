import numpy as np
import pytest

from landcover.data.sampler import CROP, MARGIN, CropSampler, summed_area, window_sum


def test_window_sum_matches_brute_force():
    rng = np.random.default_rng(0)
    mask = rng.random((40, 50)) < 0.3
    table = summed_area(mask)
    for _ in range(50):
        y, x = rng.integers(0, 30), rng.integers(0, 40)
        h, w = rng.integers(1, 10), rng.integers(1, 10)
        assert window_sum(table, y, x, h, w) == mask[y : y + h, x : x + w].sum()


def _coded_pair(size=300):
    """Image whose pixels encode their own labels, so augmentation mismatches are visible."""
    rng = np.random.default_rng(1)
    labels = rng.integers(1, 5, size=(size, size), dtype=np.uint8)
    image = np.stack([labels * 50, rng.integers(0, 255, labels.shape), labels * 10, labels]).astype(np.uint8)
    return image, labels


def test_crops_keep_image_and_labels_aligned_under_all_flips():
    image, labels = _coded_pair()
    sampler = CropSampler([image], [labels], np.random.default_rng(2))
    batch_images, batch_labels = sampler.batch(64)
    assert batch_images.shape == (64, CROP, CROP, 4) and batch_images.dtype == np.uint8
    assert batch_labels.shape == (64, CROP - 2 * MARGIN, CROP - 2 * MARGIN)
    centre = slice(MARGIN, CROP - MARGIN)
    np.testing.assert_array_equal(batch_images[:, centre, centre, 3], batch_labels)
    np.testing.assert_array_equal(batch_images[:, centre, centre, 0], batch_labels * 50)


def test_every_dihedral_variant_is_drawn(monkeypatch):
    image, labels = _coded_pair(130)
    sampler = CropSampler([image], [labels], np.random.default_rng(3))
    monkeypatch.setattr(sampler, "position", lambda: (0, 10, 20))
    seen = {np.ascontiguousarray(sampler.draw()[0]).tobytes() for _ in range(200)}
    assert len(seen) == 8


def test_interesting_patch_rule_prefers_rare_classes():
    labels = np.full((1024, 1024), 2, dtype=np.uint8)
    labels[:, :200] = 1  # water along the left edge
    image = np.zeros((4, 1024, 1024), dtype=np.uint8)
    sampler = CropSampler([image], [labels], np.random.default_rng(4))
    # Padded by 64 px, the strip spans columns 64-263: windows starting left of 264 hold water (29.4 % of
    # the 897 start columns) and are always kept, the rest half the time: 0.294 / (0.294 + 0.706 / 2) = 0.454.
    hits = sum(sampler.position()[2] < 264 for _ in range(4000))
    assert 0.42 < hits / 4000 < 0.49


def test_windows_with_unknown_centres_are_never_drawn():
    labels = np.zeros((512, 512), dtype=np.uint8)
    labels[400:, 400:] = 3
    image = np.zeros((4, 512, 512), dtype=np.uint8)
    sampler = CropSampler([image], [labels], np.random.default_rng(5))
    _, centre_labels = sampler.batch(32)
    assert (centre_labels != 0).reshape(32, -1).any(axis=1).all()


def test_too_small_images_are_refused():
    with pytest.raises(ValueError, match="at least"):
        CropSampler([np.zeros((4, 100, 100), np.uint8)], [np.ones((100, 100), np.uint8)], np.random.default_rng())
