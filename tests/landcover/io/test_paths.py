"""Up-front output checks (issue 21 item 11): nothing is created by the check, every bad path is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from landcover.io.errors import LandcoverError
from landcover.io.paths import check_output_dir, check_output_file


def test_a_new_folder_under_a_writable_one_passes_and_is_not_created(tmp_path: Path) -> None:
    check_output_dir(tmp_path / "a" / "b")
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize(
    ("relative", "fragment"),
    [("notes", "is a file, not a folder"), ("notes/sub", "notes is a file, not a folder")],
)
def test_a_file_in_the_way_is_refused(tmp_path: Path, relative: str, fragment: str) -> None:
    (tmp_path / "notes").write_text("mine")
    with pytest.raises(LandcoverError, match=fragment):
        check_output_dir(tmp_path / relative, "--model-dir")


def test_a_location_nothing_can_write_is_refused_even_for_root() -> None:
    with pytest.raises(LandcoverError, match=r"cannot be created.*not writable"):
        check_output_dir(Path("/proc/landcover-test/out"), "--output-dir")


def test_an_existing_file_needs_force_and_a_folder_is_never_a_file(tmp_path: Path) -> None:
    (tmp_path / "m.onnx").write_bytes(b"x")
    with pytest.raises(LandcoverError, match="already exists"):
        check_output_file(tmp_path / "m.onnx", "ONNX", force=False)
    check_output_file(tmp_path / "m.onnx", "ONNX", force=True)
    check_output_file(tmp_path / "m.onnx", "--preview")
    with pytest.raises(LandcoverError, match="is a folder"):
        check_output_file(tmp_path, "ONNX", force=True)
