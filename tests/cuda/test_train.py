"""Training on CUDA: the same steps as on the CPU, bf16 by default, --compile, the batch loader, exact resume."""

from __future__ import annotations

import copy
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import landcover
from landcover.cli import app  # noqa: F401  (RESUME_SCRIPT's import, checked where the tests are collected)
from landcover.data.sampler import CropSampler
from landcover.model.unet import SeedUNet
from landcover.train.steps import BatchPrefetcher, StepLoop
from tests.helpers import landcover as run_landcover

pytestmark = pytest.mark.cuda

CUDA = torch.device("cuda", 0)
STEP_LOSS_RTOL = 1e-4
"""fp32 CPU and CUDA losses agree to this relative difference at every step (summation order differs)."""
WEIGHTS_RTOL = 1e-3
"""... and all weights after the steps to this relative L2 difference (AdamW amplifies near-zero gradients)."""


def _metrics(model_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (model_dir / "metrics.jsonl").read_text().splitlines()]


def test_fp32_steps_on_cuda_match_the_cpu(crops, no_tf32, record_property):
    images, labels = crops
    batches = [CropSampler(images, labels, np.random.default_rng(0)).batch(4) for _ in range(3)]
    torch.manual_seed(0)
    cpu_model = SeedUNet().to(memory_format=torch.channels_last)
    cuda_model = copy.deepcopy(cpu_model).to(CUDA)
    weights = torch.tensor([0.0, 1.0, 1.0, 1.0, 1.0])
    losses: dict[str, list[float]] = {"cpu": [], "cuda": []}
    for name, model, device in (("cpu", cpu_model, torch.device("cpu")), ("cuda", cuda_model, CUDA)):
        model.train()
        loop = StepLoop(model, torch.optim.AdamW(model.parameters(), lr=1e-4), weights.to(device), device, bf16=False)
        for images_np, labels_np in batches:
            x = torch.from_numpy(images_np).to(device).permute(0, 3, 1, 2).float().div_(255.0)
            y = torch.from_numpy(labels_np).to(device).long()
            loss, _ = loop.step(x, y, 1e-4)
            losses[name].append(float(loss))
    for step, (a, b) in enumerate(zip(losses["cpu"], losses["cuda"], strict=True)):
        assert math.isfinite(b) and abs(a - b) <= STEP_LOSS_RTOL * abs(a), (step, a, b)
    cpu_weights = torch.cat([p.detach().flatten() for p in cpu_model.parameters()])
    cuda_weights = torch.cat([p.detach().cpu().flatten() for p in cuda_model.parameters()])
    difference = float((cuda_weights - cpu_weights).norm() / cpu_weights.norm())
    record_property("fp32_weights_relative_difference", difference)
    assert difference <= WEIGHTS_RTOL


