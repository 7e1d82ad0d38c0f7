"""The speed settings chosen per CPU class (capabilities injected), and where they take effect."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import landcover
from landcover.data.sample import generate_scene
from landcover.data.sampler import CropSampler
from landcover.infer.engine import Engine
from landcover.runtime import use_bf16
from landcover.train.steps import BatchPrefetcher
from landcover.tuning import (
    CpuCapabilities,
    Precision,
    SpeedSettings,
    Workload,
    below_cap,
    choose_settings,
    onednn_isa_cap,
)
from tests.data.fixtures import write_pairs
from tests.data.models import fresh_checkpoint

CPU = torch.device("cpu")
AVX2 = CpuCapabilities(isa="AVX2", fast_bf16=False)
AVX2_CAPPED = CpuCapabilities(isa="AVX512", fast_bf16=False, avx512=False)  # ONEDNN_MAX_CPU_ISA=AVX2 alone
AVX512 = CpuCapabilities(isa="AVX512", fast_bf16=False)
AVX512_BF16 = CpuCapabilities(isa="AVX512", fast_bf16=True)
AMX = CpuCapabilities(isa="AVX512", fast_bf16=True, amx=True)


@pytest.mark.parametrize("avx2", [AVX2, AVX2_CAPPED])
def test_avx2_cpus_train_in_fp32_nchw_and_infer_in_fp32_channels_last(avx2):
    training = choose_settings(CPU, "auto", "training", avx2)
    assert (training.bf16, training.channels_last) == (False, False)
    assert training.memory_format == torch.contiguous_format
    assert training.describe() == "fp32, NCHW" and training.reason == f"CPU {avx2.isa} without fast bf16"
    inference = choose_settings(CPU, "auto", Workload.INFERENCE, avx2)
    assert (inference.bf16, inference.channels_last) == (False, True)


@pytest.mark.parametrize("workload", list(Workload))
def test_avx512_cpus_without_bf16_run_fp32_channels_last(workload):
    speed = choose_settings(CPU, "auto", workload, AVX512)
    assert speed.describe() == "fp32, channels-last" and speed.reason == "CPU AVX512 without fast bf16"


@pytest.mark.parametrize("workload", list(Workload))
@pytest.mark.parametrize(("cpu", "name"), [(AVX512_BF16, "AVX-512 BF16"), (AMX, "AMX")])
def test_cpus_with_fast_bf16_keep_bf16_channels_last(cpu, name, workload):
    speed = choose_settings(CPU, Precision.auto, workload, cpu)
    assert (speed.bf16, speed.channels_last) == (True, True)
    assert speed.memory_format == torch.channels_last
    assert speed.describe() == "bf16, channels-last" and speed.reason == f"CPU {name}"


@pytest.mark.parametrize("cpu", [AVX2, AVX512, AVX512_BF16, AMX])
def test_fp32_asked_for_keeps_the_class_memory_format(cpu):
    for workload in Workload:
        speed = choose_settings(CPU, "fp32", workload, cpu)
        assert not speed.bf16
        assert speed.channels_last == choose_settings(CPU, "auto", workload, cpu).channels_last


def test_bf16_asked_for_is_kept_where_it_is_not_native():
    assert choose_settings(CPU, "bf16", "training", AVX2).describe() == "bf16, NCHW"  # emulated: the user's choice
    assert choose_settings(CPU, "bf16", "inference", AVX2).describe() == "bf16, channels-last"


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="fp16"):
        choose_settings(CPU, "fp16", cpu=AVX2)


@pytest.mark.parametrize(
    ("cap", "features"),
    [
        ("ALL", {"512", "BF16", "AMX"}),
        ("AVX2", set()),
        ("AVX512_CORE", {"512"}),
        ("AVX512_CORE_BF16", {"512", "BF16"}),
        ("AVX512_CORE_AMX", {"512", "BF16", "AMX"}),
    ],
)
def test_onednn_isa_caps(cap, features):
    assert onednn_isa_cap({"ONEDNN_MAX_CPU_ISA": cap.lower()}) == cap
    assert onednn_isa_cap({"DNNL_MAX_CPU_ISA": cap}) == cap
    assert {f for f in ("512", "BF16", "AMX") if below_cap(cap, f)} == features


def test_no_cap_means_all():
    assert onednn_isa_cap({}) == "ALL"


def test_capped_process_detects_the_avx2_class():
    code = "from landcover.tuning import CpuCapabilities as C; c = C.detect(); print(c.fast_bf16, c.avx512)"
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_detected_capabilities_follow_onednn():
    detected = CpuCapabilities.detect()
    if detected.fast_bf16:
        assert torch.ops.mkldnn._is_mkldnn_bf16_supported() and torch.cpu._is_avx512_bf16_supported()
    assert detected.isa == torch.backends.cpu.get_cpu_capability()
    assert use_bf16(CPU, "auto") == detected.fast_bf16
    assert use_bf16(CPU, "fp32") is False and use_bf16(CPU, "bf16") is True


@pytest.mark.parametrize("channels_last", [True, False])
def test_batches_come_in_the_model_memory_format(channels_last):
    scene = generate_scene(0, 300, 0.0, 0.0)
    sampler = CropSampler([scene.image], [np.minimum(scene.labels, 4)], np.random.default_rng(1))
    x, y = next(iter(BatchPrefetcher(sampler, 2, 1, CPU, channels_last=channels_last)))
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    assert x.shape[:2] == (2, 4) and x.dtype == torch.float32 and x.is_contiguous(memory_format=fmt)
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0 and y.dtype == torch.int64


def test_engine_uses_the_chosen_settings(tmp_path):
    model = landcover.load_model(fresh_checkpoint(tmp_path / "m.pt"))
    exact = Engine(model, CPU, exact=True)
    assert exact.speed == choose_settings(CPU, "fp32", "inference") and not exact.bf16
    assert Engine(model, CPU).speed == choose_settings(CPU, "auto", "inference")
    forced = SpeedSettings(False, True, "benchmark")  # channels-last, whatever this CPU's rule is
    engine = Engine(model, CPU, exact=True, speed=forced)
    assert engine.speed is forced
    conv = next(m for m in engine.model.modules() if isinstance(m, torch.nn.Conv2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    pixels = np.random.default_rng(0).integers(0, 256, (1, 4, 64, 64), dtype=np.uint8)
    np.testing.assert_allclose(
        engine.scores(pixels).numpy(), Engine(model, CPU, exact=True).scores(pixels).numpy(), atol=1e-4
    )


@pytest.mark.slow
def test_train_and_evaluate_on_the_avx2_class_run_their_rules(tmp_path):
    """A real `landcover train` + `evaluate` with oneDNN and ATen capped at AVX2: fp32, NCHW / channels-last."""
    data = write_pairs(tmp_path / "pairs", 2)
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}
    model_dir = tmp_path / "model"
    train = [
        *("train", "--input-dir", str(data), "--model-dir", str(model_dir), "--epochs", "1"),
        *("--epoch-size", "2", "--batch-size", "2", "--threads", "1"),
    ]
    run = subprocess.run([sys.executable, "-m", "landcover", *train], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "(fp32, NCHW, 1 thread per rank; CPU AVX2 without fast bf16)" in run.stdout
    evaluate = [
        *("evaluate", "--input-filename", str(data / "tile0_NAIP.tif")),
        *("--model-filename", str(model_dir / "trained.pt")),
        *("--output-dir", str(tmp_path / "out")),
    ]
    run = subprocess.run([sys.executable, "-m", "landcover", *evaluate], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "fp32, channels-last, cpu: CPU AVX2 without fast bf16)" in run.stdout


def test_a_model_rule_overrides_the_cpu_class_rule_for_that_model_only(monkeypatch):
    from landcover import tuning

    cpu = tuning.CpuCapabilities(isa="AVX512", fast_bf16=True)
    monkeypatch.setitem(tuning.MODEL_RULES, ("segformer", cpu.cpu_class, tuning.Workload.TRAINING), (False, False))
    cpu_device = torch.device("cpu")
    own = tuning.choose_settings(cpu_device, "auto", "training", cpu, model="segformer/mit_b0")
    assert (own.bf16, own.channels_last) == (False, False) and "measured for segformer/mit_b0" in own.reason
    assert tuning.choose_settings(cpu_device, "bf16", "training", cpu, model="segformer/mit_b0").bf16
    for other in (None, "tutorial-unet", "unet/resnet18"):
        rule = tuning.choose_settings(cpu_device, "auto", "training", cpu, model=other)
        assert (rule.bf16, rule.channels_last) == (True, True)
    inference = tuning.choose_settings(cpu_device, "auto", "inference", cpu, model="segformer/mit_b0")
    assert (inference.bf16, inference.channels_last) == (True, True)
