"""Pretrained encoder weights for four bands: ImageNet's (downloaded once) or a file's, adapted to R, G, B, NIR.

**The four-band adaptation.** An RGB-pretrained first convolution has filters (out, 3, k, k). The adapted one
keeps the R, G and B filters and gives NIR the mean of the three, then scales all four by 3/4, so that on
imagery whose NIR is like its visible bands the convolution's output keeps the magnitude it had with three
bands (the next layers and BatchNorm statistics expect it). This is the rule timm (``adapt_input_conv``) and
segmentation-models-pytorch (``patch_first_conv``) apply for ``in_chans != 3`` -- copied filters scaled by
3 / in_chans -- with the extra band taking the mean of R, G and B rather than R's filter again.

**Normalisation** follows the weights: their own per-band mean and standard deviation for R, G and B
(ImageNet's, read from the weights' configuration), and for NIR the mean of the three.

**Where weights come from.** ``imagenet``: segmentation-models-pytorch's copies on the Hugging Face hub (timm's
for ``tu-`` encoders), cached under ``HF_HOME`` (``~/.cache/huggingface``; older timm weights under
``TORCH_HOME``, ``~/.cache/torch``). Without a network and an empty cache, the run stops before it writes
anything, naming the cache and ``--weights PATH``. ``PATH``: a ``.pt`` / ``.pth`` / ``.safetensors`` file
holding the encoder's state dict -- bare, in a ``state_dict`` / ``model`` entry, under an ``encoder.`` prefix
(a whole smp model) or as a timm model's (``tu-`` encoders) -- with three bands (adapted) or as many as the model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from landcover.io.errors import LandcoverError
from landcover.model.registry import WEIGHTS_IMAGENET, WEIGHTS_NONE, ModelSpec

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
RGB = 3
CLASSIFIER_HEADS = ("fc.", "classifier.", "head.", "last_linear.", "head_")
"""Layers of an ImageNet classifier that an encoder leaves out: a file may hold them."""


@dataclass(frozen=True)
class EncoderWeights:
    """An encoder's pretrained state dict (as its file holds it) and the normalisation it was trained with."""

    state: dict[str, torch.Tensor]
    source: str
    mean: tuple[float, ...]
    std: tuple[float, ...]


def four_band_statistics(values: tuple[float, ...] | list[float], bands: int) -> tuple[float, ...]:
    """R, G, B statistics extended to ``bands``: each extra band (NIR) gets the mean of the three."""
    rgb = tuple(float(v) for v in values[:RGB])
    return rgb + (sum(rgb) / RGB,) * (bands - RGB)


def adapt_first_conv(weight: torch.Tensor, bands: int) -> torch.Tensor:
    """An RGB convolution's weight (out, 3, k, k) for ``bands`` inputs: RGB kept, extra bands their mean, x 3/bands."""
    extra = weight.mean(dim=1, keepdim=True).expand(-1, bands - RGB, -1, -1)
    return torch.cat([weight, extra], dim=1) * (RGB / bands)


def _unwrap(loaded: Any, path: Path) -> dict[str, torch.Tensor]:
    """The state dict inside a loaded file: bare, or under ``state_dict`` / ``model`` / ``model_state_dict``."""
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(loaded, dict) and isinstance(loaded.get(key), dict):
            loaded = loaded[key]
    if not isinstance(loaded, dict) or not all(torch.is_tensor(v) for v in loaded.values()) or not loaded:
        raise LandcoverError(
            f"--weights {path}: holds no state dict of tensors", "give an encoder's state dict or a timm/smp checkpoint"
        )
    state = {k.removeprefix("module."): v for k, v in loaded.items()}
    if any(k.startswith("encoder.") for k in state):  # a whole smp model: its encoder's part
        state = {k.removeprefix("encoder."): v for k, v in state.items() if k.startswith("encoder.")}
    return state


def read_weights_file(path: Path) -> dict[str, torch.Tensor]:
    """The state dict a ``--weights PATH`` file holds.

    Raises:
        LandcoverError: The file is missing, unreadable or holds no state dict.
    """
    if not path.is_file():
        raise LandcoverError(f"--weights {path}: no such file", "give none, imagenet or the path of a weights file")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return _unwrap(load_file(str(path)), path)
        return _unwrap(torch.load(path, map_location="cpu", weights_only=True), path)
    except LandcoverError:
        raise
    except Exception as exc:  # torch and safetensors raise many types for a file of another kind
        raise LandcoverError(
            f"--weights {path}: not a readable weights file ({type(exc).__name__})",
            "give a .pt/.pth/.safetensors state dict or timm/smp checkpoint",
        ) from exc


def cache_folders() -> str:
    """Where downloaded weights are cached: ``HF_HOME`` (and ``TORCH_HOME`` for timm's older weights)."""
    hf = os.environ.get("HF_HOME") or str(Path("~/.cache/huggingface").expanduser())
    torch_home = os.environ.get("TORCH_HOME") or str(Path("~/.cache/torch").expanduser())
    return f"HF_HOME={hf}, TORCH_HOME={torch_home}"


