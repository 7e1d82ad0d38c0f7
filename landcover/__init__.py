"""landcover: the seed's land-cover U-Net in PyTorch, with data, training and inference on GeoTIFFs."""

from landcover.checkpoint import load_model
from landcover.model import ModelConfig, SeedUNet

__version__ = "0.1.0"

__all__ = ["ModelConfig", "SeedUNet", "__version__", "load_model"]
