"""Remote and catalogued scenes: COGs over HTTP range requests, STAC items, and their bad input."""

from __future__ import annotations

import datetime as dt
import json
import socket
from pathlib import Path

import numpy as np
import pystac
import pytest
import rasterio
from pyproj import Transformer

from landcover.data.sources import choose_asset, resolve_source
from landcover.infer.evaluate import evaluate
from landcover.io.errors import LandcoverError
from landcover.settings import EvaluateSettings
from tests.data.fixtures import write_cog
from tests.data.http_server import serve_directory
from tests.data.models import fresh_checkpoint
from tests.helpers import assert_one_line_error, landcover

WHEN = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
COG_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A 2048 x 2048 COG, a STAC item pointing at it (relative href) and a non-raster page, over HTTP."""
    root = tmp_path_factory.mktemp("www")
    cog = write_cog(root, "quad", size=(2048, 2048), seed=3)
    (root / "page.html").write_text("<html><body>not a raster</body></html>")
    _item(root / "item.json", {"image": ("./quad.tif", COG_TYPE, ["data"]), "thumb": ("t.png", "image/png", None)})
    _item(root / "no-image.json", {"thumbnail": ("t.png", "image/png", ["thumbnail"])})
    with serve_directory(root) as server:
        yield root, cog, server


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    return fresh_checkpoint(tmp_path_factory.mktemp("model") / "model.pt")


def _item(path: Path, assets: dict[str, tuple[str, str, list[str] | None]]) -> Path:
    item = pystac.Item("quad-item", None, None, WHEN, {})
    for key, (href, media_type, roles) in assets.items():
        item.add_asset(key, pystac.Asset(href, media_type=media_type, roles=roles))
    data = item.to_dict(include_self_link=False)
    path.write_text(json.dumps(data))
    return path


def _region(cog: Path, row: int, col: int, pixels: int) -> tuple[str, ...]:
    """The region options for ``pixels`` around a pixel of the scene."""
    with rasterio.open(cog) as src:
        x, y = src.xy(row, col)
        lon, lat = Transformer.from_crs(src.crs, "EPSG:4326", always_xy=True).transform(x, y)
    return ("--center-lat", str(lat), "--center-lon", str(lon), "--region-dim", str(pixels))


def _evaluate(source: str, model: Path, out: Path, *extra: str):
    return landcover(
        "evaluate", "--input-filename", source, "--model-filename", str(model), "--output-dir", str(out), *extra
    )


def _fresh_region(served, row: int, col: int, pixels: int):
    """The served COG, its server (traffic counters reset) and the region options around (row, col)."""
    _, cog, server = served
    server.traffic.reset()
    return cog, server, _region(cog, row, col, pixels)


def _evaluated(source: str, model: Path, out: Path, *extra: str):
    """``landcover evaluate`` that must succeed."""
    result = _evaluate(source, model, out, *extra)
    assert result.returncode == 0, result.stderr
    return result


def _classes(out: Path) -> np.ndarray:
    with rasterio.open(out / "pred_labels.tif") as src:
        return src.read(1)


@pytest.mark.slow
def test_remote_region_reads_only_its_tiles(served, model, tmp_path):
    cog, server, region = _fresh_region(served, 700, 1300, 256)
    remote = _evaluated(f"{server.url}/quad.tif", model, tmp_path / "remote", *region)
    served_bytes = server.traffic.bytes_served["/quad.tif"]
    fraction = served_bytes / cog.stat().st_size
    # 256 px + 64-px margins touch at most 3 x 3 of the 64 tiles (and the header): far from the whole file.
    assert 0 < fraction < 0.2, (served_bytes, cog.stat().st_size)
    _evaluated(str(cog), model, tmp_path / "local", *region)
    np.testing.assert_array_equal(_classes(tmp_path / "remote"), _classes(tmp_path / "local"))
    assert "quad.tif" in remote.stdout


@pytest.mark.slow
def test_stac_item_over_http_and_local(served, model, tmp_path):
    _, server, region = _fresh_region(served, 1024, 1024, 128)
    _evaluated(f"{server.url}/item.json", model, tmp_path / "http", *region)
    assert server.traffic.requests["/item.json"] == 1 and server.traffic.bytes_served["/quad.tif"] > 0
    # A local item whose asset is the URL, named explicitly with --asset.
    local_item = _item(tmp_path / "local.json", {"cog": (f"{server.url}/quad.tif", COG_TYPE, None)})
    _evaluated(str(local_item), model, tmp_path / "local", *region, "--asset", "cog")
    np.testing.assert_array_equal(_classes(tmp_path / "http"), _classes(tmp_path / "local"))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_bad_remote_input_is_one_line_naming_it_and_writes_nothing(served, model, tmp_path):
    _, _, server = served
    out = tmp_path / "out"
    cases = {
        f"http://127.0.0.1:{_closed_port()}/quad.tif": "unreachable",
        f"{server.url}/missing.tif": "HTTP 404",
        f"{server.url}/page.html": "not a readable GeoTIFF",
        f"{server.url}/no-image.json": "the STAC item has no GeoTIFF image asset (assets: thumbnail)",
        f"{server.url}/gone.json": "HTTP 404",
    }
    for source, reason in cases.items():
        with pytest.raises(LandcoverError) as caught:
            evaluate(EvaluateSettings(input_filename=str(source), model_filename=model, output_dir=out))
        assert str(caught.value).startswith(f"{source}: {reason}") and "\n" not in str(caught.value)
    assert not out.exists()
    with pytest.raises(LandcoverError, match=r"item.json: the STAC item has no asset 'nope' \(assets: image, thumb\)"):
        resolve_source(f"{server.url}/item.json", asset="nope")


@pytest.mark.slow
def test_bad_remote_input_through_the_command_writes_nothing(served, model, tmp_path):
    _, _, server = served
    out = tmp_path / "out"
    assert_one_line_error(_evaluate(f"{server.url}/missing.tif", model, out), f"{server.url}/missing.tif: HTTP 404")
    assert not out.exists()


def _pystac_item(assets: dict[str, tuple[str, str | None, list[str] | None]]) -> pystac.Item:
    item = pystac.Item("i", None, None, WHEN, {})
    for key, (href, media_type, roles) in assets.items():
        item.add_asset(key, pystac.Asset(href, media_type=media_type, roles=roles))
    return item


def test_asset_choice_by_type_then_role():
    item = _pystac_item(
        {
            "rendered_preview": ("p.png", "image/png", ["overview"]),
            "visual": ("v.tif", COG_TYPE, ["visual"]),
            "image": ("i.tif", COG_TYPE, ["data"]),
        }
    )
    assert choose_asset(item, None, "x") == "image"
    assert choose_asset(item, "visual", "x") == "visual"
    untyped = _pystac_item({"meta": ("m.xml", None, None), "scene": ("s.TIF", None, None)})
    assert choose_asset(untyped, None, "x") == "scene"
    with pytest.raises(LandcoverError, match="no GeoTIFF image asset"):
        choose_asset(_pystac_item({"thumbnail": ("t.jpg", "image/jpeg", ["thumbnail"])}), None, "x")


def test_resolve_source_names():
    url = resolve_source("https://host/naip/m_3807537_ne_18_060.tif?sig=abc")
    assert (url.name, url.stem, url.remote) == ("m_3807537_ne_18_060.tif", "m_3807537_ne_18_060", True)
    local = resolve_source(Path("/data/C14_NAIP.tif"))
    assert local.local_path == Path("/data/C14_NAIP.tif") and local.stem == "C14_NAIP"
    with pytest.raises(LandcoverError, match=r"--asset image: /data/C14_NAIP\.tif is not a STAC item"):
        resolve_source("/data/C14_NAIP.tif", asset="image")
