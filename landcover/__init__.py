"""landcover: the 2018 tutorial's land-cover U-Net in PyTorch, with data, training and inference on GeoTIFFs.

``import landcover`` is cheap: torch is imported only when a public name that needs it is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from landcover.model.checkpoint import load_model
    from landcover.model.unet import ModelConfig, SeedUNet, TutorialUNet

__version__ = "0.1.0"

_LAZY = {
    "load_model": "landcover.model.checkpoint",
    "ModelConfig": "landcover.model.unet",
    "TutorialUNet": "landcover.model.unet",
    "SeedUNet": "landcover.model.unet",  # the 0.1 name of TutorialUNet
}

__all__ = ["ModelConfig", "SeedUNet", "TutorialUNet", "__version__", "load_model"]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'landcover' has no attribute {name!r}")
