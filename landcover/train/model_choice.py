"""Which network a training run builds (``--model``, ``--encoder``, ``--weights``, ``--init-from``), checked first.

- The model is resolved before any work: ``--init-from`` gives its checkpoint's architecture when ``--model`` is
  not given, and refuses another; the encoder must exist and work with the architecture (built once to see).
- ``--weights imagenet | PATH`` are read (or downloaded) before the run writes anything, and only for a run that
  has no checkpoint to resume from (a resumed run holds its weights already).
- A fresh zoo network's normalisation follows its weights (:mod:`landcover.model.pretrained`); without
  pretrained weights it uses the training set's statistics, as the tutorial's U-Net does.
- ``--freeze-encoder-epochs N`` holds the encoder for the first N epochs: its parameter group's learning rate is
  0 (AdamW's decoupled weight decay is scaled by the rate too, so the weights do not move), which keeps the set
  of trained parameters fixed for data-parallel training and for the optimiser state a resume restores.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from landcover.choices import Architecture
from landcover.io.errors import LandcoverError
from landcover.model.build import Network, build_network
from landcover.model.checkpoint import read_checkpoint, spec_of_checkpoint
from landcover.model.pretrained import EncoderWeights, encoder_weights, four_band_statistics, load_encoder_weights
from landcover.model.registry import ModelSpec, check_encoder
from landcover.settings import TrainSettings

ENCODER_GROUP = "encoder"
"""The ``name`` of a zoo network's encoder parameter group in the optimiser."""


def resolve_model(settings: TrainSettings) -> TrainSettings:
    """Settings with ``model`` and ``encoder`` filled in and checked (``--init-from``'s when not given).

    Raises:
        LandcoverError: An unknown encoder, an encoder that does not work with the architecture, or an
            ``--init-from`` checkpoint of another architecture than ``--model``.
    """
    model, encoder = settings.model, settings.encoder
    if settings.init_from is not None:
        spec = spec_of_checkpoint(read_checkpoint(settings.init_from))
        architecture = model or spec.architecture
        default = spec.encoder if architecture is spec.architecture else architecture.default_encoder
        asked = ModelSpec(architecture=architecture, encoder=encoder or default)
        if (asked.architecture, asked.encoder) != (spec.architecture, spec.encoder):
            raise LandcoverError(
                f"--init-from {settings.init_from} holds a {spec.name}, not the {asked.name} asked for with --model",
                f"leave out --model/--encoder to fine-tune the {spec.name}, or train the {asked.name} from --weights",
            )
        model, encoder = spec.architecture, spec.encoder
    model = model or Architecture.tutorial_unet
    encoder = check_encoder(model, encoder)
    if model is not Architecture.tutorial_unet and settings.init_from is None:
        build_network(ModelSpec(architecture=model, encoder=encoder))  # smp refuses a pair that does not work
    return settings.model_copy(update={"model": model, "encoder": encoder})


def fetch_weights(settings: TrainSettings, model_dir: Path) -> EncoderWeights | None:
    """The pretrained encoder weights a new run starts from (``None``: none asked for, or the run resumes).

    Raises:
        LandcoverError: As :func:`landcover.model.pretrained.encoder_weights`.
    """
    if settings.weights == "none" or any(model_dir.glob("epoch-*.pt")):
        return None
    assert settings.model is not None
    spec = ModelSpec(architecture=settings.model, encoder=settings.encoder, weights=settings.weights)
    weights = encoder_weights(spec)
    if weights is not None:  # a file for another encoder or band count fails here, before the run writes anything
        load_encoder_weights(build_network(spec).encoder, weights, spec.in_channels)  # type: ignore[arg-type]
    return weights


def new_zoo_model(
    settings: TrainSettings,
    weights: EncoderWeights | None,
    dataset_statistics: Callable[[], tuple[list[float], list[float]]],
    say: Callable[[str], None],
) -> Network:
    """A fresh zoo network, seeded, its encoder loaded from ``weights`` (adapted to four bands) when given.

    Raises:
        LandcoverError: The weights do not fit the encoder (one line naming the layer).
    """
    assert settings.model is not None
    bands = 4
    if weights is not None:
        mean, std = four_band_statistics(weights.mean, bands), four_band_statistics(weights.std, bands)
    else:
        mean_list, std_list = dataset_statistics()
        mean, std = tuple(mean_list), tuple(std_list)
    spec = ModelSpec(
        architecture=settings.model,
        encoder=settings.encoder,
        weights=settings.weights,
        in_channels=bands,
        mean=mean,
        std=std,
    )
    torch.manual_seed(settings.seed)
    model = build_network(spec)
    if weights is not None:
        adapted = load_encoder_weights(model.encoder, weights, bands)  # type: ignore[arg-type]
        changed = ", ".join(adapted) or "no layer"
        say(f"{spec.name}: encoder weights from {weights.source}; adapted from RGB to 4 bands: {changed}")
    say(f"{spec.name}: normalisation mean {[round(v, 3) for v in mean]} std {[round(v, 3) for v in std]}")
    return model


def parameter_groups(model: nn.Module) -> list[dict[str, Any]] | Any:
    """What the optimiser trains: a zoo network's encoder and the rest as two groups; the tutorial's as one."""
    encoder = getattr(model, "encoder", None)
    if not isinstance(encoder, nn.Module):
        return model.parameters()
    inside = {id(p) for p in encoder.parameters()}
    rest = [p for p in model.parameters() if id(p) not in inside]
    return [{"params": list(encoder.parameters()), "name": ENCODER_GROUP}, {"params": rest, "name": "decoder"}]


def hold_encoder(optimizer: torch.optim.Optimizer, epoch: int, frozen_epochs: int) -> None:
    """Scale the encoder group's learning rate by 0 during the first ``frozen_epochs`` epochs, by 1 after."""
    for group in optimizer.param_groups:
        if group.get("name") == ENCODER_GROUP:
            group["lr_scale"] = 0.0 if epoch <= frozen_epochs else 1.0
