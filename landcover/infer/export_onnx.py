"""``landcover export``: a checkpoint as an ONNX model, for ONNX Runtime and the GIS tools built on it.

The graph takes what the checkpoint takes, ``image``: float32 (N, 4, H, W), the R, G, B, NIR bands divided by
255, N, H and W dynamic (H and W multiples of 8), or H = W fixed with ``tile_size``. The checkpoint's input
normalisation is part of the graph (``window``: each tile's own R, G, B mean, as the tutorial's models; ``dataset``:
the training set's mean and standard deviation). The output is ``probabilities`` (N, 5, H, W): a softmax over
the known classes 1-4 with class 0 (unknown, never predicted) at 0, which is what segmentation tools such as
QGIS's Deepness plugin expect; or, with ``output="scores"``, the network's raw class scores as
``landcover.load_model`` returns them. Class names and colours, the ground resolution and the tiling the model
wants travel in the model's ``metadata_props`` (keys Deepness reads, plus ``landcover.*`` keys).
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from rasterio.windows import Window
from torch import nn

from clibase.atomic import atomic_path
from clibase.text import counted
from landcover import __version__
from landcover.constants import CLASS_COLOURS, CLASS_NAMES, MARGIN, NETWORK_MULTIPLE, UNKNOWN
from landcover.data.pairs import check_image, open_raster
from landcover.infer.model_file import load_checked_model
from landcover.io.errors import LandcoverError
from landcover.io.outputs import Named, staged_file
from landcover.model.build import Network
from landcover.model.checkpoint import read_checkpoint
from landcover.model.registry import spec_of
from landcover.model.unet import IN_CHANNELS, predicted_classes
from landcover.model.zoo import STRIDE
from landcover.settings import ExportSettings

OUTPUTS = ("probabilities", "scores")
INPUT_NAME = "image"
OPSET = 17
NAIP_RESOLUTION_CM = 100
"""Ground resolution the models were trained at (NAIP, 1 m), in Deepness's unit (centimetres per pixel)."""


class ExportedNetwork(nn.Module):
    """The model as exported: class scores, or probabilities over the known classes (unknown fixed at 0)."""

    def __init__(self, model: Network, output: str) -> None:
        super().__init__()
        self.model = model
        self.probabilities = output == "probabilities"

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """(N, 4, H, W) imagery in [0, 1] -> (N, 5, H, W) probabilities or scores."""
        scores = self.model(image)
        if not self.probabilities:
            return scores
        known = F.softmax(scores[:, UNKNOWN + 1 :], dim=1)
        return torch.cat([torch.zeros_like(scores[:, : UNKNOWN + 1]), known], dim=1)


@dataclass(frozen=True)
class Agreement:
    """How the ONNX model's output compares with PyTorch's on the same pixels."""

    pixels: int
    same_class: int
    max_abs_difference: float

    @property
    def fraction(self) -> float:
        """Share of pixels given the same class."""
        return self.same_class / self.pixels


def _metadata(model: Network, checkpoint: dict[str, Any] | None, output: str, tile_size: int | None) -> dict[str, str]:
    config = model.config
    metadata: dict[str, Any] = {
        "model_type": "Segmentor",
        "class_names": {str(i): name for i, name in enumerate(CLASS_NAMES)},
        "resolution": NAIP_RESOLUTION_CM,
        # The normalisation is inside the graph: a tool that standardises [0, 1] input must leave it as it is.
        "standardization_mean": [0.0] * config.in_channels,
        "standardization_std": [1.0] * config.in_channels,
        "landcover.class_colours": {str(i): list(colour) for i, colour in enumerate(CLASS_COLOURS)},
        "landcover.input": f"float32 (N, 4, H, W): R, G, B, NIR / 255; H, W multiples of {input_multiple(model)}",
        "landcover.model": spec_of(model).to_stored(),
        "landcover.output": output,
        "landcover.normalisation": config.normalisation,
        "landcover.version": __version__,
    }
    if config.normalisation == "dataset":
        metadata["landcover.mean"] = list(config.mean)
        metadata["landcover.std"] = list(config.std)
    if checkpoint is not None:
        metadata["landcover.provenance"] = checkpoint.get("provenance", {})
    if tile_size is not None:
        metadata["tile_size"] = tile_size
        # Overlap so that every pixel kept lies at least MARGIN pixels inside its tile (the tutorial's 256/128).
        metadata["tiles_overlap"] = math.ceil(200 * MARGIN / tile_size)
    return {key: json.dumps(value, default=str) for key, value in metadata.items()}


