"""One scene's map: the resume check on finished maps and the clean-up of partial ones."""

from __future__ import annotations

from landcover.data.sources import resolve_source
from landcover.infer.scene_map import TEMPORARY_PATTERNS, finished_map, map_tags
from landcover.io.outputs import OutputFolder
from tests.data.fixtures import write_class_map


def test_finished_map_needs_the_same_source_model_and_precision(tmp_path):
    path = write_class_map(tmp_path / "x_landcover.tif", "EPSG:26917", 0.0, 100.0, 1)
    source = resolve_source("s")
    assert finished_map(path, map_tags(source, "m", "auto")) == 64 * 64
    assert finished_map(path, map_tags(source, "other-model", "auto")) is None
    assert finished_map(path, map_tags(source, "m", "fp32")) is None
    assert finished_map(tmp_path / "none_landcover.tif", map_tags(source, "m", "auto")) is None
    (tmp_path / "broken_landcover.tif").write_bytes(b"half a file")
    assert finished_map(tmp_path / "broken_landcover.tif", map_tags(source, "m", "auto")) is None
    leftover = tmp_path / ".y_landcover.abc123.part.tif"
    leftover.write_bytes(b"partial")
    with OutputFolder(tmp_path, option="--output-dir", command="predict") as out:
        assert out.remove_leftovers(TEMPORARY_PATTERNS) == [leftover] and not leftover.exists() and path.exists()


def test_a_truncated_map_is_not_finished(tmp_path):
    path = write_class_map(tmp_path / "x_landcover.tif", "EPSG:26917", 0.0, 100.0, 1)
    tags = map_tags(resolve_source("s"), "m", "auto")
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size - 64)
    assert finished_map(path, tags) is None


def test_signed_urls_of_the_same_scene_share_their_tags():
    monday = resolve_source("https://host/naip/q.tif?se=2026-01-05&sig=abc")
    tuesday = resolve_source("https://host/naip/q.tif?se=2026-01-06&sig=def")
    assert map_tags(monday, "m", "auto") == map_tags(tuesday, "m", "auto")
    assert map_tags(monday, "m", "auto")["LANDCOVER_SOURCE"] == "https://host/naip/q.tif"
