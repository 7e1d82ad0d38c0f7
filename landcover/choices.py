"""Closed sets of option values: the :class:`Choice` base, and the choices more than one layer reads."""

from __future__ import annotations

import enum


class Choice(enum.StrEnum):
    """A closed set of values for an option; :meth:`aliases` maps older spellings onto current members."""

    @classmethod
    def _missing_(cls, value: object) -> Choice | None:
        alias = cls.aliases().get(str(value))
        return cls(alias) if alias is not None else None

    @classmethod
    def aliases(cls) -> dict[str, str]:
        """Older value spellings that still work (hidden from ``--help``), and the member each stands for."""
        return {}

    @classmethod
    def names(cls) -> list[str]:
        """The values ``--help`` shows, in declaration order."""
        return [member.value for member in cls]


class Precision(Choice):
    """Arithmetic of the forward and backward passes (``--precision``); ``auto`` is chosen per CPU class."""

    auto = "auto"
    bf16 = "bf16"
    fp32 = "fp32"


class Architecture(Choice):
    """The network ``landcover train`` builds (``--model``): the tutorial's U-Net or an smp architecture."""

    tutorial_unet = "tutorial-unet"
    unet = "unet"
    unetplusplus = "unetplusplus"
    fpn = "fpn"
    deeplabv3plus = "deeplabv3plus"
    segformer = "segformer"

    @property
    def default_encoder(self) -> str | None:
        """The encoder used when ``--encoder`` is not given (``None``: the architecture has no choice of encoder)."""
        if self is Architecture.tutorial_unet:
            return None
        return "mit_b0" if self is Architecture.segformer else "resnet18"
