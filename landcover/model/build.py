"""Building any network of the registry: the tutorial's U-Net or a zoo network, from its :class:`ModelSpec`."""

from __future__ import annotations

from typing import TypeAlias

from landcover.model.registry import ModelSpec, spec_config, spec_of
from landcover.model.unet import TutorialUNet
from landcover.model.zoo import ZooModel

Network: TypeAlias = TutorialUNet | ZooModel
"""Every network a checkpoint holds: both take [0, 1] imagery and return class scores at the input's size."""


def build_network(spec: ModelSpec) -> Network:
    """A freshly initialised network for ``spec`` (no pretrained weights: those are loaded separately).

    Raises:
        LandcoverError: The encoder does not work with the architecture (smp refuses the pair).
    """
    if not spec.is_zoo:
        return TutorialUNet(spec_config(spec))
    return ZooModel(spec)


def fresh_copy(model: Network) -> Network:
    """A new contiguous fp32 network of the same spec, holding the model's weights."""
    copy: Network = TutorialUNet(model.config) if isinstance(model, TutorialUNet) else build_network(spec_of(model))
    copy.load_state_dict(model.state_dict())
    return copy
