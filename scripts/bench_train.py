"""Training benchmark: samples/s and achieved FLOP/s against a peak measured in the same process.

Prints, all measured in this run:
- peak GFLOP/s of a large 3x3 convolution (bf16 and fp32) on this machine,
- training samples/s of every candidate setting (fp32 and, where oneDNN has native bf16, bf16; each in
  channels-last and NCHW) as achieved GFLOP/s (69.8 GFLOP per 256 x 256 sample, forward + backward) and as a
  fraction of peak, and `training defaults vs best measured setting: R x` (the defaults: landcover.tuning),
- the same default step without the tuned glibc allocator (a subprocess), and the ratio,
- the step loop of `landcover train` on real crops (sampler on a background thread, no host
  synchronisation inside the epoch) against the inline loop it replaced (batch drawn after each step, loss
  read every step), and the ratio; with --compile also torch.compile's compile time and samples/s,
- the crop sampler's crops/s,
- `landcover train` samples/s under `mpirun -np 1` and `-np 2` at one thread per rank, and the ratio.

`--device cuda` runs the CUDA comparison instead (see `cuda_benchmarks`: every setting that matters in one run,
each as a fraction of that GPU's bf16 3x3-convolution rate measured in the same run, and the loader's crops/s
against the GPU's samples/s); without a CUDA device it says so in one line. `--json PATH` writes its figures.

Usage: python scripts/bench_train.py [--device auto|cpu|cuda] [--steps N] [--batch-size B] [--compile] [--skip-mpi]
       [--rounds R] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from landcover.constants import MALLOC_OPT_OUT, TUNED_MALLOC  # noqa: E402
from landcover.runtime import reexec_with_tuned_allocator  # noqa: E402

GFLOP_PER_SAMPLE = 69.8


def peak_gflops(bf16: bool, device: str, channels_last: bool = True) -> float:
    import torch

    fmt = torch.channels_last if channels_last else torch.contiguous_format
    conv = torch.nn.Conv2d(256, 256, 3, padding=1, bias=False).to(device, memory_format=fmt)
    x = torch.rand(16, 256, 64, 64, device=device).contiguous(memory_format=fmt)
    flops = 2 * 256 * 256 * 9 * 64 * 64 * 16
    with torch.no_grad(), torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
        conv(x)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            conv(x)
            if device == "cuda":
                torch.cuda.synchronize()
            best = min(best, time.perf_counter() - start)
    return flops / best / 1e9


def training_samples_per_s(bf16: bool, channels_last: bool, steps: int, batch: int, device: str) -> float:
    import torch
    import torch.nn.functional as F

    from landcover.model.unet import SeedUNet

    torch.manual_seed(0)
    model = SeedUNet().to(device)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.rand(batch, 4, 256, 256, device=device).contiguous(memory_format=fmt)
    y = torch.randint(1, 5, (batch, 128, 128), device=device)

    def step() -> None:
        with torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
            scores = model(x)
        loss = F.cross_entropy(scores[:, :, 64:-64, 64:-64].float(), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(2):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    return steps * batch / (time.perf_counter() - start)


def bench_sampler() -> Any:
    import numpy as np

    from landcover.data.sample import generate_scene
    from landcover.data.sampler import CropSampler

    scenes = [generate_scene(i, 768, 0.0, 0.0) for i in range(4)]
    return CropSampler([s.image for s in scenes], [np.minimum(s.labels, 4) for s in scenes], np.random.default_rng(0))


def loop_samples_per_s(
    prefetch: bool,
    steps: int,
    batch: int,
    device: str,
    bf16: bool,
    compile_model: bool = False,
    channels_last: bool = True,
) -> tuple[float, float]:
    """Samples/s of the training step loop on real crops, and the seconds of a compiling first step.

    ``prefetch``: the loop of `landcover train` (BatchPrefetcher + StepLoop.epoch: no host synchronisation
    inside the epoch); otherwise the loop it replaced: the batch drawn inline after each step, the loss and
    the sums read back to the host every step.
    """
    import torch

    from landcover.io.progress import ProgressReporter
    from landcover.model.unet import SeedUNet
    from landcover.train.steps import BatchPrefetcher, StepLoop

    torch.manual_seed(0)
    dev = torch.device(device)
    if dev.type == "cuda":
        torch.backends.cudnn.benchmark = True
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = SeedUNet().to(dev).to(memory_format=fmt)
    network = torch.compile(model) if compile_model else model
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    weights = torch.tensor([0.0, 1.0, 1.0, 1.0, 1.0], device=dev)
    loop = StepLoop(network, optimizer, weights, dev, bf16=bf16, compiled=compile_model, channels_last=channels_last)
    sampler = bench_sampler()
    silent = ProgressReporter("bench", 1, "samples", enabled=False)
    warm_up = 3 if compile_model else 2

    def batches(count: int) -> BatchPrefetcher:
        return BatchPrefetcher(sampler, batch, count, dev, channels_last=channels_last)

    _, _, compile_seconds = loop.epoch(batches(warm_up), lambda s: 1e-3, silent, batch)
    if prefetch:
        sums, seconds, _ = loop.epoch(batches(steps), lambda s: 1e-3, silent, batch)
        sums.cpu()
        return steps * batch / seconds, compile_seconds
    start = time.perf_counter()
    for _ in range(steps):
        images, labels = sampler.batch(batch)
        x = torch.from_numpy(images).to(dev, non_blocking=True).permute(0, 3, 1, 2).contiguous(memory_format=fmt)
        x = x.float() / 255.0
        y = torch.from_numpy(labels).to(dev, non_blocking=True).long()
        loss, parts = loop.step(x, y, 1e-3)
        parts.cpu()
        loss.item()
    return steps * batch / (time.perf_counter() - start), compile_seconds


def sampler_crops_per_s(seconds: float = 3.0) -> float:
    sampler = bench_sampler()
    crops, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        sampler.batch(10)
        crops += 10
    return crops / (time.perf_counter() - start)


def mpi_samples_per_s(ranks: int, data: Path, work: Path) -> float:
    """Samples/s of the real `landcover train` command (second epoch) under mpirun at one thread per rank."""
    model_dir = work / f"np{ranks}"
    command = ["mpirun", "-np", str(ranks), "--oversubscribe", "--bind-to", "core"]
    if os.geteuid() == 0:
        command.append("--allow-run-as-root")
    command += [
        sys.executable,
        "-m",
        "landcover",
        "train",
        "--input-dir",
        str(data),
        "--model-dir",
        str(model_dir),
        "--epochs",
        "2",
        "--epoch-size",
        str(8 * ranks),
        "--batch-size",
        "4",
        "--threads",
        "1",
    ]
    subprocess.run(command, check=True, capture_output=True, text=True)
    lines = (model_dir / "metrics.jsonl").read_text().splitlines()
    return float(json.loads(lines[-1])["samples_per_s"])


def cpu_training_settings(speed: Any, steps: int, batch: int, rounds: int) -> tuple[float, float, float]:
    """CPU: peaks in both memory formats, every candidate setting, and how far the defaults are from the best.

    The candidates (fp32 and, where oneDNN has native bf16, bf16; each in channels-last and NCHW) and the peak
    are timed in alternating rounds, best of ``rounds`` each, so a busy machine slows them alike.

    Returns:
        The defaults' samples/s, the peak GFLOP/s of their precision, and the fp32 peak GFLOP/s.
    """
    from landcover.tuning import CpuCapabilities

    precisions = [False, True] if CpuCapabilities.detect().fast_bf16 else [False]
    candidates = [(bf16, layout) for bf16 in precisions for layout in (True, False)]
    rates = dict.fromkeys(candidates, 0.0)
    peaks = dict.fromkeys(precisions, 0.0)
    for _ in range(rounds):  # the peak too, each round: the load may change between rounds
        for bf16, layout in candidates:
            peaks[bf16] = max(peaks[bf16], peak_gflops(bf16, "cpu", layout))
            rates[bf16, layout] = max(rates[bf16, layout], training_samples_per_s(bf16, layout, steps, batch, "cpu"))
    print(
        f"peak (3x3 conv, 256 ch, best memory format, best of the rounds): bf16 {peaks.get(True, 0.0):.0f} GFLOP/s, "
        f"fp32 {peaks[False]:.0f} GFLOP/s"
    )
    for (bf16, layout), rate in rates.items():
        name = f"{'bf16' if bf16 else 'fp32'}, {'channels-last' if layout else 'NCHW'}"
        mark = " (defaults)" if (bf16, layout) == (speed.bf16, speed.channels_last) else ""
        print(
            f"training, {name}{mark}: {rate:.2f} samples/s = {rate * GFLOP_PER_SAMPLE:.0f} GFLOP/s = "
            f"{rate * GFLOP_PER_SAMPLE / peaks[bf16]:.2f} of {'bf16' if bf16 else 'fp32'} peak"
        )
    default = rates[speed.bf16, speed.channels_last]
    (best_bf16, best_layout), best = max(rates.items(), key=lambda item: item[1])
    peak = peaks.get(speed.bf16, peaks[False])
    print(
        f"training defaults vs best measured setting: {default / best:.2f} x "
        f"(defaults {speed.describe()} {default * GFLOP_PER_SAMPLE / peak:.2f} of peak; best "
        f"{'bf16' if best_bf16 else 'fp32'}, {'channels-last' if best_layout else 'NCHW'})"
    )
    return default, peak, peaks[False]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=None, help="crops per step [CPU 10, GPU 32]")
    parser.add_argument("--compile", action="store_true", help="also measure torch.compile")
    parser.add_argument("--skip-mpi", action="store_true")
    parser.add_argument("--rounds", type=int, default=2, help="CPU: rounds over the candidate settings (best of)")
    parser.add_argument("--untuned", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="write the CUDA figures to this JSON file")
    args = parser.parse_args()

    import torch

    from landcover.tuning import choose_settings

    if args.device == "cuda" and not torch.cuda.is_available():
        print("no CUDA device: --device cuda needs a GPU that torch can see (torch.cuda.is_available() is False)")
        return
    device = args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not args.untuned:
        cuda_benchmarks(args)
        return
    batch = args.batch_size or (32 if device == "cuda" else 10)
    speed = choose_settings(torch.device(device), "auto", "training")
    bf16 = speed.bf16
    if args.untuned:
        samples = training_samples_per_s(bf16, speed.channels_last, args.steps, batch, device)
        print(json.dumps({"samples_per_s": samples}))
        return

    print(
        f"device: {torch.cuda.get_device_name() if device == 'cuda' else 'CPU'}, "
        f"{torch.get_num_threads()} threads, defaults {speed.describe()} ({speed.reason}), batch {batch}"
    )
    default, peak, peak_fp32 = cpu_training_settings(speed, args.steps, batch, args.rounds)
    inline, prefetched = 0.0, 0.0
    for _ in range(2):  # alternated, best of two each (the peaks too): the machine may be shared
        peak_fp32 = max(peak_fp32, *(peak_gflops(False, device, layout) for layout in (True, False)))
        peak = max(peak, peak_gflops(True, device)) if bf16 else peak_fp32
        layout = speed.channels_last
        inline = max(inline, loop_samples_per_s(False, args.steps, batch, device, bf16, channels_last=layout)[0])
        prefetched = max(prefetched, loop_samples_per_s(True, args.steps, batch, device, bf16, channels_last=layout)[0])
    print(
        f"step loop on real crops: landcover train's {prefetched:.2f} samples/s "
        f"({prefetched * GFLOP_PER_SAMPLE / peak:.2f} of {'bf16' if bf16 else 'fp32'} peak, "
        f"{prefetched * GFLOP_PER_SAMPLE / peak_fp32:.2f} of fp32 peak; {prefetched / default:.2f} of the bare "
        f"step loop), the inline loop it replaced {inline:.2f}; ratio {prefetched / inline:.2f}"
    )
    if args.compile:
        compiled, compile_seconds = loop_samples_per_s(
            True, args.steps, batch, device, bf16, compile_model=True, channels_last=speed.channels_last
        )
        print(
            f"torch.compile: compiling first step {compile_seconds:.1f} s; then {compiled:.2f} samples/s "
            f"({compiled * GFLOP_PER_SAMPLE / peak:.2f} of peak), {compiled / prefetched:.2f}x the eager loop"
        )
    if device == "cuda":
        return
    env = {k: v for k, v in os.environ.items() if k not in TUNED_MALLOC}
    env[MALLOC_OPT_OUT] = "1"  # do not re-exec: measure glibc's default allocator
    command = [sys.executable, __file__, "--untuned", "--device", device, "--steps", str(args.steps)]
    untuned = json.loads(
        subprocess.run(
            [*command, "--batch-size", str(batch)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )["samples_per_s"]
    print(f"training without the tuned allocator: {untuned:.2f} samples/s; tuned is {default / untuned:.2f}x faster")
    print(f"sampler: {sampler_crops_per_s():,.0f} crops/s on one core")
    if not args.skip_mpi:
        from landcover.data.sample import write_sample_data

        with tempfile.TemporaryDirectory() as tmp:
            write_sample_data(tmp)
            data = Path(tmp) / "training_data"
            one, two = mpi_samples_per_s(1, data, Path(tmp)), mpi_samples_per_s(2, data, Path(tmp))
        print(
            f"landcover train, 1 thread per rank: 1 rank {one:.2f} samples/s, 2 ranks {two:.2f} samples/s, "
            f"speed-up {two / one:.2f}x"
        )


# --- CUDA: every setting that matters, in one run, against the GPU's own measured peak ---------------------------

CUDA_STEPS = 20
CUDA_SETTINGS = (  # (name, bf16, channels-last, batch)
    ("fp32 (TF32 convolutions), NCHW, batch 32", False, False, 32),
    ("fp32 (TF32 convolutions), channels-last, batch 32", False, True, 32),
    ("bf16, NCHW, batch 32", True, False, 32),
    ("bf16, channels-last, batch 32 (the defaults)", True, True, 32),
    ("bf16, channels-last, batch 64", True, True, 64),
    ("bf16, channels-last, batch 128", True, True, 128),
)


def cuda_benchmarks(args: argparse.Namespace) -> None:
    """Training samples/s on the GPU for each setting, as GFLOP/s and as a fraction of the measured bf16 peak.

    Also: the step loop of `landcover train` on real crops (eager, and compiled with torch.compile), and the
    crop sampler's crops/s on one core against the GPU's samples/s (which one bounds training).
    """
    import torch
    from cuda_bench import Figures, copy_bandwidth, peak_tflops

    figures = Figures(args.json)
    steps = max(args.steps, CUDA_STEPS)
    torch.backends.cudnn.benchmark = True
    props = torch.cuda.get_device_properties(0)
    figures.add(
        "device", props.name, f"device: {props.name}, {props.multi_processor_count} SMs, torch {torch.__version__}"
    )
    peak = peak_tflops(True)
    tf32 = peak_tflops(False)
    bandwidth = copy_bandwidth()
    figures.add("peak_bf16_tflops", peak, f"peak, 3x3 conv 256 ch: bf16 {peak:.0f} TFLOP/s, fp32 (TF32) {tf32:.0f}")
    figures.add("peak_tf32_tflops", tf32)
    figures.add("copy_gb_s", bandwidth, f"device copy: {bandwidth:.0f} GB/s (read + write)")
    rates: dict[str, float] = {}
    for name, bf16, channels_last, batch in CUDA_SETTINGS:
        torch.cuda.reset_peak_memory_stats()
        rate = training_samples_per_s(bf16, channels_last, steps, batch, "cuda")
        memory = torch.cuda.max_memory_allocated() / 2**30
        rates[name] = rate
        fraction = rate * GFLOP_PER_SAMPLE / 1e3 / peak
        figures.add(
            f"train {name}",
            {"samples_per_s": rate, "fraction_of_bf16_peak": fraction, "peak_memory_gib": memory},
            f"training, {name}: {rate:,.0f} samples/s = {rate * GFLOP_PER_SAMPLE / 1e3:.0f} TFLOP/s = "
            f"{fraction:.3f} of bf16 peak ({memory:.1f} GiB)",
        )
    best_name = max(rates, key=rates.__getitem__)
    figures.add("train_best", {"setting": best_name, "samples_per_s": rates[best_name]},
                f"best: {best_name}, {rates[best_name]:,.0f} samples/s (goal 5,000)")  # fmt: skip
    crops = sampler_crops_per_s(3.0)
    loop, _ = loop_samples_per_s(True, steps, 32, "cuda", True)
    bound = "the loader (one sampler thread)" if crops < loop else "the GPU"
    figures.add("sampler_crops_per_s", crops, f"crop sampler: {crops:,.0f} crops/s on one core")
    figures.add(
        "loop_samples_per_s",
        loop,
        f"landcover train's step loop on real crops, bf16 batch 32: {loop:,.0f} samples/s "
        f"({loop * GFLOP_PER_SAMPLE / 1e3 / peak:.3f} of peak); bound by {bound}",
    )
    compiled, compile_seconds = loop_samples_per_s(True, steps, 32, "cuda", True, compile_model=True)
    figures.add(
        "compiled_loop",
        {"samples_per_s": compiled, "compile_seconds": compile_seconds},
        f"torch.compile: first step {compile_seconds:.1f} s, then {compiled:,.0f} samples/s "
        f"({compiled / loop:.2f}x eager)",
    )


if __name__ == "__main__":
    reexec_with_tuned_allocator(sys.argv)
    main()
