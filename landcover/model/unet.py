"""The tutorial's U-Net (``model_mini_pub``), ported layer for layer to PyTorch.

The architecture follows ``shared/design/seed-model.md`` exactly, so the tutorial's pretrained CNTK weights
load into it (see :mod:`landcover.cntk.importer`). The network is fully convolutional: any input whose height
and width are divisible by 8 works. The tutorial's centre crop is *not* part of the module; callers score or
keep the centre themselves.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Literal

import torch
from torch import nn

Normalisation = Literal["window", "dataset"]

IN_CHANNELS = 4
NUM_CLASSES = 5
BN_EPS = 1e-5
NEAR_ZERO = 1e-3


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the network.

    Attributes:
        in_channels: Input bands (R, G, B, NIR).
        num_classes: Output classes (0 unknown, 1 water, 2 trees, 3 herbaceous, 4 barren/impervious).
        widths: Channel widths of the four encoder stages (the tutorial's ``c_map``).
        blocks_per_stage: Basic blocks per encoder stage (the tutorial's ``num_stack_layers``).
        normalisation: ``window`` (the tutorial's per-window R, G, B mean subtraction) or ``dataset``
            (fixed per-channel mean and standard deviation).
        mean: Per-channel mean for ``dataset`` normalisation (inputs in [0, 1]).
        std: Per-channel standard deviation for ``dataset`` normalisation.
    """

    in_channels: int = IN_CHANNELS
    num_classes: int = NUM_CLASSES
    widths: tuple[int, int, int, int] = (64, 32, 32, 32)
    blocks_per_stage: int = 2
    normalisation: Normalisation = "dataset"
    mean: tuple[float, ...] = field(default=(0.5, 0.5, 0.5, 0.5))
    std: tuple[float, ...] = field(default=(0.25, 0.25, 0.25, 0.25))

    def __post_init__(self) -> None:
        if self.normalisation not in ("window", "dataset"):
            raise ValueError(f"unknown normalisation {self.normalisation!r}: use 'window' or 'dataset'")
        if len(self.mean) != self.in_channels or len(self.std) != self.in_channels:
            raise ValueError("mean and std need one value per input channel")
        if any(s <= 0 for s in self.std):
            raise ValueError("std values must be positive")


class InputNormalisation(nn.Module):
    """Normalises [0, 1] imagery as the model was trained to see it.

    ``window`` subtracts each sample's spatial mean from R, G and B (NIR untouched), as the tutorial did;
    ``dataset`` applies a fixed per-channel ``(x - mean) / std``, which is independent of the window.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.mode = config.normalisation
        self.mean: torch.Tensor
        self.std: torch.Tensor
        self.register_buffer("mean", torch.tensor(config.mean).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(config.std).view(1, -1, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise a (N, C, H, W) batch."""
        if self.mode == "window":
            rgb = x[:, :3]
            rgb = rgb - rgb.mean(dim=(2, 3), keepdim=True)
            return torch.cat([rgb, x[:, 3:]], dim=1)
        return (x - self.mean) / self.std


