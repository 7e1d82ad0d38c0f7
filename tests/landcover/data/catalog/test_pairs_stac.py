"""``landcover pairs`` against a real STAC API (stac-fastapi-pgstac on 127.0.0.1) and COGs on a range server."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from rasterio.transform import array_bounds
from rasterio.warp import transform_bounds

from tests.data.http_server import RangeServer
from tests.data.stac_fixtures import LABEL_CRS, LC7_NODATA, Fixture
from tests.helpers import landcover

pytestmark = pytest.mark.stac

LC7_TO_TUTORIAL = {1: 1, 2: 2, 3: 3, 4: 4, 5: 4, 6: 4, 7: 0, LC7_NODATA: 0}
TINY_TRAIN = ["--epochs", "1", "--epoch-size", "4", "--batch-size", "2", "--threads", "1"]


def scene_bbox(fixture: Fixture) -> str:
    """The whole scene (both NAIP items) in degrees."""
    bounds = [array_bounds(*r.shape, r.transform) for r in fixture.images]
    west, south = min(b[0] for b in bounds), min(b[1] for b in bounds)
    east, north = max(b[2] for b in bounds), max(b[3] for b in bounds)
    return ",".join(f"{v:.6f}" for v in transform_bounds(fixture.images[0].crs, "EPSG:4326", west, south, east, north))


def small_bbox(fixture: Fixture, metres: float = 240.0) -> str:
    """A small square inside the first image, in its labelled (southern) part."""
    image = fixture.images[0]
    west, south, east, north = array_bounds(*image.shape, image.transform)
    x, y = (west + east) / 2, south + (north - south) / 4
    box = transform_bounds(image.crs, "EPSG:4326", x - metres / 2, y - metres / 2, x + metres / 2, y + metres / 2)
    return ",".join(f"{v:.6f}" for v in box)


def pairs_args(api: str, out: Path, bbox: str, *extra: str) -> list[str]:
    return ["pairs", "--stac-api", api, "--image-collection", "naip", "--label-collection", "chesapeake-lc-7",
            "--bbox", bbox, "--datetime", "2014", "--output-dir", str(out), *extra]  # fmt: skip


def independent_labels(
    fixture: Fixture, crs: object, transform: object, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Expected classes and label coverage: each pixel centre projected with pyproj into the Albers tiles."""
    height, width = shape
    rows, cols = np.mgrid[0:height, 0:width]
    xs, ys = rasterio.transform.xy(transform, rows.ravel(), cols.ravel(), offset="center")
    lx, ly = Transformer.from_crs(crs, LABEL_CRS, always_xy=True).transform(np.asarray(xs), np.asarray(ys))
    expected = np.zeros(height * width, dtype=np.uint8)
    covered = np.zeros(height * width, dtype=bool)
    lookup = np.zeros(256, dtype=np.uint8)
    for value, code in LC7_TO_TUTORIAL.items():
        lookup[value] = code
    for tile in fixture.labels:
        c, r = ~tile.transform * (lx, ly)
        ci, ri = np.floor(c).astype(int), np.floor(r).astype(int)
        inside = (ci >= 0) & (ri >= 0) & (ci < tile.shape[1]) & (ri < tile.shape[0]) & ~covered
        values = tile.array[ri[inside], ci[inside]]
        expected[inside] = lookup[values]
        covered[inside] = values != LC7_NODATA
    return expected.reshape(shape), covered.reshape(shape)


