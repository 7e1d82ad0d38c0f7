"""What `landcover predict --scenes SRC` names: folders, list files, STAC ItemCollections, and bad SRC."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pystac
import pytest

from landcover.data.scenes import list_scenes
from landcover.io.errors import LandcoverError
from tests.data.fixtures import write_pair

COG_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"


def test_folder_lists_geotiffs_but_not_labels(tmp_path):
    write_pair(tmp_path, "A", size=(32, 32))
    write_pair(tmp_path, "B", size=(32, 32))
    (tmp_path / "notes.txt").write_text("x")
    scenes = list_scenes(str(tmp_path))
    assert [s.name for s in scenes] == ["A_NAIP.tif", "B_NAIP.tif"]
    assert all(s.local_path is not None and s.local_path.is_absolute() for s in scenes)


def test_list_file_with_comments_relative_paths_and_urls(tmp_path):
    listing = tmp_path / "lists" / "scenes.txt"
    listing.parent.mkdir()
    listing.write_text("# my scenes\n\n../a.tif\n/abs/b.tif\nhttps://example.org/naip/c.tif?sig=1\n")
    scenes = list_scenes(str(listing))
    assert [s.href for s in scenes] == [str(tmp_path / "a.tif"), "/abs/b.tif", "https://example.org/naip/c.tif?sig=1"]
    assert [s.stem for s in scenes] == ["a", "b", "c"]


def _item(identifier: str, assets: dict[str, tuple[str, str]]) -> dict:
    item = pystac.Item(identifier, None, None, dt.datetime(2024, 1, 1, tzinfo=dt.UTC), {})
    for key, (href, media_type) in assets.items():
        item.add_asset(key, pystac.Asset(href, media_type=media_type, roles=["data"]))
    return item.to_dict(include_self_link=False)


def test_item_collection_keeps_an_item_without_image_as_a_failed_scene(tmp_path):
    collection = {
        "type": "FeatureCollection",
        "features": [
            _item("q1", {"image": ("tiles/q1.tif", COG_TYPE)}),
            _item("q2", {"image": ("https://example.org/q2.tif", COG_TYPE)}),
            _item("q3", {"thumbnail": ("q3.png", "image/png")}),
        ],
    }
    path = tmp_path / "search.json"
    path.write_text(json.dumps(collection))
    first, second, third = list_scenes(str(path))
    assert (first.stem, first.href) == ("q1", str(tmp_path / "tiles" / "q1.tif"))
    assert second.remote and second.error is None
    assert third.error is not None and "no GeoTIFF image asset" in third.error and "q3" in third.location


def test_bad_scene_sources(tmp_path):
    with pytest.raises(LandcoverError, match="no such file or folder"):
        list_scenes(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(LandcoverError, match="no GeoTIFFs"):
        list_scenes(str(tmp_path / "empty"))
    listing = tmp_path / "dupes.txt"
    listing.write_text("x/scene.tif\ny/scene.tif\n")
    with pytest.raises(LandcoverError, match="several scenes are named scene"):
        list_scenes(str(listing))
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"type": "Catalog", "id": "c", "links": []}))
    with pytest.raises(LandcoverError, match="a STAC Catalog, not an ItemCollection"):
        list_scenes(str(catalog))
    (tmp_path / "blank.txt").write_text("# nothing\n")
    with pytest.raises(LandcoverError, match="names no scenes"):
        list_scenes(str(tmp_path / "blank.txt"))


def test_single_scene(tmp_path):
    (scene,) = list_scenes(str(Path("rel") / "one.tif"))
    assert scene.href.endswith("/rel/one.tif") and Path(scene.href).is_absolute()