def input_multiple(model: Network) -> int:
    """What the exported graph's sides must be multiples of: 8 for the tutorial's U-Net, 32 for the zoo's.

    A zoo network pads other sizes inside (:mod:`landcover.model.zoo`), but the exported graph is traced
    at a multiple of 32 and keeps no padding.
    """
    return STRIDE if spec_of(model).is_zoo else NETWORK_MULTIPLE


def _require_onnx() -> Any:
    try:
        import onnx
    except ImportError as exc:
        raise LandcoverError("landcover export needs the onnx package", "pip install 'landcover-runner[onnx]'") from exc
    return onnx


def check_tile_size(tile_size: int | None) -> None:
    """A fixed tile size must be a multiple of 8 and leave something beside the 64-pixel margins."""
    if tile_size is not None and (tile_size % NETWORK_MULTIPLE or tile_size <= 2 * MARGIN):
        raise LandcoverError(
            f"--tile-size {tile_size}: must be a multiple of {NETWORK_MULTIPLE} above {2 * MARGIN}",
            "use for example 256 (the tutorial's window) or 512",
        )


def export_onnx(
    model_path: Path,
    out_path: Path,
    *,
    force: bool = False,
    output: str = "probabilities",
    tile_size: int | None = None,
) -> Path:
    """Write ``model_path`` (a checkpoint, or a tutorial CNTK ``.model``) as an ONNX model, atomically.

    Args:
        model_path: The checkpoint.
        out_path: The ``.onnx`` file to write.
        force: Overwrite an existing ``out_path``.
        output: ``probabilities`` (softmax over known classes) or ``scores`` (raw).
        tile_size: Fix H = W to this size (GIS tools that read the tile size from the input shape);
            None keeps height and width dynamic.

    Returns:
        The path written.

    Raises:
        LandcoverError: Bad model file, an existing output without ``force``, a bad tile size, no onnx.
    """
    if output not in OUTPUTS:
        raise LandcoverError(f"--output {output!r} is not known", "use probabilities or scores")
    check_tile_size(tile_size)
    if out_path.exists() and not force:
        raise LandcoverError(f"{out_path}: already exists", "pass --force to overwrite it, or choose another name")
    if out_path.is_dir():
        raise LandcoverError(f"{out_path}: is a directory", "give the .onnx file to write")
    onnx = _require_onnx()
    model = load_checked_model(model_path, IN_CHANNELS)
    if tile_size is not None and tile_size % input_multiple(model):
        raise LandcoverError(
            f"--tile-size {tile_size}: {model_path.name} holds a {spec_of(model).name}, which takes multiples of "
            f"{input_multiple(model)}",
            "use for example 256 or 512",
        )
    checkpoint = None if model_path.suffix == ".model" else read_checkpoint(model_path)
    network = ExportedNetwork(model.eval(), output).eval()
    size = tile_size or 2 * MARGIN
    example = torch.rand(1, IN_CHANNELS, size, size)
    dynamic = {0: "batch"} if tile_size else {0: "batch", 2: "height", 3: "width"}
    try:
        with atomic_path(out_path) as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice; it is the one we want
            torch.onnx.export(
                network,
                (example,),
                str(tmp),
                input_names=[INPUT_NAME],
                output_names=[output],
                dynamic_axes={INPUT_NAME: dynamic, output: dynamic},
                opset_version=OPSET,
                do_constant_folding=True,
                dynamo=False,
            )
            graph = onnx.load(str(tmp))
            graph.producer_name, graph.producer_version = "landcover-runner", __version__
            graph.doc_string = f"land-cover U-Net from {model_path.name}: {INPUT_NAME} in [0, 1] -> {output}"
            for key, value in _metadata(model, checkpoint, output, tile_size).items():
                entry = graph.metadata_props.add()
                entry.key, entry.value = key, value
            onnx.checker.check_model(graph)
            onnx.save(graph, str(tmp))
    except OSError as exc:
        raise LandcoverError(f"{out_path}: cannot write ({exc.strerror or exc})", "choose a writable path") from exc
    return out_path


