"""The model registry: which networks ``landcover`` builds, the :class:`ModelSpec` that describes one, and its checks.

Every checkpoint stores its model's :class:`ModelSpec` (``model``), so any command that loads it rebuilds the
network without being told the architecture again. ``tutorial-unet`` is the 2018 tutorial's U-Net
(:mod:`landcover.model.unet`); every other architecture is built by segmentation-models-pytorch from the spec
(:mod:`landcover.model.zoo`), with any encoder smp offers, timm's through ``tu-NAME``.
"""

from __future__ import annotations

import difflib
import functools
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from landcover.choices import Architecture
from landcover.io.errors import LandcoverError

if TYPE_CHECKING:
    from torch import nn

    from landcover.model.build import Network
    from landcover.model.unet import ModelConfig

WEIGHTS_NONE = "none"
WEIGHTS_IMAGENET = "imagenet"

SHORT_LIST: dict[Architecture, tuple[str, ...]] = {
    Architecture.tutorial_unet: ("",),
    Architecture.unet: ("resnet18", "resnet34", "efficientnet-b0", "mobilenet_v2", "tu-convnext_tiny"),
    Architecture.unetplusplus: ("resnet18", "efficientnet-b0"),
    Architecture.fpn: ("resnet18", "mobilenet_v2", "efficientnet-b0"),
    Architecture.deeplabv3plus: ("resnet18", "mobilenet_v2"),
    Architecture.segformer: ("mit_b0", "mit_b1"),
}
"""The encoders ``landcover models`` lists for each architecture (any smp encoder works)."""

SMP_NAMES: dict[Architecture, str] = {
    Architecture.unet: "Unet",
    Architecture.unetplusplus: "UnetPlusPlus",
    Architecture.fpn: "FPN",
    Architecture.deeplabv3plus: "DeepLabV3Plus",
    Architecture.segformer: "Segformer",
}


class ModelSpec(BaseModel):
    """Everything needed to rebuild a network: stored as ``model`` in every checkpoint.

    Attributes:
        architecture: ``tutorial-unet`` or a segmentation-models-pytorch architecture.
        encoder: The smp encoder (``resnet18``, ``mit_b0``, ``tu-convnext_tiny``, ...); ``None`` for the tutorial's.
        weights: Where the encoder's starting weights came from: ``none``, ``imagenet`` or a file's path
            (a record only: a checkpoint's own weights are what it loads).
        in_channels: Input bands (R, G, B, NIR).
        classes: Output classes.
        normalisation: ``dataset`` (fixed per-band mean and standard deviation) or ``window`` (the tutorial's).
        mean: Per-band mean of [0, 1] input.
        std: Per-band standard deviation.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    architecture: Architecture = Architecture.tutorial_unet
    encoder: str | None = None
    weights: str = WEIGHTS_NONE
    in_channels: int = 4
    classes: int = 5
    normalisation: Literal["window", "dataset"] = "dataset"
    mean: tuple[float, ...] = (0.5, 0.5, 0.5, 0.5)
    std: tuple[float, ...] = (0.25, 0.25, 0.25, 0.25)

    @property
    def is_zoo(self) -> bool:
        """Built by segmentation-models-pytorch (every architecture but the tutorial's U-Net)."""
        return self.architecture is not Architecture.tutorial_unet

    @property
    def name(self) -> str:
        """``unet/resnet18``, ``tutorial-unet``: how messages and tables name the model."""
        return f"{self.architecture.value}/{self.encoder}" if self.encoder else self.architecture.value

    def to_stored(self) -> dict[str, Any]:
        """Plain JSON values, as a checkpoint stores them."""
        return self.model_dump(mode="json")


@functools.cache
def smp_encoders() -> tuple[str, ...]:
    """The encoders segmentation-models-pytorch builds by name (timm's come as ``tu-NAME``)."""
    from segmentation_models_pytorch.encoders import get_encoder_names

    return tuple(name for name in get_encoder_names() if not name.startswith("timm-"))


@functools.cache
def timm_models() -> tuple[str, ...]:
    """The names of timm's models that build as feature extractors, each usable as ``tu-NAME``."""
    import timm

    return tuple(timm.list_models())


def closest(name: str, known: tuple[str, ...] | list[str]) -> str:
    """``; closest: NAME`` for the nearest known name by :mod:`difflib`, or an empty string."""
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    return f"; closest: {match[0]}" if match else ""


def check_encoder(architecture: Architecture, encoder: str | None) -> str | None:
    """The encoder a run uses (the architecture's default when not given), checked to exist.

    Raises:
        LandcoverError: An encoder for the tutorial's U-Net, or a name neither smp nor timm knows.
    """
    if architecture is Architecture.tutorial_unet:
        if encoder:
            raise LandcoverError(
                f"--encoder {encoder}: --model tutorial-unet has its own fixed encoder",
                "leave out --encoder, or choose --model unet (or another zoo architecture)",
            )
        return None
    encoder = encoder or architecture.default_encoder
    assert encoder is not None
    if encoder.startswith("tu-"):
        if encoder[3:] in timm_models():
            return encoder
        hint = closest(encoder[3:], timm_models()).replace("closest: ", "closest: tu-")
        raise LandcoverError(f"--encoder {encoder}: timm has no model {encoder[3:]}{hint}", "see: landcover models")
    if encoder not in smp_encoders():
        listed = ", ".join(sorted({e for names in SHORT_LIST.values() for e in names if e}))
        raise LandcoverError(
            f"--encoder {encoder} is not known{closest(encoder, smp_encoders())}",
            f"use one of {len(smp_encoders())} smp encoders (e.g. {listed}) or tu-NAME for a timm model",
        )
    return encoder


def spec_config(spec: ModelSpec) -> ModelConfig:
    """The :class:`~landcover.model.unet.ModelConfig` of a spec (bands, classes, normalisation)."""
    from landcover.model.unet import ModelConfig

    return ModelConfig(
        in_channels=spec.in_channels,
        num_classes=spec.classes,
        normalisation=spec.normalisation,
        mean=tuple(spec.mean),
        std=tuple(spec.std),
    )


def spec_of(model: Network | nn.Module) -> ModelSpec:
    """The spec of a built model (the tutorial's U-Net: from its config)."""
    spec = getattr(model, "spec", None)
    if isinstance(spec, ModelSpec):
        return spec
    config: ModelConfig = model.config  # type: ignore[assignment]
    return ModelSpec(
        in_channels=config.in_channels,
        classes=config.num_classes,
        normalisation=config.normalisation,
        mean=tuple(config.mean),
        std=tuple(config.std),
    )
