"""The output rule with real processes: two runs into one folder, a full disk, and stale maps in ``predict``.

The first run of a pair is held still with SIGSTOP once it holds its folder's lock (then let go with
SIGCONT), so the second always meets it mid-run, on any machine's speed, with no timing in the test.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import rasterio

from landcover.io.lock import LOCK_NAME
from tests.data.fixtures import write_pair, write_scene_folder
from tests.data.models import fresh_checkpoint
from tests.helpers import assert_one_line_error, landcover, tmpfs
from tests.landcover.infer.test_evaluate_outputs import RESULT as EVALUATE_RESULT

PLAIN = {**os.environ, "NO_COLOR": "1", "TERM": "dumb"}


def tree(root: Path) -> dict[str, str]:
    """Content hash of every file under ``root`` but the lock (which names its latest holder)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != LOCK_NAME
    }


def _hold_when_locked(command: list[str], folder: Path) -> subprocess.Popen[str]:
    """Start ``command``; once it holds ``folder``'s lock, stop it (SIGSTOP) and return it."""
    job = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=PLAIN)
    lock = folder / LOCK_NAME
    while job.poll() is None and f"pid {job.pid} " not in (lock.read_text() if lock.is_file() else ""):
        time.sleep(0.01)
    assert job.poll() is None, job.communicate()
    os.kill(job.pid, signal.SIGSTOP)
    return job


def _release(job: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    os.kill(job.pid, signal.SIGCONT)
    out, err = job.communicate(timeout=600)
    return subprocess.CompletedProcess(job.args, job.returncode, out, err)


@pytest.fixture
def scene(tmp_path: Path) -> tuple[Path, Path]:
    image, _ = write_pair(tmp_path / "in", "p", size=(160, 160))
    return image, fresh_checkpoint(tmp_path / "m.pt")


def _evaluate_args(scene: tuple[Path, Path], out: Path) -> list[str]:
    image, model = scene
    return ["evaluate", "--input-filename", str(image), "--model-filename", str(model), "--output-dir", str(out)]


@pytest.mark.slow
@pytest.mark.parametrize("force", [False, True])
def test_a_second_evaluate_into_the_same_folder_is_refused_while_the_first_writes(
    tmp_path: Path, scene: tuple[Path, Path], force: bool
) -> None:
    out = tmp_path / "out"
    extra = ["--force"] if force else []
    first = _hold_when_locked([sys.executable, "-m", "landcover", *_evaluate_args(scene, out), *extra], out)
    try:
        second = landcover(*_evaluate_args(scene, out), *extra)
    finally:
        done = _release(first)
    assert_one_line_error(second, f"--output-dir {out}: in use by landcover evaluate pid {first.pid}")
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} == EVALUATE_RESULT
    assert not list(out.glob(".landcover-staging-*"))


@pytest.mark.slow
def test_a_second_predict_into_the_same_folder_is_refused_and_the_first_s_files_stay(tmp_path: Path) -> None:
    write_scene_folder(tmp_path / "scenes", [(160, 160), (128, 192)])
    model = fresh_checkpoint(tmp_path / "m.pt")
    out = tmp_path / "maps"
    args = ["predict", "--scenes", str(tmp_path / "scenes"), "--model-filename", str(model), "--output-dir", str(out)]
    first = _hold_when_locked([sys.executable, "-m", "landcover", *args], out)
    try:
        second = landcover(*args)
    finally:
        done = _release(first)
    assert_one_line_error(second, f"in use by landcover predict pid {first.pid}")
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "summary.json").read_text())["done"] == 2


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs (root only), unmounted after the test."""
    with tmpfs(tmp_path / "disk", "2m") as mount:
        yield mount


def _fill(disk: Path, leave: int) -> None:
    """Fill the disk with one file until about ``leave`` bytes are free."""
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with open(disk / "filler.bin", "wb") as handle:
        handle.write(b"\0" * max(0, free - leave))


@pytest.mark.slow
def test_a_full_disk_during_evaluate_force_keeps_the_earlier_result(small_disk: Path, scene: tuple[Path, Path]) -> None:
    out = small_disk / "out"
    first = landcover(*_evaluate_args(scene, out))
    assert first.returncode == 0, first.stderr
    before = tree(out)
    _fill(small_disk, 16 * 1024)
    second = landcover(*_evaluate_args(scene, out), "--force")
    assert second.returncode == 2 and "Traceback" not in second.stderr, second.stderr
    last = second.stderr.strip().splitlines()[-1]  # GDAL may log its own "No space left" line before it
    assert f"--output-dir {out}: the disk is full" in last and "the earlier result is kept" in last, last
    assert tree(out) == before
    assert not list(out.glob(".landcover-staging-*"))


@pytest.mark.slow
def test_predict_maps_again_a_truncated_map_and_a_replaced_scene(tmp_path: Path) -> None:
    images = write_scene_folder(tmp_path / "scenes", [(160, 160), (128, 192), (96, 96)])
    model = fresh_checkpoint(tmp_path / "m.pt")
    out = tmp_path / "maps"
    args = ["predict", "--scenes", str(tmp_path / "scenes"), "--model-filename", str(model), "--output-dir", str(out)]
    first = landcover(*args)
    assert first.returncode == 0, first.stderr
    truncated = out / "S0_NAIP_landcover.tif"
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    write_pair(tmp_path / "scenes", "S1", size=(128, 192), seed=99)  # the same name, another scene
    untouched = (out / "S2_NAIP_landcover.tif").stat().st_mtime_ns
    second = landcover(*args)
    assert second.returncode == 0, second.stderr
    assert "1 already mapped, 2 to map" in second.stdout, second.stdout
    with rasterio.open(truncated) as src:
        assert src.read(1).shape == (160, 160)
    assert (out / "S2_NAIP_landcover.tif").stat().st_mtime_ns == untouched
    with rasterio.open(out / "S1_NAIP_landcover.tif") as src, rasterio.open(images[1]) as scene_file:
        assert src.tags()["LANDCOVER_SOURCE_SIZE"] == str(images[1].stat().st_size)
        assert src.shape == scene_file.shape


def test_predict_refuses_a_map_name_taken_by_a_user_s_file(tmp_path: Path) -> None:
    write_scene_folder(tmp_path / "scenes", [(96, 96)])
    model = fresh_checkpoint(tmp_path / "m.pt")
    out = tmp_path / "maps"
    out.mkdir()
    (out / "S0_NAIP_landcover.tif").write_bytes(b"my own map")
    result = landcover(
        "predict", "--scenes", str(tmp_path / "scenes"), "--model-filename", str(model), "--output-dir", str(out)
    )
    assert_one_line_error(result, "S0_NAIP_landcover.tif", "landcover did not write")
    assert (out / "S0_NAIP_landcover.tif").read_bytes() == b"my own map"
