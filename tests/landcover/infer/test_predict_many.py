"""`landcover predict` over many scenes: real files, real `mpirun -np 2`, a corrupt scene, a killed run resumed."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pystac
import pytest
import rasterio
from rasterio.windows import from_bounds

from landcover.infer.predict_many import make_plan
from landcover.io.errors import LandcoverError
from landcover.io.lock import LOCK_NAME
from landcover.io.outputs import MANIFEST_NAME, OutputFolder
from landcover.settings import PredictSettings
from tests.data.fixtures import truncate, write_cog, write_scene_folder
from tests.data.http_server import serve_directory
from tests.data.models import fresh_checkpoint
from tests.helpers import assert_one_line_error, landcover, mpi_landcover

SIZES = [(640, 640), (512, 768), (384, 384), (768, 512), (256, 320)]
PLAIN = {**os.environ, "LANDCOVER_PROGRESS": "plain"}


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    return fresh_checkpoint(tmp_path_factory.mktemp("model") / "model.pt")


@pytest.fixture(scope="module")
def scenes(tmp_path_factory) -> tuple[Path, list[Path]]:
    folder = tmp_path_factory.mktemp("scenes")
    return folder, write_scene_folder(folder, SIZES, seed=5)


def _predict(processes: int, scenes: Path, model: Path, out: Path, *extra: str) -> list[str]:
    args = ("predict", "--scenes", str(scenes), "--model-filename", str(model), "--output-dir", str(out), *extra)
    return mpi_landcover(processes, *args)


def _maps(out: Path) -> dict[str, np.ndarray]:
    maps = {}
    for path in sorted(out.glob("*_landcover.tif")):
        with rasterio.open(path) as src:
            maps[path.name] = src.read(1)
    return maps


def _hidden(out: Path) -> list[str]:
    """Hidden files other than landcover's record of its outputs and the folder's lock."""
    own = {MANIFEST_NAME, LOCK_NAME}
    return [path.name for path in out.iterdir() if path.name.startswith(".") and path.name not in own]


@pytest.mark.slow
def test_six_scenes_one_corrupt_under_mpirun(tmp_path, model, scenes):
    _, images = scenes
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for image in images:
        (mixed / image.name).symlink_to(image)
    truncate(write_cog(mixed, "S5_broken", size=(512, 512), seed=11))
    out = tmp_path / "out"
    result = subprocess.run(_predict(2, mixed, model, out), capture_output=True, text=True, env=PLAIN, timeout=600)
    assert result.returncode != 0, result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "1 of 6 scenes failed" in errors[0] and "S5_broken.tif" in errors[0], result.stderr
    assert "Traceback" not in result.stderr

    maps = _maps(out)
    assert sorted(maps) == [f"S{i}_NAIP_landcover.tif" for i in range(5)]
    for image in images:
        with rasterio.open(image) as src, rasterio.open(out / image.name.replace(".tif", "_landcover.tif")) as dst:
            assert (dst.crs, dst.transform, dst.shape) == (src.crs, src.transform, src.shape)
            assert dst.colormap(1)[1] == (0, 0, 255, 255) and dst.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
    with rasterio.open(out / "mosaic.vrt") as mosaic:
        for image in images:
            with rasterio.open(image) as src:
                window = from_bounds(*src.bounds, transform=mosaic.transform).round_offsets().round_lengths()
                expected = maps[image.name.replace(".tif", "_landcover.tif")]
                np.testing.assert_array_equal(mosaic.read(1, window=window), expected)
        assert mosaic.colormap(1)[2] == (0, 128, 0, 255)
    assert (out / "overview.png").stat().st_size > 0

    summary = json.loads((out / "summary.json").read_text())
    assert (summary["scenes"], summary["done"], summary["failed"], summary["ranks"]) == (6, 5, 1, 2)
    by_name = {entry["name"]: entry for entry in summary["per_scene"]}
    assert by_name["S5_broken.tif"]["status"] == "failed" and "S5_broken.tif" in by_name["S5_broken.tif"]["error"]
    assert by_name["S0_NAIP.tif"]["pixels"] == 640 * 640 and by_name["S0_NAIP.tif"]["seconds"] > 0
    assert {entry["rank"] for entry in summary["per_scene"]} <= {0, 1}  # that both take some: test_work_queue
    assert summary["km2"] == pytest.approx(sum(h * w for h, w in SIZES) / 1e6)
    assert "km²/s" in result.stdout and "scene 6/6" in result.stdout
    assert not _hidden(out)


def _run_until_first_map(command: list[str], out: Path) -> None:
    """Start the job and SIGKILL all of it as soon as its first map is in place."""
    job = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=PLAIN, start_new_session=True
    )
    try:
        while job.poll() is None and not (out.is_dir() and list(out.glob("*_landcover.tif"))):
            time.sleep(0.02)
    finally:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
        _kill_remaining_ranks(str(out))


def _kill_remaining_ranks(marker: str) -> None:
    """SIGKILL every process whose command line names ``marker`` (Open MPI may put ranks outside mpirun's group)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        alive = [pid for pid in _pids_naming(marker) if pid != os.getpid()]
        if not alive:
            return
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
    raise AssertionError(f"ranks of the killed job still alive: {alive}")


def _pids_naming(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if marker.encode() in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
    return pids


@pytest.mark.slow
def test_killed_run_resumes_without_redoing_finished_scenes(tmp_path, model, scenes):
    folder, _ = scenes
    reference = tmp_path / "reference"
    whole = subprocess.run(_predict(2, folder, model, reference), capture_output=True, text=True, env=PLAIN)
    assert whole.returncode == 0, whole.stderr

    out = tmp_path / "out"
    _run_until_first_map(_predict(2, folder, model, out), out)
    finished = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("*_landcover.tif")}
    assert 1 <= len(finished) < len(SIZES), finished  # killed with scenes still to do
    assert not (out / "summary.json").exists()

    rerun = subprocess.run(_predict(2, folder, model, out), capture_output=True, text=True, env=PLAIN)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(finished)} already mapped" in rerun.stdout
    for name, stamp in finished.items():  # the same file, never rewritten
        path = out / name
        assert (path.stat().st_ino, path.stat().st_mtime_ns) == stamp
    summary = json.loads((out / "summary.json").read_text())
    statuses = {entry["map"].rsplit("/", 1)[-1]: entry["status"] for entry in summary["per_scene"]}
    assert {name for name, status in statuses.items() if status == "skipped"} == set(finished)
    assert summary["done"] == len(SIZES) - len(finished) and summary["failed"] == 0
    expected, resumed = _maps(reference), _maps(out)
    assert sorted(resumed) == sorted(expected)
    for name in expected:
        np.testing.assert_array_equal(resumed[name], expected[name])
    assert not _hidden(out)


