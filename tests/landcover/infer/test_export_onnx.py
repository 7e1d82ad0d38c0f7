"""`landcover export` through the real command, checked with ONNX Runtime on CPU."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
import torch

import landcover
from landcover.io.lock import LOCK_NAME
from landcover.io.outputs import MANIFEST_NAME
from tests.conftest import shared_path
from tests.data.fixtures import write_pair, write_pairs
from tests.data.models import fresh_checkpoint
from tests.helpers import assert_one_line_error
from tests.helpers import landcover as run_landcover

AGREEMENT = re.compile(r"same class on ([\d.]+) % of (\d+) pixels, max \|(\w+) difference\| ([\deE.+-]+)")


def _session(path: Path) -> onnxruntime.InferenceSession:
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _metadata(path: Path) -> dict[str, object]:
    return {entry.key: json.loads(entry.value) for entry in onnx.load(str(path)).metadata_props}


def _agreement(stdout: str) -> tuple[float, int, float]:
    match = AGREEMENT.search(stdout)
    assert match, stdout
    return float(match[1]), int(match[2]), float(match[4])


@pytest.fixture
def checkpoint(tmp_path) -> Path:
    return fresh_checkpoint(tmp_path / "model.pt")


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A model trained for real (a few steps on seeded pairs): dataset normalisation from the data."""
    root = tmp_path_factory.mktemp("trained")
    write_pairs(root / "pairs", 2)
    args = ["--epochs", "1", "--epoch-size", "4", "--batch-size", "2", "--threads", "1"]
    result = run_landcover("train", "--input-dir", str(root / "pairs"), "--model-dir", str(root / "model"), *args)
    assert result.returncode == 0, result.stderr
    return root / "model" / "trained.pt"


def test_scores_export_matches_the_checkpoint_at_any_batch_and_size(checkpoint, tmp_path):
    out = tmp_path / "model.onnx"
    result = run_landcover("export", str(checkpoint), str(out), "--output", "scores")
    assert result.returncode == 0, result.stderr
    session = _session(out)
    [image] = session.get_inputs()
    assert image.name == "image" and image.shape == ["batch", 4, "height", "width"]
    assert session.get_outputs()[0].name == "scores"
    model = landcover.load_model(checkpoint)
    for shape in [(1, 4, 64, 64), (3, 4, 96, 160)]:
        x = torch.rand(*shape)
        with torch.inference_mode():
            expected = model(x).numpy()
        actual = session.run(None, {"image": x.numpy()})[0]
        assert actual.shape == expected.shape
        assert np.abs(actual - expected).max() < 1e-3
    hidden = {p.name for p in tmp_path.iterdir() if p.name.startswith(".")}
    assert hidden == {MANIFEST_NAME, LOCK_NAME}  # no temp file left behind: only the record of outputs, the lock


def test_metadata_carries_classes_colours_and_normalisation(checkpoint, tmp_path):
    out = tmp_path / "model.onnx"
    assert run_landcover("export", str(checkpoint), str(out)).returncode == 0
    metadata = _metadata(out)
    assert metadata["model_type"] == "Segmentor"
    assert metadata["class_names"] == {
        "0": "unknown",
        "1": "water",
        "2": "trees",
        "3": "herbaceous",
        "4": "barren/impervious",
    }
    assert metadata["landcover.class_colours"]["1"] == [0, 0, 255]
    assert metadata["resolution"] == 100
    assert metadata["landcover.normalisation"] == "dataset"
    assert metadata["landcover.mean"] == pytest.approx([0.35, 0.4, 0.3, 0.45])
    assert metadata["landcover.output"] == "probabilities"
    assert "tile_size" not in metadata
    probabilities = _session(out).run(None, {"image": np.random.default_rng(0).random((2, 4, 64, 64), np.float32)})[0]
    assert np.all(probabilities[:, 0] == 0)
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)


@pytest.mark.slow
def test_trained_model_agrees_with_onnxruntime_on_a_scene(trained, tmp_path):
    scene, _ = write_pair(tmp_path / "scene", "S1", size=(320, 288), seed=9)
    out = tmp_path / "trained.onnx"
    result = run_landcover("export", str(trained), str(out), "--check-image", str(scene))
    assert result.returncode == 0, result.stderr
    percent, pixels, difference = _agreement(result.stdout)
    assert pixels == 320 * 288 and percent >= 99.99 and difference < 1e-3
    assert _metadata(out)["landcover.provenance"]["kind"] == "trained"


