"""evaluate's output folder: never an input's folder, --force replaces only what evaluate wrote, atomic replace."""

from __future__ import annotations

import hashlib
from pathlib import Path

from typer.testing import CliRunner

from landcover.cli import app
from landcover.io.outputs import MANIFEST_NAME
from tests.data.fixtures import write_pair
from tests.data.models import fresh_checkpoint

RESULT = {
    "NAIP.tif",
    "confidence.tif",
    "metrics.json",
    "pred_labels.tif",
    "pred_labels.tif.aux.xml",
    "pred_labels.qml",
    "preview.png",
    "true_labels.tif",
    "true_labels.tif.aux.xml",
    "true_labels.qml",
}


def _inputs(tmp_path: Path) -> tuple[Path, Path]:
    """The scene (with its labels beside it) and a model, made once per test."""
    image, model = tmp_path / "pairs" / "p_NAIP.tif", tmp_path / "m.pt"
    if not image.exists():
        write_pair(tmp_path / "pairs", "p", size=(128, 128))
        fresh_checkpoint(model)
    return image, model


def _evaluate(tmp_path: Path, *extra: str, out: Path | None = None) -> tuple[int, str]:
    image, model = _inputs(tmp_path)
    args = ["evaluate", "--input-filename", str(image), "--model-filename", str(model), "--output-dir"]
    result = CliRunner().invoke(app, [*args, str(out or tmp_path / "out"), *extra])
    return result.exit_code, result.output


def tree(root: Path) -> dict[str, str]:
    """Content hash of every file under ``root`` (by relative path)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


def visible(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")}


def test_force_replaces_only_what_evaluate_wrote_and_keeps_a_user_s_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _evaluate(tmp_path)[0] == 0
    (out / "notes.txt").write_text("mine")
    first = tree(out)
    code, output = _evaluate(tmp_path, "--force")
    assert code == 0, output
    assert visible(out) == RESULT | {"notes.txt"}
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / MANIFEST_NAME).is_file()
    assert tree(out)["metrics.json"] and first["notes.txt"] == tree(out)["notes.txt"]


def test_an_earlier_result_is_refused_without_force(tmp_path: Path) -> None:
    assert _evaluate(tmp_path)[0] == 0
    before = tree(tmp_path / "out")
    code, output = _evaluate(tmp_path)
    assert code == 2 and "of an earlier `landcover evaluate`" in output and "--force" in output
    assert tree(tmp_path / "out") == before


def test_a_same_named_file_evaluate_did_not_write_is_refused_even_with_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "metrics.json").write_text("my metrics")
    code, output = _evaluate(tmp_path, "--force")
    assert code == 2 and "holds metrics.json already, which landcover did not write" in output
    assert (out / "metrics.json").read_text() == "my metrics"


def test_force_with_the_input_s_folder_as_output_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    _inputs(tmp_path)
    before = tree(tmp_path)
    code, output = _evaluate(tmp_path, "--force", out=tmp_path / "pairs")
    assert code == 2 and "--output-dir" in output and "holds --input-filename" in output, output
    assert tree(tmp_path) == before


def test_force_with_a_parent_holding_a_user_s_files_is_refused(tmp_path: Path) -> None:
    _inputs(tmp_path)
    (tmp_path / "thesis.tex").write_text("years of work")
    before = tree(tmp_path)
    code, output = _evaluate(tmp_path, "--force", out=tmp_path)
    assert code == 2 and "holds" in output, output
    assert tree(tmp_path) == before


def test_an_output_folder_that_is_a_symlink_to_the_input_s_folder_is_refused(tmp_path: Path) -> None:
    _inputs(tmp_path)
    (tmp_path / "link").symlink_to(tmp_path / "pairs")
    before = tree(tmp_path / "pairs")
    code, output = _evaluate(tmp_path, "--force", out=tmp_path / "link")
    assert code == 2 and "holds --input-filename" in output, output
    assert tree(tmp_path / "pairs") == before


def test_hidden_part_files_of_an_interrupted_run_are_removed_and_do_not_count(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / ".pred_labels.x1y2.part.tif").write_bytes(b"half")
    (out / ".metrics.json.abc.tmp").write_bytes(b"half")
    code, output = _evaluate(tmp_path)
    assert code == 0, output
    assert {p.name for p in out.iterdir() if p.name.startswith(".")} == {MANIFEST_NAME, ".landcover.lock"}


def test_a_stopped_run_s_staging_is_reported_as_incomplete(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / ".landcover-staging-evaluate-abc123").mkdir(parents=True)
    (out / ".landcover-staging-evaluate-abc123" / "pred_labels.tif").write_bytes(b"half")
    code, output = _evaluate(tmp_path)
    assert code == 2 and "incomplete output of an earlier `landcover evaluate`" in output and "--force" in output
    code, output = _evaluate(tmp_path, "--force")
    assert code == 0, output
    assert visible(out) == RESULT and not list(out.glob(".landcover-staging-*"))