class ConvBN(nn.Module):
    """3x3 convolution without bias, then BatchNorm; optional ReLU (the tutorial's ``conv_bn[_relu]``)."""

    def __init__(self, in_channels: int, out_channels: int, *, stride: int = 1, relu: bool = True) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=BN_EPS)
        self.relu = relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply convolution, BatchNorm and (optionally) ReLU."""
        y = self.bn(self.conv(x))
        return torch.relu_(y) if self.relu else y


class BasicBlock(nn.Module):
    """``relu(conv_bn(conv_bn_relu(x)))`` with no residual add (the tutorial's shortcut was commented out)."""

    def __init__(self, in_channels: int, out_channels: int, *, stride: int = 1) -> None:
        super().__init__()
        self.first = ConvBN(in_channels, out_channels, stride=stride)
        self.second = ConvBN(out_channels, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply both convolutions."""
        return self.second(self.first(x))


def _stage(in_channels: int, out_channels: int, blocks: int, *, downsample: bool) -> nn.Sequential:
    layers = [BasicBlock(in_channels, out_channels, stride=2 if downsample else 1)]
    layers += [BasicBlock(out_channels, out_channels) for _ in range(blocks - 1)]
    return nn.Sequential(*layers)


def _upsample(channels: int) -> nn.ConvTranspose2d:
    return nn.ConvTranspose2d(channels, channels, 3, stride=2, padding=1, output_padding=1, bias=False)


class TutorialUNet(nn.Module):
    """The tutorial's land-cover U-Net; returns ReLU'd class scores at the input's resolution."""

    def __init__(self, config: ModelConfig | None = None) -> None:
        super().__init__()
        self.config = config or ModelConfig()
        c1, c2, c3, c4 = self.config.widths
        blocks = self.config.blocks_per_stage
        self.normalise = InputNormalisation(self.config)
        self.stem = ConvBN(self.config.in_channels, c1, relu=False)
        self.stage1 = _stage(c1, c1, blocks, downsample=False)
        self.stage2 = _stage(c1, c2, blocks, downsample=True)
        self.stage3 = _stage(c2, c3, blocks, downsample=True)
        self.stage4 = _stage(c3, c4, blocks, downsample=True)
        self.up4 = _upsample(c4)
        self.skip3 = nn.Conv2d(c3, c3, 1)
        self.lateral3 = nn.Conv2d(c4, c3, 1)
        self.up3 = _upsample(c3)
        self.skip2 = nn.Conv2d(c2, c2, 1)
        self.lateral2 = nn.Conv2d(c3, c2, 1)
        self.up2 = _upsample(c2)
        self.input1 = nn.Conv2d(self.config.in_channels, c1, 3, padding=1)
        self.skip1 = nn.Conv2d(c1, c1, 1)
        self.lateral1 = nn.Conv2d(c2, c1, 1)
        self.classifier = nn.Conv2d(c1, self.config.num_classes, 3, padding=1)
        initialise(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (N, classes, H, W) for imagery (N, bands, H, W) scaled to [0, 1]."""
        x0 = self.normalise(x)
        r1 = self.stage1(self.stem(x0))
        r2 = self.stage2(r1)
        r3 = self.stage3(r2)
        r4 = self.stage4(r3)
        # Sums and ReLUs in place: no new full-resolution buffers (allocating them cost more than the maths),
        # and safe for autograd (convolutions keep their inputs, not their outputs, for the backward pass).
        o3 = self.skip3(r3)
        o3 += self.lateral3(self.up4(r4))
        o2 = self.skip2(r2)
        o2 += self.lateral2(self.up3(torch.relu_(o3)))
        o1 = self.input1(x0)
        o1 += self.skip1(r1)
        o1 += self.lateral1(self.up2(torch.relu_(o2)))
        return torch.relu_(self.classifier(torch.relu_(o1)))


def bilinear_kernel(channels: int, size: int = 3) -> torch.Tensor:
    """A (channels, channels, size, size) transposed-convolution kernel doing bilinear upsampling."""
    factor = (size + 1) // 2
    centre = factor - 1 if size % 2 == 1 else factor - 0.5
    ramp = 1 - torch.abs(torch.arange(size, dtype=torch.float32) - centre) / factor
    kernel2d = ramp[:, None] * ramp[None, :]
    weight = torch.zeros(channels, channels, size, size)
    for c in range(channels):
        weight[c, c] = kernel2d
    return weight


SeedUNet = TutorialUNet
"""The name of :class:`TutorialUNet` in landcover-runner 0.1, kept so that code written against it still runs."""


@torch.no_grad()
def initialise(model: TutorialUNet) -> None:
    """The tutorial's initialisation.

    He-normal for convolutions that feed a ReLU (directly, through BatchNorm, or through the decoder's sums),
    near-zero uniform for the stem convolution (BatchNorm without ReLU follows it), bilinear kernels for
    the transposed convolutions, zero biases, BatchNorm at identity.
    """
    for module in model.modules():
        if isinstance(module, nn.ConvTranspose2d):
            module.weight.copy_(bilinear_kernel(module.in_channels, module.kernel_size[0]))
        elif isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
    nn.init.uniform_(model.stem.conv.weight, -NEAR_ZERO, NEAR_ZERO)


def parameter_count(model: nn.Module) -> int:
    """Stored floats as the tutorial counted them: weights, biases and BatchNorm running statistics."""
    return sum(t.numel() for t in model.state_dict().values())


def predicted_classes(scores: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """The predicted class per pixel: the best-scoring *known* class (1-4).

    Class 0 (unknown) carries no loss in training, so its score means nothing; it is only ever assigned
    to nodata pixels, by the caller.
    """
    return scores.narrow(dim, 1, scores.shape[dim] - 1).argmax(dim) + 1


def fused_for_inference(model: TutorialUNet) -> TutorialUNet:
    """A copy of an eval-mode model with every BatchNorm folded into its convolution (same outputs, less work)."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    fused = copy.deepcopy(model).eval()
    for module in fused.modules():
        if isinstance(module, ConvBN):
            module.conv = fuse_conv_bn_eval(module.conv, module.bn)
            module.bn = nn.Identity()  # type: ignore[assignment]
    return fused
