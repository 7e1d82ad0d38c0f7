"""CUDA measurement helpers shared by bench_train.py and bench_predict.py (used on a GPU only).

- ``peak_tflops``: the GPU's bf16 (or default-fp32, i.e. TF32 on Ampere+) rate on a large 3x3 convolution,
  timed with CUDA events (median of 20 after warm-up), the reference every figure is a fraction of.
- ``copy_bandwidth``: device-to-device copy, bytes read + written per second (the memory roofline).
- ``Figures``: every figure of a run, written to a JSON file after each one, so a run stopped by its time
  limit still leaves what it measured.
"""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cuda_seconds(run: Callable[[], object], repeat: int = 20, warm_up: int = 3) -> float:
    """Median seconds of ``run`` on the current CUDA stream, timed with CUDA events."""
    import torch

    for _ in range(warm_up):
        run()
    times = []
    for _ in range(repeat):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        run()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    return statistics.median(times)


def peak_tflops(bf16: bool) -> float:
    """TFLOP/s of a 3x3, 256-channel convolution on 64 x 256 x 128 x 128 channels-last inputs."""
    import torch

    torch.backends.cudnn.benchmark = True
    dtype = torch.bfloat16 if bf16 else torch.float32
    conv = torch.nn.Conv2d(256, 256, 3, padding=1, bias=False).to("cuda", dtype, memory_format=torch.channels_last)
    x = torch.randn(64, 256, 128, 128, device="cuda", dtype=dtype).contiguous(memory_format=torch.channels_last)
    flops = 2 * 256 * 256 * 9 * 128 * 128 * 64
    with torch.no_grad():
        seconds = cuda_seconds(lambda: conv(x))
    return flops / seconds / 1e12


def copy_bandwidth() -> float:
    """GB/s of a 2 GiB device-to-device copy, counting bytes read and written."""
    import torch

    source = torch.randn(2**29, device="cuda")
    target = torch.empty_like(source)
    seconds = cuda_seconds(lambda: target.copy_(source))
    return 2 * source.numel() * source.element_size() / seconds / 1e9


class Figures:
    """Figures of one run, rewritten to ``path`` (when given) after every addition, with headline lines."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.data: dict[str, Any] = {"headline": []}

    def add(self, key: str, value: Any, line: str | None = None) -> None:
        """Record a figure (and print, and keep as a headline, its line)."""
        self.data[key] = value
        if line:
            print(line, flush=True)
            self.data["headline"].append(line)
        if self.path is not None:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.data, indent=1))
            os.replace(tmp, self.path)