def test_bad_inputs_are_one_line_errors_and_write_nothing(checkpoint, tmp_path):
    out = tmp_path / "out.onnx"
    assert_one_line_error(run_landcover("export", str(tmp_path / "missing.pt"), str(out)), "missing.pt", "no such")
    junk = tmp_path / "junk.pt"
    junk.write_text("not a model")
    assert_one_line_error(run_landcover("export", str(junk), str(out)), "junk.pt", "not a landcover checkpoint")
    assert_one_line_error(run_landcover("export", str(checkpoint), str(out), "--tile-size", "100"), "--tile-size 100")
    assert_one_line_error(run_landcover("export", str(checkpoint), str(out), "--output", "logits"), "--output")
    assert_one_line_error(
        run_landcover("export", str(checkpoint), str(out), "--check-image", str(tmp_path / "nope.tif")), "nope.tif"
    )
    assert not out.exists()

    out.write_bytes(b"keep me")
    assert_one_line_error(run_landcover("export", str(checkpoint), str(out)), "out.onnx", "already exists", "--force")
    assert out.read_bytes() == b"keep me"
    # --force replaces only what landcover wrote: a user's file stays, also with it
    assert_one_line_error(run_landcover("export", str(checkpoint), str(out), "--force"), "landcover did not write it")
    assert out.read_bytes() == b"keep me"
    out.unlink()
    assert run_landcover("export", str(checkpoint), str(out)).returncode == 0
    assert_one_line_error(run_landcover("export", str(checkpoint), str(out)), "an earlier `landcover export`")
    assert run_landcover("export", str(checkpoint), str(out), "--force").returncode == 0
    assert onnx.load(str(out)).graph.input[0].name == "image"


@pytest.mark.shared
@pytest.mark.slow
def test_tutorial_model_window_normalisation_agrees_on_real_naip(tmp_path):
    seed = shared_path("models", "seed", "250epochs.model")
    scene = shared_path("data", "real", "m_3907833_nw_17_1", "m_3907833_nw_17_1_naip-new.tif")
    imported = tmp_path / "tutorial250.pt"
    assert run_landcover("import-cntk", str(seed), str(imported)).returncode == 0

    # Dynamic size: the whole region is one window (the normalisation uses that window's mean).
    result = run_landcover("export", str(imported), str(tmp_path / "tutorial.onnx"), "--check-image", str(scene))
    assert result.returncode == 0, result.stderr
    percent, pixels, difference = _agreement(result.stdout)
    assert pixels == 256 * 256 and percent >= 99.99 and difference < 1e-3
    assert _metadata(tmp_path / "tutorial.onnx")["landcover.normalisation"] == "window"

    # Fixed 256-px tiles (the tutorial's window), as a tiling GIS tool feeds them.
    tiled = tmp_path / "tutorial256.onnx"
    result = run_landcover("export", str(imported), str(tiled), "--tile-size", "256", "--check-image", str(scene))
    assert result.returncode == 0, result.stderr
    assert _agreement(result.stdout)[0] >= 99.99
    assert _session(tiled).get_inputs()[0].shape == ["batch", 4, 256, 256]
    metadata = _metadata(tiled)
    assert metadata["tile_size"] == 256 and metadata["tiles_overlap"] == 50


def test_fixed_tile_size_gives_square_static_tiles_for_gis_tools(checkpoint, tmp_path):
    out = tmp_path / "tiles.onnx"
    result = run_landcover("export", str(checkpoint), str(out), "--tile-size", "512")
    assert result.returncode == 0, result.stderr
    session = _session(out)
    assert session.get_inputs()[0].shape == ["batch", 4, 512, 512]
    assert session.get_outputs()[0].shape == ["batch", 5, 512, 512]
    metadata = _metadata(out)
    assert metadata["tile_size"] == 512 and metadata["tiles_overlap"] == 25
    assert metadata["standardization_mean"] == [0.0] * 4 and metadata["standardization_std"] == [1.0] * 4
