"""``landcover models``: the networks on offer, their size and compute, and (``--measure``) their speed here.

GFLOP are counted, not estimated: :class:`torch.utils.flop_counter.FlopCounterMode` over one 256 x 256 sample,
forward (what inference costs per window) and forward + backward (what a training step costs per sample).
Measured speeds come from one run of every model on this machine, so their ratios are comparable: training
samples/s (AdamW steps on 256-px crops, the loss on the centre as in training) and inference km²/s (the
streaming engine over an in-memory 1 m scene, the way ``landcover predict`` runs each model, blended windows for
the zoo's), each with the precision and memory format the tuning rules pick for the model.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from landcover.constants import MARGIN, WINDOW
from landcover.model.build import Network, build_network
from landcover.model.registry import SHORT_LIST, ModelSpec, spec_of
from landcover.tuning import SpeedSettings, Workload, choose_settings

SAMPLE = WINDOW
"""Side of the sample the compute is counted for (the tutorial's 256-px window)."""


@dataclass
class ModelFacts:
    """One row of ``landcover models``."""

    spec: ModelSpec
    parameters: int
    gflop_forward: float
    gflop_training: float
    train_samples_per_s: float | None = None
    infer_km2_per_s: float | None = None
    train_settings: str = ""
    infer_settings: str = ""


def listed_specs(architectures: Iterable[str] | None = None) -> list[ModelSpec]:
    """The tutorial's U-Net and each architecture with its short list of encoders."""
    specs = []
    for architecture, encoders in SHORT_LIST.items():
        if architectures is not None and architecture.value not in architectures:
            continue
        specs += [ModelSpec(architecture=architecture, encoder=encoder or None) for encoder in encoders]
    return specs


def count_gflop(model: torch.nn.Module, training: bool) -> float:
    """GFLOP for one SAMPLE x SAMPLE sample: forward, or forward and backward."""
    from torch.utils.flop_counter import FlopCounterMode

    x = torch.rand(2, 4, SAMPLE, SAMPLE)  # two: a BatchNorm after global pooling (DeepLabV3+) trains on >1 value
    model.train(training)
    with FlopCounterMode(display=False) as counter:
        if training:
            model(x).sum().backward()
        else:
            with torch.no_grad():
                model(x)
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops() / 2 / 1e9


def describe(spec: ModelSpec) -> ModelFacts:
    """Parameters and GFLOP of a model (built with random weights)."""
    torch.manual_seed(0)
    model = build_network(spec)
    return ModelFacts(
        spec=spec,
        parameters=sum(p.numel() for p in model.parameters()),
        gflop_forward=count_gflop(model, training=False),
        gflop_training=count_gflop(model, training=True),
    )


def _timed(run: Callable[[], int], seconds: float) -> float:
    """Units per second of ``run`` (each call returns its units), after one untimed warm-up call."""
    run()
    done, start = 0, time.perf_counter()
    while True:
        done += run()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def _synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def training_speed(
    model: Network, batch: int, seconds: float, device: torch.device | None = None
) -> tuple[float, SpeedSettings]:
    """Training samples/s of AdamW steps on random 256-px crops (the loss on the 128-px centre)."""
    device = device or torch.device("cpu")
    speed = choose_settings(device, "auto", Workload.TRAINING, model=spec_of(model).name)
    model = model.train().to(device).to(memory_format=speed.memory_format)  # type: ignore[call-overload]
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.rand(batch, 4, SAMPLE, SAMPLE, device=device).contiguous(memory_format=speed.memory_format)
    y = torch.randint(1, 5, (batch, SAMPLE - 2 * MARGIN, SAMPLE - 2 * MARGIN), device=device)

    def step() -> int:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=speed.bf16):
            scores = model(x)
        loss = F.cross_entropy(scores[:, :, MARGIN:-MARGIN, MARGIN:-MARGIN].float(), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        _synchronise(device)
        return batch

    return _timed(step, seconds), speed


def inference_speed(
    model: Network, side: int, seconds: float, device: torch.device | None = None
) -> tuple[float, SpeedSettings]:
    """Inference km²/s of the streaming engine over an in-memory ``side`` x ``side`` scene at 1 m."""
    import rasterio
    from rasterio.io import MemoryFile
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    from landcover.infer.engine import Engine

    device = device or torch.device("cpu")
    engine = Engine(model.eval(), device)
    pixels = np.random.default_rng(0).integers(0, 255, (4, side, side), dtype=np.uint8)
    profile = {"driver": "GTiff", "width": side, "height": side, "count": 4, "dtype": "uint8"}
    with MemoryFile() as memory:
        with memory.open(**profile, transform=from_origin(700_000, 4_100_000, 1, 1), crs="EPSG:32617") as dst:
            dst.write(pixels)
        with memory.open() as src:
            assert isinstance(src, rasterio.DatasetReader)

            def scene() -> int:
                for block in engine.blocks(src, Window(0, 0, side, side)):
                    assert block.classes.shape[0] > 0  # the classes are on the host: the device is done
                return side * side

            return _timed(scene, seconds) / 1e6, engine.speed


def measure(
    facts: ModelFacts, *, batch: int = 4, side: int = 1536, seconds: float = 10.0, device: torch.device | None = None
) -> ModelFacts:
    """Fill in the measured training and inference speeds of one model (same settings for every model)."""
    torch.manual_seed(0)
    model = build_network(facts.spec)
    facts.train_samples_per_s, train = training_speed(model, batch, seconds, device)
    torch.manual_seed(0)
    facts.infer_km2_per_s, infer = inference_speed(build_network(facts.spec), side, seconds, device)
    facts.train_settings, facts.infer_settings = train.describe(), infer.describe()
    return facts
