"""Every command that loads a model refuses a file that is not one with one line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from landcover.io.errors import LandcoverError
from landcover.model.checkpoint import make_checkpoint, read_checkpoint, save_checkpoint
from landcover.model.unet import ModelConfig, TutorialUNet
from tests.data.fixtures import write_pair
from tests.data.models import fresh_checkpoint
from tests.helpers import assert_one_line_error, landcover

BAD_FILES = ("text", "empty", "truncated", "other-architecture")


def bad_model_file(directory: Path, kind: str, suffix: str = ".pt") -> Path:
    """A file given where a model belongs: text, empty, a truncated checkpoint, or another architecture."""
    path = directory / f"{kind}{suffix}"
    if kind == "text":
        path.write_text("this is not a model\n")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        whole = fresh_checkpoint(directory / "whole.pt").read_bytes()
        path.write_bytes(whole[: len(whole) // 2])
    else:  # weights of a 3-class network under the configuration of the 5-class one
        checkpoint = make_checkpoint(TutorialUNet(ModelConfig(num_classes=3)), provenance={"kind": "test"})
        checkpoint["config"]["num_classes"] = 5
        save_checkpoint(checkpoint, path)
    return path


@pytest.mark.parametrize("kind", BAD_FILES)
def test_read_checkpoint_refuses_with_the_file_name(tmp_path, kind):
    path = bad_model_file(tmp_path, kind)
    with pytest.raises(LandcoverError) as caught:
        read_checkpoint(path)
    assert str(path) in caught.value.message
    assert caught.value.hint


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("inputs")
    image, _ = write_pair(root / "pairs", "A1", size=(160, 160))
    return {"root": root, "pairs": root / "pairs", "image": image}


def commands(model: Path, inputs: dict[str, Path]) -> dict[str, list[str]]:
    """Each command line that loads ``model`` (the other inputs valid, so the model is what is wrong)."""
    out = inputs["root"] / "out"
    return {
        "evaluate": [
            "evaluate",
            "--input-filename",
            str(inputs["image"]),
            "--model-filename",
            str(model),
            "--output-dir",
            str(out / "evaluate"),
        ],
        "score": ["score", str(model), str(inputs["pairs"])],
        "export": ["export", str(model), str(out / "model.onnx")],
        "predict": [
            "predict",
            "--scenes",
            str(inputs["image"]),
            "--model-filename",
            str(model),
            "--output-dir",
            str(out / "predict"),
        ],
        "train --init-from": [
            "train",
            "--input-dir",
            str(inputs["pairs"]),
            "--model-dir",
            str(out / "train"),
            "--init-from",
            str(model),
        ],
    }


@pytest.mark.slow
@pytest.mark.parametrize("kind", BAD_FILES)
def test_every_model_loading_command_gives_one_line(tmp_path, inputs, kind):
    model = bad_model_file(tmp_path, kind)
    for name, args in commands(model, inputs).items():
        result = landcover(*args)
        assert_one_line_error(result, str(model))
        assert not (inputs["root"] / "out" / "train" / "trained.pt").exists(), name


@pytest.mark.parametrize("kind", ("text", "empty", "truncated"))
def test_import_cntk_gives_one_line(tmp_path, kind):
    source = bad_model_file(tmp_path, kind, suffix=".model")
    result = landcover("import-cntk", str(source), str(tmp_path / "out.pt"))
    assert_one_line_error(result, str(source))
    assert not (tmp_path / "out.pt").exists()
