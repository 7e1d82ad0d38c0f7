"""evaluate's output folder (issue 21 items 3 and 15): refused when it holds results; --force leaves only this run's."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from landcover.cli import app
from tests.data.fixtures import write_pair
from tests.data.models import fresh_checkpoint


def _evaluate(tmp_path: Path, *extra: str) -> tuple[int, str]:
    image, _ = write_pair(tmp_path / "pairs", "p", size=(128, 128))
    model = fresh_checkpoint(tmp_path / "m.pt")
    args = ["evaluate", "--input-filename", str(image), "--model-filename", str(model), "--output-dir"]
    result = CliRunner().invoke(app, [*args, str(tmp_path / "out"), *extra])
    return result.exit_code, result.output


def test_force_empties_the_folder_so_only_this_run_s_files_remain(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("metrics.json", "true_labels.tif", "probabilities.tif", "notes.txt"):
        (out / name).write_text("an earlier run")
    code, output = _evaluate(tmp_path, "--force")
    assert code == 0, output
    names = sorted(p.name for p in out.iterdir())
    assert "notes.txt" not in names and "probabilities.tif" not in names
    assert (out / "metrics.json").read_text() != "an earlier run"
    assert set(names) == {
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


def test_hidden_part_files_of_an_interrupted_run_are_removed_and_do_not_count(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / ".pred_labels.x1y2.part.tif").write_bytes(b"half")
    (out / ".metrics.json.abc.tmp").write_bytes(b"half")
    code, output = _evaluate(tmp_path)
    assert code == 0, output
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
