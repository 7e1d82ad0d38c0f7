"""Bad input is reported before any advice: a missing input folder is the only thing a CPU run prints."""

from tests.helpers import assert_one_line_error, landcover


def test_missing_input_dir_comes_before_the_cpu_note(tmp_path):
    result = landcover("train", "--input-dir", str(tmp_path / "missing"), "--model-dir", str(tmp_path / "m"))
    assert_one_line_error(result, "missing", "--input-dir")
    assert "CPU run" not in result.stdout
