"""The one checkpoint format: weights plus everything needed to rebuild and use the model.

A checkpoint is a ``.pt`` file holding a plain dictionary (loadable with ``torch.load(...,
weights_only=True)``)::

    format          "landcover-runner/checkpoint"
    format_version  1
    config          ModelConfig fields (architecture and normalisation with its statistics)
    model           the ModelSpec (architecture, encoder, weights, bands, classes, normalisation); absent
                    in checkpoints written before the model zoo, which hold the tutorial's U-Net
    classes         class names, in score order
    colours         RGB colour per class
    label_map       raw label value -> class
    provenance      where the weights came from (source file, command, creation time, ...)
    state_dict      the model's weights and BatchNorm statistics
    training        optional: the state for resuming a run (landcover.train.state.TrainingState, stored form)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from clibase.atomic import atomic_path
from landcover.constants import CLASS_COLOURS, CLASS_NAMES, LABEL_MAP
from landcover.io.errors import LandcoverError
from landcover.model.build import build_network
from landcover.model.registry import ModelSpec, spec_of
from landcover.model.unet import ModelConfig, TutorialUNet
from landcover.model.validate import check_checkpoint, check_model_file

if TYPE_CHECKING:
    from landcover.model.build import Network

FORMAT = "landcover-runner/checkpoint"
FORMAT_VERSION = 2
"""The newest format this landcover reads. 1: the tutorial's U-Net (what every tutorial-unet checkpoint still
says, so earlier releases read them); 2: a model of the zoo, rebuilt from its ``model`` entry."""


def config_to_dict(config: ModelConfig) -> dict[str, Any]:
    """Plain-Python form of a model configuration (lists instead of tuples)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()}


def config_from_dict(values: dict[str, Any]) -> ModelConfig:
    """Rebuild a ModelConfig from :func:`config_to_dict` output."""
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    return ModelConfig(**fields)


def spec_of_checkpoint(checkpoint: dict[str, Any]) -> ModelSpec:
    """The checkpoint's model spec (before the zoo: the tutorial's U-Net with its stored config)."""
    if "model" in checkpoint:
        return ModelSpec.model_validate(checkpoint["model"])
    config = config_from_dict(dict(checkpoint["config"]))
    return ModelSpec(
        in_channels=config.in_channels,
        classes=config.num_classes,
        normalisation=config.normalisation,
        mean=config.mean,
        std=config.std,
    )