def run_in_process(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run ``landcover ARGS`` in this process (its one error path included): exit code and stderr."""
    from landcover.cli import main

    capsys.readouterr()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", ["landcover", *args])
        patch.setenv("LANDCOVER_PROGRESS", "plain")
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, capsys.readouterr().err


def pair_files(out: Path) -> list[str]:
    return sorted(p.name for p in out.glob("*.tif")) if out.exists() else []


@pytest.mark.slow
def test_area_to_aligned_pairs_that_train(stac_api: str, catalogue: Fixture, tmp_path: Path) -> None:
    out = tmp_path / "pairs"
    result = landcover(*pairs_args(stac_api, out, scene_bbox(catalogue)))
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["images_found"] == 2 and summary["pairs"] == 2 and summary["pairs_written"] == 2
    assert summary["label_items_found"] == 2
    for index, image in enumerate(catalogue.images):
        name = f"md_m_3907833_nw_17_1_2014_{index}"
        with rasterio.open(out / f"{name}_LandCover.tif") as lab, rasterio.open(out / f"{name}_NAIP.tif") as img:
            assert lab.crs == image.crs and img.transform == lab.transform
            assert lab.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
            labels = lab.read(1)
            np.testing.assert_array_equal(img.read(), image.array)  # the whole image: the bbox covers it
            expected, covered = independent_labels(catalogue, lab.crs, lab.transform, labels.shape)
        mismatched = int((labels != expected).sum())
        assert mismatched == 0, f"{name}: {mismatched} pixels differ from the independent reprojection"
        assert (~covered).sum() > 1000 and labels[~covered].max() == 0  # outside the label tiles: unknown
        assert labels[: labels.shape[0] // 20].max() == 0  # the tiles stop short of the scene's north
        assert set(np.unique(labels)) <= {0, 1, 2, 3, 4} and (labels > 0).mean() > 0.5
    trained = landcover("train", "--input-dir", str(out), "--model-dir", str(tmp_path / "model"), *TINY_TRAIN)
    assert trained.returncode == 0, trained.stderr
    assert (tmp_path / "model" / "trained.pt").is_file()


def test_small_area_reads_a_small_fraction(
    stac_api: str,
    catalogue: Fixture,
    assets: tuple[Path, RangeServer],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, server = assets
    server.traffic.reset()
    out = tmp_path / "pairs"
    code, err = run_in_process(pairs_args(stac_api, out, small_bbox(catalogue)), capsys)
    assert code == 0, err
    with server.traffic.lock:
        served = sum(server.traffic.bytes_served.values())
        paths = list(server.traffic.bytes_served)
    sizes = sum((root / p.lstrip("/").split("?")[0]).stat().st_size for p in paths)
    assert served < 0.25 * sizes, f"read {served} of {sizes} bytes"
    assert json.loads((out / "summary.json").read_text())["pairs"] == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("case", ["no-results", "unreachable", "expired-signature", "unknown-scheme"])
def test_failures_are_one_line_and_write_nothing(
    stac_api: str, catalogue: Fixture, tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pairs"
    args = pairs_args(stac_api, out, scene_bbox(catalogue))
    expected = {
        "no-results": "no 'naip' items",
        "unreachable": "unreachable",
        "expired-signature": "HTTP 403",
        "unknown-scheme": "unknown class scheme",
    }[case]
    if case == "no-results":
        args[args.index("--bbox") + 1] = "-150,10,-149.9,10.1"
    elif case == "unreachable":
        args[args.index("--stac-api") + 1] = f"http://127.0.0.1:{free_port()}"
    elif case == "expired-signature":
        args[args.index("--bbox") + 1] = "-69.99,30.01,-69.98,30.02"
    else:
        args[args.index("--label-collection") + 1] = "county-lc"
    code, err = run_in_process(args, capsys)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and expected in lines[0], err
    assert pair_files(out) == [] and not list(out.glob(".*.tmp") if out.exists() else [])


@pytest.mark.slow
def test_killed_run_resumes_without_redoing_pairs(stac_api: str, catalogue: Fixture, tmp_path: Path) -> None:
    out = tmp_path / "pairs"
    args = pairs_args(stac_api, out, small_bbox(catalogue, 1600.0), "--tile-size", "64")
    process = subprocess.Popen(
        [sys.executable, "-m", "landcover", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "LANDCOVER_PROGRESS": "plain"},
    )  # fmt: skip
    manifest = out / "pairs.jsonl"
    while process.poll() is None:
        text = manifest.read_text() if manifest.exists() else ""
        if text.count('"written": true') >= 2:
            process.send_signal(signal.SIGKILL)
            break
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    records = [json.loads(line) for line in manifest.read_text().splitlines() if line.endswith("}")]
    finished = [r["name"] for r in records if r["kind"] == "pair" and r["written"]]
    stamps = {name: (out / f"{name}_NAIP.tif").stat().st_mtime_ns for name in finished}
    result = landcover(*args)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["pairs_skipped"] >= len(stamps) >= 1
    for name, stamp in stamps.items():
        assert (out / f"{name}_NAIP.tif").stat().st_mtime_ns == stamp, f"{name} was written again"
    images = {p.name.removesuffix("_NAIP.tif") for p in out.glob("*_NAIP.tif")}
    labels = {p.name.removesuffix("_LandCover.tif") for p in out.glob("*_LandCover.tif")}
    assert images == labels and len(images) == summary["pairs"]


def test_rasters_without_a_catalogue(
    catalogue: Fixture, assets: tuple[Path, RangeServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, server = assets
    out = tmp_path / "pairs"
    image = catalogue.images[1]
    label_urls = [f"{server.url}/{tile.path.relative_to(root)}" for tile in catalogue.labels]
    args = ["pairs", "--images", str(image.path), "--output-dir", str(out), "--class-table", "chesapeake-lc-7"]
    for url in label_urls:
        args += ["--labels", url]
    code, err = run_in_process(args, capsys)
    assert code == 0, err
    with rasterio.open(out / f"{image.path.stem}_LandCover.tif") as lab:
        labels = lab.read(1)
        assert lab.crs == image.crs and lab.transform == image.transform  # the image's own grid
        expected, _ = independent_labels(catalogue, lab.crs, lab.transform, labels.shape)
    assert int((labels != expected).sum()) == 0
