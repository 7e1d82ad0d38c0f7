"""Operating-system failures as one line naming the path and the cause, for every errno class and any path;
and a full disk, for real (a small tmpfs), reported as a full disk by every command that writes."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landcover.io.errors import LandcoverError
from landcover.io.oserrors import FULL_DISK, as_landcover_error, check_input_file, nearly_full, out_of_space
from tests.data.fixtures import write_pair
from tests.data.models import fresh_checkpoint
from tests.helpers import tmpfs

CAUSES = {
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "no space left on the disk",
    errno.ENAMETOOLONG: "file name too long",
    errno.ELOOP: "symbolic-link loop",
    errno.EISDIR: "is a folder",
    errno.ENOTDIR: "part of the path is a file",
    errno.EACCES: "permission denied",
    errno.EROFS: "read-only file system",
}

names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda t: "/" not in t
)


@settings(max_examples=60, deadline=None)
@given(code=st.sampled_from(sorted(CAUSES)), name=names, wrapped=st.booleans())
def test_every_errno_class_is_one_line_naming_the_path(code: int, name: str, wrapped: bool) -> None:
    error: BaseException = OSError(code, os.strerror(code), f"/tmp/{name}")
    if wrapped:  # raised while handling another error, or re-raised as another type
        try:
            try:
                raise error
            except OSError as inner:
                raise RuntimeError("while writing") from inner
        except RuntimeError as outer:
            error = outer
    found = as_landcover_error(error, ["evaluate", "--output-dir", "/tmp/out"])
    assert isinstance(found, LandcoverError)
    assert CAUSES[code] in found.message and name in found.message
    assert "\n" not in str(found)


def _chained(error: BaseException, depth: int) -> BaseException:
    """``error`` raised under ``depth`` other exceptions (each raised from the one before)."""
    for level in range(depth):
        try:
            raise RuntimeError(f"while writing, level {level}") from error
        except RuntimeError as outer:
            error = outer
    return error


@settings(max_examples=60, deadline=None)
@given(code=st.sampled_from([*CAUSES, errno.EIO, errno.EBADF]), depth=st.integers(0, 3))
def test_an_errno_anywhere_in_the_chain_decides_whether_the_disk_is_full(code: int, depth: int) -> None:
    error = _chained(OSError(code, os.strerror(code), "/tmp/x.tif"), depth)
    assert out_of_space(error, Path("/tmp")) == (code in FULL_DISK)


def test_a_write_failure_that_does_not_say_why_is_a_full_disk_only_on_a_nearly_full_disk(
    small_disk: Path, tmp_path: Path
) -> None:
    from rasterio.errors import RasterioIOError

    gdal = RasterioIOError("Write error / TIFFAppendToStrip")  # no errno: GDAL's own words
    torch = RuntimeError("[enforce fail at inline_container.cc:664] . unexpected pos 123 vs 456")
    (small_disk / "filler.bin").write_bytes(b"\0" * 200_000)
    try:
        assert nearly_full(small_disk) and not nearly_full(tmp_path)
        for error in (gdal, torch, _chained(gdal, 2)):
            assert out_of_space(error, small_disk / "out.tif"), error
            assert not out_of_space(error, tmp_path / "out.tif"), error
        assert not out_of_space(RuntimeError("shapes do not match"), small_disk)  # no write failure
    finally:
        (small_disk / "filler.bin").unlink()


def test_other_exceptions_are_left_alone() -> None:
    assert as_landcover_error(ValueError("a bug")) is None
    assert as_landcover_error(KeyError("x")) is None


def test_input_files_are_told_apart(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "file").write_text("x")
    expected = {
        "folder": "is a folder, where a file belongs",
        "loop": "symbolic-link loop",
        "dangling": "no such file (a broken symbolic link)",
        "x" * 300: "file name too long",
        "file/inside": "part of the path is a file",
        "missing": "no such file",
    }
    for name, message in expected.items():
        with pytest.raises(LandcoverError, match=message.replace("(", r"\(").replace(")", r"\)")):
            check_input_file(tmp_path / name)
    check_input_file(tmp_path / "file")


@pytest.fixture(scope="module")
def small_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A 400 KiB tmpfs (CI runs as root); skipped where mounting is not allowed."""
    with tmpfs(tmp_path_factory.mktemp("small-disk"), "400k") as mount:
        yield mount


def _landcover(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "landcover", *args], capture_output=True, text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["evaluate", "sample-data", "convert-patches", "train"])
def test_a_full_disk_is_named_as_a_full_disk(command: str, small_disk: Path, tmp_path: Path) -> None:
    for entry in small_disk.iterdir():
        subprocess.run(["rm", "-rf", str(entry)], check=True)
    image, _ = write_pair(tmp_path / "in", "scene", size=(512, 512))
    model = fresh_checkpoint(tmp_path / "m.pt")
    out = small_disk / "out"
    argv = {
        "evaluate": [
            "evaluate",
            "--input-filename",
            str(image),
            "--model-filename",
            str(model),
            "--output-dir",
            str(out),
        ],
        "sample-data": ["sample-data", str(out)],
        "train": [
            "train",
            "--input-dir",
            str(tmp_path / "in"),
            "--model-dir",
            str(out),
            "--epochs",
            "1",
            "--epoch-size",
            "2",
            "--batch-size",
            "2",
        ],
    }
    if command == "convert-patches":
        import numpy as np

        (tmp_path / "npz").mkdir()
        for index in range(4):
            rng = np.random.default_rng(index)
            array = rng.uniform(0, 255, size=(1, 29, 256, 256)).astype("float32")
            array[0, 8] = rng.integers(0, 7, size=(256, 256))
            np.savez(tmp_path / "npz" / f"p{index}.npz", array)
        argv[command] = ["convert-patches", str(tmp_path / "npz"), str(out)]
    result = _landcover(*argv[command])
    last = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    # One line naming the full disk: the output mechanism's own (a staged result dropped), or the last line of
    # defence's (landcover.io.oserrors) for a write outside it.
    assert f"no space left on the disk mounted at {small_disk}" in last or "the disk is full" in last, result.stderr
    assert str(small_disk) in last, result.stderr