def read_check_region(image_path: Path, size: int, multiple: int) -> np.ndarray:
    """The centre ``size`` x ``size`` pixels of a scene (less if it is smaller), a multiple of ``multiple``."""
    with open_raster(image_path) as src:
        check_image(src, image_path)
        height = min(size, src.height) // multiple * multiple
        width = min(size, src.width) // multiple * multiple
        if height == 0 or width == 0:
            raise LandcoverError(f"{image_path}: smaller than {counted(multiple, 'pixel')}", "check on a larger scene")
        window = Window((src.width - width) // 2, (src.height - height) // 2, width, height)
        return np.asarray(src.read(window=window))


def _tiles(pixels: np.ndarray, tile_size: int | None) -> torch.Tensor:
    """(bands, H, W) uint8 -> a float batch in [0, 1]: one piece, or fixed tiles side by side."""
    image = torch.from_numpy(pixels).float() / 255.0
    if tile_size is None:
        return image.unsqueeze(0)
    tiles = image.unfold(1, tile_size, tile_size).unfold(2, tile_size, tile_size)  # (C, rows, cols, t, t)
    return tiles.permute(1, 2, 0, 3, 4).reshape(-1, image.shape[0], tile_size, tile_size)


def compare_with_onnxruntime(model_path: Path, onnx_path: Path, pixels: np.ndarray) -> Agreement:
    """Run the checkpoint (PyTorch, fp32) and the ONNX model (ONNX Runtime, CPU) on the same pixels.

    Args:
        model_path: The checkpoint the ONNX model was exported from.
        onnx_path: The exported model.
        pixels: uint8 imagery (4, H, W); H and W multiples of the exported tile size when it is fixed.

    Returns:
        Class agreement and the largest absolute difference of the outputs.
    """
    try:
        import onnxruntime
    except ImportError as exc:
        raise LandcoverError("--check-image needs onnxruntime", "pip install 'landcover-runner[onnx]'") from exc
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    fixed = session.get_inputs()[0].shape[-1]
    tile_size = fixed if isinstance(fixed, int) else None
    output = session.get_outputs()[0].name
    batch = _tiles(pixels, tile_size)
    network = ExportedNetwork(load_checked_model(model_path, IN_CHANNELS).eval(), output).eval()
    with torch.inference_mode():
        expected = network(batch)
    actual = torch.from_numpy(session.run([output], {INPUT_NAME: batch.numpy()})[0])
    same = predicted_classes(expected) == predicted_classes(actual)
    return Agreement(
        pixels=same.numel(),
        same_class=int(same.sum()),
        max_abs_difference=float((expected - actual).abs().max()),
    )


def export_and_check(settings: ExportSettings) -> str:
    """``landcover export``: export, then (with ``check_image``) compare ONNX Runtime with PyTorch on it.

    The check region is read first, so a bad ``check_image`` leaves nothing written.

    Returns:
        The lines to print: what was written, and the measured agreement.
    """
    model_path, out_path, tile_size = settings.model_path, settings.out_path, settings.tile_size
    check_image, check_size, output = settings.check_image, settings.check_size, settings.output.value
    check_tile_size(tile_size)
    multiple = tile_size or STRIDE  # a multiple of 32 fits the zoo's networks as well as the tutorial's (8)
    pixels = read_check_region(check_image, check_size, multiple) if check_image else None
    inputs = [Named(path=model_path, option="MODEL")]
    inputs += [Named(path=check_image, option="--check-image")] if check_image else []
    target = Named(path=out_path, option="ONNX")
    with staged_file(target, command="export", inputs=inputs, force=settings.force) as staged:
        export_onnx(model_path, staged, force=True, output=output, tile_size=tile_size)
        agreement = compare_with_onnxruntime(model_path, staged, pixels) if pixels is not None else None
    shape = f"N x 4 x {tile_size} x {tile_size}" if tile_size else "N x 4 x H x W"
    lines = [f"exported {model_path} -> {out_path} (input {INPUT_NAME}: {shape} in [0, 1]; output {output})"]
    if pixels is not None and check_image is not None and agreement is not None:
        lines.append(
            f"ONNX Runtime (CPU) vs PyTorch on {pixels.shape[2]} x {pixels.shape[1]} px of {check_image.name}: "
            f"same class on {100 * agreement.fraction:.4f} % of {counted(agreement.pixels, 'pixel')}, "
            f"max |{output} difference| {agreement.max_abs_difference:.3g}"
        )
    return "\n".join(lines)