def _imagenet_stats(encoder: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The R, G, B mean and standard deviation the encoder's ImageNet weights were trained with."""
    from segmentation_models_pytorch.encoders import get_preprocessing_params

    try:
        params = get_preprocessing_params(encoder, "imagenet")
        return tuple(params["mean"]), tuple(params["std"])
    except (KeyError, ValueError, OSError):
        return IMAGENET_MEAN, IMAGENET_STD


def download_imagenet(spec: ModelSpec) -> dict[str, torch.Tensor]:
    """The encoder's ImageNet state dict (three bands), from the hub's cache or downloaded into it.

    Raises:
        LandcoverError: The encoder has no ImageNet weights, or they are neither cached nor downloadable.
    """
    import segmentation_models_pytorch as smp
    from segmentation_models_pytorch.encoders import encoders

    name = spec.encoder or ""
    if not name.startswith("tu-") and WEIGHTS_IMAGENET not in encoders[name]["pretrained_settings"]:
        offered = ", ".join(encoders[name]["pretrained_settings"]) or "none"
        raise LandcoverError(
            f"--weights imagenet: encoder {name} has no ImageNet weights (it offers: {offered})",
            "use --weights none, --weights PATH, or an encoder with ImageNet weights (e.g. resnet18)",
        )
    try:
        which: bool | str = True if name.startswith("tu-") else "imagenet"
        encoder = smp.encoders.get_encoder(name, in_channels=RGB, weights=which)
    except (OSError, RuntimeError, ValueError) as exc:  # no network, no cache (huggingface_hub, urllib, timm)
        raise LandcoverError(
            f"--weights imagenet: the {name} ImageNet weights are not cached and could not be downloaded "
            f"({type(exc).__name__}); looked in {cache_folders()}",
            "connect to the internet once (they are cached), or download them elsewhere and give --weights PATH",
        ) from exc
    return {k: v.detach().clone() for k, v in encoder.state_dict().items()}


def encoder_weights(spec: ModelSpec) -> EncoderWeights | None:
    """The encoder weights ``spec.weights`` names (``None`` for ``none``), read or downloaded, not yet adapted.

    Raises:
        LandcoverError: A missing or unreadable file, no ImageNet weights for the encoder, or no network.
    """
    if spec.weights == WEIGHTS_NONE:
        return None
    if spec.weights == WEIGHTS_IMAGENET:
        state = download_imagenet(spec)
        mean, std = _imagenet_stats(spec.encoder or "")
        return EncoderWeights(state, "imagenet", mean, std)
    path = Path(spec.weights)
    return EncoderWeights(read_weights_file(path), str(path), IMAGENET_MEAN, IMAGENET_STD)


def _match_keys(state: dict[str, torch.Tensor], expected: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The file's keys as the encoder names them (a timm model's weights under a ``tu-`` encoder's ``model.``)."""
    if not any(k in expected for k in state) and any(f"model.{k}" in expected for k in state):
        return {f"model.{k}": v for k, v in state.items()}
    return state


def load_encoder_weights(encoder: nn.Module, weights: EncoderWeights, bands: int) -> list[str]:
    """Load pretrained weights into a ``bands``-band encoder, adapting RGB input convolutions (module docstring).

    Returns:
        The names of the adapted layers.

    Raises:
        LandcoverError: A layer the encoder has is missing from the weights, or does not fit them (another
            encoder, or another band count): one line naming the layer.
    """
    expected = encoder.state_dict()
    state = _match_keys(weights.state, expected)
    adapted, fitted = [], {}
    for name, tensor in expected.items():
        if name not in state:
            raise LandcoverError(
                f"--weights {weights.source}: no {name} in it (weights of another encoder?)",
                "give weights of the --encoder the run builds",
            )
        given = state[name]
        if given.shape != tensor.shape and given.dim() == 4 and given.shape[1] == RGB and tensor.shape[1] == bands:
            given = adapt_first_conv(given.float(), bands)
            adapted.append(name)
        if given.shape != tensor.shape:
            raise LandcoverError(
                f"--weights {weights.source}: layer {name} is {tuple(given.shape)}, the {bands}-band encoder's is "
                f"{tuple(tensor.shape)}",
                "give weights of the --encoder the run builds, with 3 (RGB) or 4 bands",
            )
        fitted[name] = given.to(tensor.dtype)
    extra = [k for k in state if k not in expected and not k.removeprefix("model.").startswith(CLASSIFIER_HEADS)]
    if extra:
        raise LandcoverError(
            f"--weights {weights.source}: layer {extra[0]} is not in the encoder"
            f"{f' (and {len(extra) - 1} more)' if len(extra) > 1 else ''}: weights of another encoder",
            "give weights of the --encoder the run builds",
        )
    encoder.load_state_dict(fitted)
    return adapted