def test_default_precision_is_bf16_trains_and_its_checkpoint_loads_on_the_cpu(scene_pairs, tmp_path):
    assert torch.cuda.is_bf16_supported()
    model_dir = tmp_path / "model"
    result = run_landcover(
        "train", "--input-dir", str(scene_pairs), "--model-dir", str(model_dir),
        "--epochs", "4", "--epoch-size", "256", "--batch-size", "32",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "on cuda:0 (bf16" in result.stdout, result.stdout
    losses = [line["loss"] for line in _metrics(model_dir)]
    assert all(math.isfinite(loss) for loss in losses), losses
    assert losses[-1] < losses[0], losses
    model = landcover.load_model(model_dir / "trained.pt")  # the CPU is the default device
    assert all(p.device.type == "cpu" and p.dtype == torch.float32 for p in model.parameters())
    with torch.no_grad():
        scores = model.eval()(torch.rand(1, 4, 256, 256))
    assert scores.shape == (1, 5, 256, 256) and torch.isfinite(scores).all()


def test_batch_loader_pins_host_memory_and_reports_its_data_wait(crops, record_property):
    images, labels = crops
    probe = BatchPrefetcher(CropSampler(images, labels, np.random.default_rng(0)), 32, 1, CUDA)
    host_images, host_labels = probe.ready.get(timeout=120)
    probe.close()
    assert host_images.is_pinned() and host_labels.is_pinned()  # so .to(cuda, non_blocking=True) is asynchronous

    torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    model = SeedUNet().to(CUDA).to(memory_format=torch.channels_last).train()
    loop = StepLoop(
        model, torch.optim.AdamW(model.parameters()), torch.ones(5, device=CUDA), CUDA, bf16=True
    )  # fmt: skip
    steps, warm_up = 24, 4
    prefetcher = BatchPrefetcher(CropSampler(images, labels, np.random.default_rng(1)), 32, steps, CUDA)
    batches = iter(prefetcher)
    waited = computed = 0.0
    for step in range(steps):
        start = time.perf_counter()
        x, y = next(batches)
        fetched = time.perf_counter()
        assert x.is_cuda and y.is_cuda and x.is_contiguous(memory_format=torch.channels_last)
        loop.step(x, y, 1e-3)
        torch.cuda.synchronize(CUDA)
        if step >= warm_up:
            waited += fetched - start
            computed += time.perf_counter() - fetched
    prefetcher.close()
    samples = (steps - warm_up) * 32
    record_property("loader_data_wait_fraction", waited / (waited + computed))
    record_property("loader_data_wait_s", waited)
    record_property("loader_step_s", computed)
    record_property("loader_fed_samples_per_s", samples / (waited + computed))
    print(f"data wait {waited:.3f} s of {waited + computed:.3f} s ({samples} samples, batch 32, bf16)")
    assert waited >= 0 and computed > 0


RESUME_SCRIPT = """
import shutil, sys
from pathlib import Path
import torch
from landcover.cli import app
torch.use_deterministic_algorithms(True, warn_only=True)
pairs, straight, resumed = (Path(p) for p in sys.argv[1:4])
args = ["train", "--input-dir", str(pairs), "--epochs", "2", "--epoch-size", "64", "--batch-size", "16"]
app([*args, "--model-dir", str(straight)], standalone_mode=False)
resumed.mkdir()
shutil.copy(straight / "epoch-0001.pt", resumed / "epoch-0001.pt")  # as left by a run killed in epoch 2
app([*args, "--model-dir", str(resumed)], standalone_mode=False)
"""


def test_training_resumes_exactly_on_cuda(scene_pairs, tmp_path):
    """Both runs share one process: cuDNN's autotuner picks its kernels per process (and per choice, rounding)."""
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    env = {**os.environ, "CUBLAS_WORKSPACE_CONFIG": ":4096:8"}
    result = subprocess.run(
        [sys.executable, "-c", RESUME_SCRIPT, str(scene_pairs), str(straight), str(resumed)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "epoch 1 of 2 done" in result.stdout, result.stdout
    first, second = (torch.load(d / "epoch-0002.pt", weights_only=True) for d in (straight, resumed))
    for name, tensor in first["state_dict"].items():
        assert torch.equal(tensor, second["state_dict"][name]), name
    for key, state in first["training"]["optimizer"]["state"].items():
        for name, value in state.items():
            assert torch.equal(value, second["training"]["optimizer"]["state"][key][name]), (key, name)


def test_compile_trains_and_reports_its_compile_time(scene_pairs, tmp_path, record_property):
    """Last of the CUDA tests: compiling takes the longest."""
    model_dir = tmp_path / "model"
    result = run_landcover(
        "train", "--input-dir", str(scene_pairs), "--model-dir", str(model_dir),
        "--epochs", "1", "--epoch-size", "128", "--batch-size", "32", "--compile",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "torch.compile: first step" in result.stdout, result.stdout
    (stats,) = _metrics(model_dir)
    assert math.isfinite(stats["loss"]) and stats["compile_seconds"] > 0
    record_property("compile_seconds", stats["compile_seconds"])
    record_property("compiled_samples_per_s", stats["samples_per_s"])
