"""A checkpoint is refused, naming its file, when a value makes no usable model; any other loads.

Generated damage: NaN or infinity in any tensor, a negative BatchNorm variance, a normalisation std that
is 0, negative or not finite, a mean that is not finite, ``format_version`` of another type. Harmless changes
(a larger variance, another positive std) load. And a model file of another format is named by its content.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landcover.io.errors import LandcoverError
from landcover.model.checkpoint import read_checkpoint
from tests.data.models import fresh_checkpoint

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = fresh_checkpoint(tmp_path_factory.mktemp("fresh") / "m.pt")
    return torch.load(path, weights_only=True)


BAD_NUMBERS = (float("nan"), float("inf"), -float("inf"))


@st.composite
def damage(draw: st.DrawFn, names: list[str]) -> tuple[str, str, Any, bool]:
    """(what, where, value, usable): one change to a checkpoint and whether the result is still a usable model."""
    kind = draw(st.sampled_from(("tensor", "variance", "std", "mean", "version")))
    if kind == "tensor":
        value = draw(st.sampled_from((*BAD_NUMBERS, 0.5)))
        return kind, draw(st.sampled_from([n for n in names if "num_batches" not in n])), value, math.isfinite(value)
    if kind == "variance":
        # as stored: float32, and no subnormal (-1e-40 is -0.0 where torch flushes denormals: a usable variance)
        drawn = draw(st.floats(-2.0, 2.0).filter(lambda number: number == 0 or abs(number) >= 1e-30))
        value = float(torch.tensor(drawn, dtype=torch.float32))
        return kind, draw(st.sampled_from([n for n in names if n.endswith("running_var")])), value, value >= 0
    if kind in ("std", "mean"):
        value = draw(st.sampled_from((*BAD_NUMBERS, 0.0, -0.1, 0.2)))
        usable = math.isfinite(value) and (kind == "mean" or value > 0)
        return kind, str(draw(st.integers(0, 3))), value, usable
    value = draw(st.sampled_from(("1", 1.0, None, True, [1], 1)))
    return kind, "format_version", value, type(value) is int


def _apply(checkpoint: dict[str, Any], what: str, where: str, value: Any) -> dict[str, Any]:
    changed = {**checkpoint, "state_dict": dict(checkpoint["state_dict"]), "config": dict(checkpoint["config"])}
    if what in ("tensor", "variance"):
        tensor = changed["state_dict"][where].clone()
        tensor.view(-1)[0] = value
        changed["state_dict"][where] = tensor
    elif what in ("std", "mean"):
        for section in ("config", "model"):  # the U-Net's config, and the model zoo's spec where there is one
            if section in changed:
                changed[section] = dict(changed[section])
                values = list(changed[section][what])
                values[int(where)] = value
                changed[section][what] = values
    else:
        changed["format_version"] = value
    return changed


@PROPERTY
@given(data=st.data())
def test_damaged_checkpoints_are_refused_by_name(checkpoint: dict[str, Any], tmp_path: Path, data: Any) -> None:
    floating = [n for n, t in checkpoint["state_dict"].items() if t.is_floating_point()]
    what, where, value, usable = data.draw(damage(floating))
    path = tmp_path / "changed.pt"
    torch.save(_apply(checkpoint, what, where, value), path)
    if usable:
        assert read_checkpoint(path)["format"]
        return
    with pytest.raises(LandcoverError) as caught:
        read_checkpoint(path)
    assert str(path) in caught.value.message and "\n" not in str(caught.value)


FOREIGN = {
    "onnx": (b"\x08\x08\x12\x10landcover-runner\x1a\x031.0", "this is an ONNX model", "the .pt checkpoint"),
    "cntk": (b"\x08\x02\x12\x11\n\x07version\x12\x06\x08\x02", "this is a CNTK model", "landcover import-cntk"),
    "tiff": (b"II*\x00\x08\x00\x00\x00" + bytes(64), "this is a GeoTIFF", "order of the arguments"),
    "npy": (b"\x93NUMPY\x01\x00v\x00{'descr': '<f4'}", "this is a NumPy .npy array", ".pt"),
    "json": (b'{"type": "Feature"}', "this is a JSON document", ".pt"),
}


@pytest.mark.parametrize("kind", sorted(FOREIGN))
def test_a_model_file_of_another_format_is_named_by_its_content(kind: str, tmp_path: Path) -> None:
    content, message, hint = FOREIGN[kind]
    path = tmp_path / "model.pt"
    path.write_bytes(content)
    with pytest.raises(LandcoverError) as caught:
        read_checkpoint(path)
    assert message in caught.value.message and hint in caught.value.hint


def test_a_folder_or_a_link_loop_is_not_called_missing(tmp_path: Path) -> None:
    (tmp_path / "folder.pt").mkdir()
    (tmp_path / "a.pt").symlink_to(tmp_path / "b.pt")
    (tmp_path / "b.pt").symlink_to(tmp_path / "a.pt")
    with pytest.raises(LandcoverError, match="is a folder, where a model file belongs"):
        read_checkpoint(tmp_path / "folder.pt")
    with pytest.raises(LandcoverError, match="symbolic-link loop"):
        read_checkpoint(tmp_path / "a.pt")