def test_bad_command_input_is_one_line(tmp_path, model, scenes):
    folder, _ = scenes
    missing = landcover(
        "predict",
        "--scenes",
        str(tmp_path / "nowhere"),
        "--model-filename",
        str(model),
        "--output-dir",
        str(tmp_path / "out"),
    )
    assert_one_line_error(missing, f"--scenes {tmp_path / 'nowhere'}: no such file or folder")
    with pytest.raises(LandcoverError, match="holds scenes being mapped"):
        make_plan(PredictSettings(scenes=str(folder), model_filename=model, output_dir=folder), _out(folder))
    with pytest.raises(LandcoverError, match="no such model file"):
        settings = PredictSettings(scenes=str(folder), model_filename=tmp_path / "none.pt", output_dir=tmp_path / "out")
        make_plan(settings, _out(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_stac_item_collection_over_http(tmp_path, model):
    www = tmp_path / "www"
    write_cog(www, "q1", size=(384, 256), seed=4)
    when = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    features = []
    for name, assets in (("q1", {"image": ("q1.tif", "image/tiff; application=geotiff")}), ("q2", {})):
        item = pystac.Item(name, None, None, when, {})
        for key, (href, media_type) in assets.items():
            item.add_asset(key, pystac.Asset(href, media_type=media_type, roles=["data"]))
        features.append(item.to_dict(include_self_link=False))
    (www / "search.json").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    out = tmp_path / "out"
    with serve_directory(www) as server:
        result = landcover(
            "predict", "--scenes", f"{server.url}/search.json", "--model-filename", str(model), "--output-dir", str(out)
        )
        assert server.traffic.bytes_served["/q1.tif"] > 0
    assert_one_line_error(result, "1 of 2 scenes failed", "item q2", "no GeoTIFF image asset")
    summary = json.loads((out / "summary.json").read_text())
    assert [entry["status"] for entry in summary["per_scene"]] == ["done", "failed"]
    with rasterio.open(out / "q1_landcover.tif") as q1:
        assert q1.shape == (384, 256) and q1.tags()["LANDCOVER_SOURCE"] == f"{server.url}/q1.tif"


def _out(folder):
    return OutputFolder(folder, option="--output-dir", command="predict")
