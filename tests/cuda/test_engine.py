"""The inference engine on CUDA: the CPU's classes on a scene of real size, fp32 and bf16."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
import torch

import landcover
from landcover.data.sample import write_scene
from landcover.infer.engine import Engine
from tests.data.large_scene import mirrored_scene
from tests.data.models import fresh_checkpoint

pytestmark = pytest.mark.cuda

SCENE = 4096
"""4096 x 4096 1 m pixels (16.8 km²): a NAIP quarter-quad is about 6,000 x 7,500."""
FP32_AGREEMENT = 0.999
BF16_AGREEMENT = 0.99


def _classes(engine: Engine, path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return engine.scene_classes(src)


@pytest.fixture(scope="module")
def scene_and_cpu_classes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, np.ndarray]:
    work = tmp_path_factory.mktemp("scene")
    model_path = fresh_checkpoint(work / "model.pt")
    image, _ = write_scene(mirrored_scene(SCENE), work, "S")
    classes = _classes(Engine(landcover.load_model(model_path), torch.device("cpu"), exact=True), image)
    return model_path, image, classes


def test_fp32_classes_on_cuda_agree_with_the_cpu(scene_and_cpu_classes, no_tf32, record_property):
    model_path, image, cpu = scene_and_cpu_classes
    cuda = _classes(Engine(landcover.load_model(model_path), torch.device("cuda"), exact=True), image)
    agreement = float(np.mean(cuda == cpu))
    record_property("engine_fp32_agreement", agreement)
    assert agreement >= FP32_AGREEMENT


def test_default_tf32_and_bf16_classes_on_cuda_agree_with_the_cpu(scene_and_cpu_classes, record_property):
    model_path, image, cpu = scene_and_cpu_classes
    model = landcover.load_model(model_path)
    tf32 = _classes(Engine(model, torch.device("cuda"), exact=True), image)  # --exact with torch's GPU defaults
    record_property("engine_exact_default_flags_agreement", float(np.mean(tf32 == cpu)))
    engine = Engine(model, torch.device("cuda"))
    assert engine.bf16  # the default on a GPU with fast bf16
    agreement = float(np.mean(_classes(engine, image) == cpu))
    record_property("engine_bf16_agreement", agreement)
    assert agreement >= BF16_AGREEMENT
