"""The model file every inference command takes: a checkpoint, or a CNTK ``.model`` of the 2018 tutorial."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from clibase.text import counted
from landcover.constants import CLASS_NAMES
from landcover.io.errors import LandcoverError
from landcover.model.checkpoint import model_from_checkpoint, read_checkpoint

if TYPE_CHECKING:
    from landcover.model.build import Network


def load_checked_model(path: Path, bands: int) -> Network:
    """The model (a checkpoint, or a tutorial CNTK ``.model`` imported in memory), checked against the scene."""
    if path.suffix == ".model" and path.is_file():
        from landcover.cntk.importer import import_cntk_model

        model: Network = import_cntk_model(path)
    else:
        model = model_from_checkpoint(read_checkpoint(path)).eval()
    if model.config.in_channels != bands:
        raise LandcoverError(
            f"{path}: the model takes {counted(model.config.in_channels, 'band')}, the image has {bands}",
            "use a model trained on 4-band NAIP imagery",
        )
    if model.config.num_classes != len(CLASS_NAMES):
        raise LandcoverError(
            f"{path}: the model predicts {counted(model.config.num_classes, 'class')}, expected {len(CLASS_NAMES)}",
            "use a landcover model (classes 0-4)",
        )
    return model
