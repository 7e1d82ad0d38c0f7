"""What a model file claims to be, checked where it is read (:func:`landcover.model.checkpoint.read_checkpoint`).

Before loading: the path is a readable file (not a folder, a link loop, a name too long), and not a file of
another format named by its first bytes (an ONNX export, a CNTK model, a GeoTIFF, a NumPy array), which
would otherwise be reported by whatever torch says about it. After loading: the header's types, and the
values a model is only usable with: a finite normalisation with std > 0, BatchNorm variances >= 0.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch

from landcover.io.errors import LandcoverError
from landcover.io.oserrors import check_input_file
from landcover.io.sniff import file_kind

_TORCH_KINDS = ("a PyTorch file", "a legacy PyTorch file", "an empty file")
_REBUILD = "re-create it with landcover train or landcover import-cntk"


def _hint(kind: str, path: Path) -> str:
    if kind == "an ONNX model":
        return "give the .pt checkpoint it was exported from (landcover export makes ONNX from a .pt)"
    if kind == "a CNTK model":
        return f"import it first: landcover import-cntk {path} {path.with_suffix('.pt').name}"
    if kind.startswith("a GeoTIFF"):
        return "that is imagery or labels, not a model: check the order of the arguments"
    return "give a .pt written by landcover train or landcover import-cntk"


def check_model_file(path: Path) -> None:
    """Refuse a model path that is not a readable file, or a file of another format (named by its content).

    Raises:
        LandcoverError: One line naming the file, what it really is and the fix.
    """
    check_input_file(path, "model file")
    kind = file_kind(path)
    if kind is not None and kind not in _TORCH_KINDS and not kind.startswith("a truncated"):
        raise LandcoverError(f"{path}: this is {kind}, not a landcover checkpoint", _hint(kind, path))


def _numbers(value: Any) -> list[float] | None:
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
    ):
        return None
    return [float(v) for v in value]


def check_checkpoint(path: Path, checkpoint: dict[str, Any]) -> None:
    """Refuse a loaded checkpoint whose header or statistics make no usable model.

    ``format_version`` must be an integer; the normalisation's ``mean`` and ``std`` finite numbers, ``std``
    above 0; every BatchNorm ``running_var`` finite and >= 0. (A NaN std or a negative variance maps every
    pixel to one class with no error at all.)

    Raises:
        LandcoverError: One line naming the file and the bad field.
    """
    version = checkpoint.get("format_version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise LandcoverError(
            f"{path}: damaged checkpoint (format_version is {version!r}, not a whole number)", _REBUILD
        )
    for section in ("config", "model"):  # the U-Net's config; the model zoo's spec
        _check_normalisation(path, checkpoint.get(section))
    state = checkpoint.get("state_dict")
    if not isinstance(state, dict):
        return
    for name, tensor in state.items():
        if str(name).endswith("running_var") and torch.is_tensor(tensor) and bool((tensor < 0).any()):
            raise LandcoverError(
                f"{path}: damaged checkpoint (negative BatchNorm variance in {name})",
                "use an earlier checkpoint (epoch-NNNN.pt), or " + _REBUILD,
            )


def _check_normalisation(path: Path, config: Any) -> None:
    """Refuse a stored normalisation whose mean or std is not finite, or whose std is not above 0."""
    if not isinstance(config, dict):
        return
    for name in ("mean", "std"):
        if config.get(name) is None:  # a normalisation without statistics (e.g. per window)
            continue
        values = _numbers(config.get(name))
        if values is None or not all(math.isfinite(v) for v in values):
            raise LandcoverError(f"{path}: damaged checkpoint (normalisation {name} {config.get(name)!r})", _REBUILD)
        if name == "std" and any(v <= 0 for v in values):
            raise LandcoverError(f"{path}: damaged checkpoint (normalisation std {values} must be above 0)", _REBUILD)
