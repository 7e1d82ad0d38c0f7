"""A segmentation-models-pytorch network behind the same contract as the tutorial's U-Net.

:class:`ZooModel` takes [0, 1]-scaled (N, bands, H, W) imagery and returns class scores (N, classes, H, W) at
the input's size: the input normalisation is inside the module (as in :class:`~landcover.model.unet.TutorialUNet`),
and sides that are not multiples of the encoder's stride (32) are reflect-padded inside and cropped back, so
any input whose sides are multiples of 8 works, as with the tutorial's network.
"""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F
from torch import nn

from landcover.io.errors import LandcoverError
from landcover.model.registry import SMP_NAMES, ModelSpec, spec_config
from landcover.model.unet import InputNormalisation

STRIDE = 32
"""The encoders downsample five times: inputs are padded to multiples of this inside the module."""


def create_smp(spec: ModelSpec) -> nn.Module:
    """The smp network for a spec, randomly initialised (weights are loaded separately).

    Raises:
        LandcoverError: smp refuses the encoder for the architecture.
    """
    import segmentation_models_pytorch as smp

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return smp.create_model(
                SMP_NAMES[spec.architecture],
                encoder_name=spec.encoder or "",
                encoder_weights=None,
                in_channels=spec.in_channels,
                classes=spec.classes,
            )
    except (ValueError, KeyError, AttributeError, TypeError, AssertionError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LandcoverError(
            f"--encoder {spec.encoder} does not work with --model {spec.architecture.value}: {reason}",
            "choose another encoder for it (landcover models lists working pairs)",
        ) from exc


class ZooModel(nn.Module):
    """An smp architecture with its input normalisation, for [0, 1] imagery of any size divisible by 8."""

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__()
        self.spec = spec
        self.config = spec_config(spec)
        self.normalise = InputNormalisation(self.config)
        self.net = create_smp(spec)

    @property
    def encoder(self) -> nn.Module:
        """The encoder (what ``--weights`` loads and ``--freeze-encoder-epochs`` holds)."""
        encoder: nn.Module = self.net.encoder  # type: ignore[assignment]
        return encoder

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (N, classes, H, W) for imagery (N, bands, H, W) scaled to [0, 1]."""
        height, width = x.shape[-2:]
        pad_h, pad_w = -height % STRIDE, -width % STRIDE
        x = self.normalise(x)
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h), mode="reflect")
        scores: torch.Tensor = self.net(x)
        if pad_h or pad_w:
            scores = scores[..., :height, :width]
        return scores