def make_checkpoint(
    model: torch.nn.Module, *, provenance: dict[str, Any], training: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Assemble the checkpoint dictionary for a model.

    Args:
        model: The network (its config travels with it).
        provenance: Where the weights came from; a creation time is added.
        training: Optional resume state (optimiser, epoch, ...).

    Returns:
        The dictionary that :func:`save_checkpoint` writes.
    """
    state = {
        k: v.detach().to("cpu", torch.float32) if v.is_floating_point() else v.detach().cpu()
        for k, v in model.state_dict().items()
    }
    spec = spec_of(model)
    checkpoint: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION if spec.is_zoo else 1,
        "config": config_to_dict(model.config),  # type: ignore[arg-type]
        "model": spec.to_stored(),
        "classes": list(CLASS_NAMES),
        "colours": [list(c) for c in CLASS_COLOURS],
        "label_map": list(LABEL_MAP),
        "provenance": {**provenance, "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")},
        "state_dict": state,
    }
    if training is not None:
        checkpoint["training"] = training
    return checkpoint


def save_checkpoint(checkpoint: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write a checkpoint atomically (temporary file, then rename).

    Args:
        checkpoint: A dictionary from :func:`make_checkpoint`.
        path: Destination ``.pt`` path.

    Returns:
        The destination path.
    """
    with atomic_path(path) as tmp:
        torch.save(checkpoint, tmp)
    return Path(path)


def read_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load and check a checkpoint file.

    Args:
        path: A ``.pt`` file written by this project.

    Returns:
        The checkpoint dictionary.

    Raises:
        LandcoverError: The file is missing, empty, truncated, not one of our checkpoints, or its weights
            do not fit the architecture it declares (one line naming the file, for every command).
    """
    path = Path(path)
    check_model_file(path)  # a readable file, and not one of another format (ONNX, CNTK, GeoTIFF, ...)
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a file that is not a checkpoint; each is one line
        raise _unreadable(path, exc) from exc
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT:
        raise LandcoverError(f"{path}: not a landcover checkpoint (a PyTorch file of another kind)", _WHICH_FILES)
    check_checkpoint(path, checkpoint)  # header types; finite normalisation, std > 0, BatchNorm variances >= 0
    if checkpoint.get("format_version", 0) > FORMAT_VERSION:
        raise LandcoverError(
            f"{path}: checkpoint format {checkpoint['format_version']} is newer than this landcover",
            "upgrade landcover-runner",
        )
    _check_architecture(path, checkpoint)
    _check_finite(path, checkpoint)
    return checkpoint


def _check_finite(path: Path, checkpoint: dict[str, Any]) -> None:
    """Refuse weights that hold NaN or infinity (a diverged run): they map every pixel to nonsense."""
    for name, tensor in checkpoint["state_dict"].items():
        if torch.is_tensor(tensor) and tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise LandcoverError(
                f"{path}: its weights are not finite (NaN or infinity in {name}); the training diverged",
                "use an earlier checkpoint (epoch-NNNN.pt), or retrain with a lower --lr",
            )


_WHICH_FILES = "give a .pt written by landcover train or landcover import-cntk; import CNTK .model files first"


def _unreadable(path: Path, exc: Exception) -> LandcoverError:
    """The one-line error for a file torch cannot load, by what the file looks like."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if not head:
        return LandcoverError(f"{path}: empty file, not a landcover checkpoint", _WHICH_FILES)
    if isinstance(exc, pickle.UnpicklingError) and "weights_only" in str(exc).replace(" ", "_").lower():
        return LandcoverError(f"{path}: a pickled Python object, not a landcover checkpoint", _WHICH_FILES)
    if head == b"PK\x03\x04":  # a PyTorch zip archive that does not load: cut short or damaged
        return LandcoverError(
            f"{path}: truncated or damaged checkpoint",
            "use an earlier checkpoint (epoch-NNNN.pt) or re-create it",
        )
    return LandcoverError(f"{path}: not a PyTorch checkpoint", _WHICH_FILES)


def _check_architecture(path: Path, checkpoint: dict[str, Any]) -> None:
    """Refuse a checkpoint whose weights do not fit the architecture it declares (checked on the meta device)."""
    try:
        expected = _expected_state(checkpoint)
        state = checkpoint["state_dict"]
        problems = [f"{name} missing" for name in expected if name not in state]
        problems += [f"{name} not in the architecture" for name in state if name not in expected]
        problems += [
            f"{name} is {tuple(state[name].shape)}, expected {tuple(tensor.shape)}"
            for name, tensor in expected.items()
            if name in state and tuple(state[name].shape) != tuple(tensor.shape)
        ]
    except (KeyError, TypeError, ValueError, AttributeError, LandcoverError) as exc:
        raise LandcoverError(
            f"{path}: damaged checkpoint (its architecture cannot be rebuilt: {type(exc).__name__} {exc})",
            "re-create it with landcover train or landcover import-cntk",
        ) from exc
    if problems:
        more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
        raise LandcoverError(
            f"{path}: its weights do not fit the {spec_of_checkpoint(checkpoint).name} it declares "
            f"({problems[0]}{more})",
            "the file is damaged or from another architecture; re-create it with landcover train or import-cntk",
        )


def _expected_state(checkpoint: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The state dict the checkpoint's declared model has (built on the meta device where the model allows)."""
    spec = spec_of_checkpoint(checkpoint)
    if not spec.is_zoo:  # the tutorial's U-Net, with all of its stored config
        with torch.device("meta"):
            return TutorialUNet(config_from_dict(dict(checkpoint["config"]))).state_dict()
    try:
        with torch.device("meta"):
            return build_network(spec).state_dict()
    except RuntimeError:  # some encoders (mit_*) compute their initialisation: build it for real
        return build_network(spec).state_dict()


def model_from_checkpoint(checkpoint: dict[str, Any]) -> Network:
    """Rebuild the network from a checkpoint dictionary and load its weights (train mode)."""
    spec = spec_of_checkpoint(checkpoint)
    model = build_network(spec) if spec.is_zoo else TutorialUNet(config_from_dict(checkpoint["config"]))
    model.load_state_dict(checkpoint["state_dict"])
    return model


def load_model(path: str | os.PathLike[str], device: str | torch.device = "cpu") -> Network:
    """Load a checkpoint as a ready-to-use model in eval mode.

    Called on a float tensor (N, 4, H, W) with values in [0, 1] (H and W divisible by 8), the model
    returns class scores (N, 5, H, W).

    Args:
        path: A checkpoint written by this project (``trained.pt``, an imported CNTK model, ...).
        device: Where to put the model.

    Returns:
        The model, in eval mode.
    """
    model = model_from_checkpoint(read_checkpoint(path))
    return model.to(device).eval()
