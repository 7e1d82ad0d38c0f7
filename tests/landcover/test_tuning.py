"""The speed settings chosen per CPU class (capabilities injected), and where they take effect."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import landcover
from landcover.data.sample import generate_scene
from landcover.data.sampler import CropSampler
from landcover.infer.engine import Engine
from landcover.runtime import use_bf16
from landcover.train.steps import BatchPrefetcher
from landcover.tuning import CpuCapabilities, Precision, SpeedSettings, choose_settings
from tests.data.models import fresh_checkpoint

CPU = torch.device("cpu")
AVX2 = CpuCapabilities(isa="AVX2", fast_bf16=False)
AVX512 = CpuCapabilities(isa="AVX512", fast_bf16=False)
AVX512_BF16 = CpuCapabilities(isa="AVX512", fast_bf16=True)
AMX = CpuCapabilities(isa="AVX512", fast_bf16=True, amx=True)


@pytest.mark.parametrize("cpu", [AVX2, AVX512])
def test_cpus_without_fast_bf16_default_to_plain_fp32_nchw(cpu):
    speed = choose_settings(CPU, "auto", cpu)
    assert (speed.bf16, speed.channels_last) == (False, False)
    assert speed.memory_format == torch.contiguous_format
    assert speed.describe() == "fp32, NCHW"
    assert speed.reason == f"CPU {cpu.isa} without fast bf16"


@pytest.mark.parametrize(("cpu", "name"), [(AVX512_BF16, "AVX-512 BF16"), (AMX, "AMX")])
def test_cpus_with_fast_bf16_keep_bf16_channels_last(cpu, name):
    speed = choose_settings(CPU, Precision.AUTO, cpu)
    assert (speed.bf16, speed.channels_last) == (True, True)
    assert speed.memory_format == torch.channels_last
    assert speed.describe() == "bf16, channels-last" and speed.reason == f"CPU {name}"


@pytest.mark.parametrize("cpu", [AVX2, AVX512, AVX512_BF16, AMX])
def test_fp32_asked_for_runs_nchw_on_every_cpu(cpu):
    assert choose_settings(CPU, "fp32", cpu) == SpeedSettings(False, False, f"CPU {cpu.cpu_class}")


def test_bf16_asked_for_is_kept_and_channels_last_only_where_native():
    assert choose_settings(CPU, "bf16", AVX2).describe() == "bf16, NCHW"  # emulated: the user's choice
    assert choose_settings(CPU, "bf16", AMX).describe() == "bf16, channels-last"


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="fp16"):
        choose_settings(CPU, "fp16", AVX2)


def test_detected_capabilities_follow_onednn():
    detected = CpuCapabilities.detect()
    assert detected.fast_bf16 == bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
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
    assert exact.speed == choose_settings(CPU, "fp32") and not exact.bf16
    assert Engine(model, CPU).speed == choose_settings(CPU, "auto")
    forced = SpeedSettings(False, True, "benchmark")
    engine = Engine(model, CPU, exact=True, speed=forced)
    assert engine.speed is forced
    conv = next(m for m in engine.model.modules() if isinstance(m, torch.nn.Conv2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    pixels = np.random.default_rng(0).integers(0, 256, (1, 4, 64, 64), dtype=np.uint8)
    np.testing.assert_allclose(
        engine.scores(pixels).numpy(), Engine(model, CPU, exact=True).scores(pixels).numpy(), atol=1e-4
    )
