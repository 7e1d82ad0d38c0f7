"""Inference benchmark: our engine against the seed's 256-in / 128-out tiling, measured in one run.

On a generated 2048 x 2048 scene with a `dataset`-normalised model, prints output megapixels/s of
- the seed's tiling (fp32), our large-block engine in fp32 (`--exact`) and in bf16 (where the CPU/GPU has it),
- the speed ratios, and class agreement with the seed's tiling (fp32 must be identical),
- peak memory (max RSS) of a full `landcover evaluate` on the scene and on one 4x larger,
- km²/s of the default engine (1 m pixels),
- on a CPU: every candidate setting (fp32 and, where oneDNN has native bf16, bf16; each in channels-last and
  NCHW) as MP/s and as a fraction of the peak 3x3-convolution rate measured here, and the line
  `inference defaults vs best measured setting: R x`.

`--device cuda` runs the CUDA comparison instead (see `cuda_benchmarks`): km²/s end to end and on the GPU alone,
fp32 vs bf16, channels-last, block size, each as a fraction of the GPU's bf16 convolution rate measured in the same
run; without a CUDA device it says so in one line. `--json PATH` writes its figures.

Usage: python scripts/bench_predict.py [--model CKPT] [--size 2048] [--block 1024] [--device auto|cpu|cuda]
       [--rounds 2] [--skip-memory] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from landcover.runtime import reexec_with_tuned_allocator  # noqa: E402


def write_scene(directory: Path, size: int) -> Path:
    from landcover.data.sample import generate_scene
    from landcover.data.sample import write_scene as write

    scene = generate_scene(42, size, 700_000.0, 4_100_000.0)
    return write(scene, directory, f"B{size}")[0]


def classes_and_rate(engine, path: Path) -> tuple[object, float]:
    import numpy as np
    import rasterio
    from rasterio.windows import Window

    with rasterio.open(path) as src:
        out = np.zeros((src.height, src.width), np.uint8)
        start = time.perf_counter()
        for block in engine.blocks(src, Window(0, 0, src.width, src.height)):
            r, c = int(block.window.row_off), int(block.window.col_off)
            out[r : r + block.classes.shape[0], c : c + block.classes.shape[1]] = block.classes
        seconds = time.perf_counter() - start
    return out, out.size / seconds / 1e6


def peak_memory_mb(scene: Path, model: Path, block: int) -> float:
    """Max RSS of a fresh process running the whole `landcover evaluate` pipeline."""
    code = (
        "import resource, sys; from pathlib import Path; "
        "from landcover.infer.evaluate import evaluate; "
        "from landcover.settings import EvaluateSettings; "
        f"evaluate(EvaluateSettings(input_filename={str(scene)!r}, model_filename=Path({str(model)!r}), "
        f"output_dir=Path({str(scene.parent / 'out')!r}), block={block})); "
        "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return int(result.stdout.split("RSS")[-1]) / 1024


def peak_gflops(bf16: bool, channels_last: bool) -> float:
    """Best-of-3 GFLOP/s of a 256-channel 3x3 convolution on the CPU."""
    import torch

    fmt = torch.channels_last if channels_last else torch.contiguous_format
    conv = torch.nn.Conv2d(256, 256, 3, padding=1, bias=False).to(memory_format=fmt)
    x = torch.rand(16, 256, 64, 64).contiguous(memory_format=fmt)
    best = float("inf")
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        conv(x)
        for _ in range(3):
            start = time.perf_counter()
            conv(x)
            best = min(best, time.perf_counter() - start)
    return 2 * 256 * 256 * 9 * 64 * 64 * 16 / best / 1e9


def cpu_inference_settings(model, scene: Path, block: int, rounds: int) -> None:
    """CPU: every candidate setting of the engine, and how far the defaults are from the best."""
    import torch

    from landcover.constants import MARGIN
    from landcover.infer.engine import Engine
    from landcover.tuning import CpuCapabilities, SpeedSettings, choose_settings

    cpu = torch.device("cpu")
    defaults = choose_settings(cpu, "auto", "inference")
    precisions = [False, True] if CpuCapabilities.detect().fast_bf16 else [False]
    peaks = dict.fromkeys(precisions, 0.0)
    # forward GFLOP per output MP: the blocks are read with their 64-px margin on every side
    per_mp = forward_flops_per_pixel() * ((block + 2 * MARGIN) / block) ** 2 / 1e3
    candidates = [SpeedSettings(bf16, layout, "candidate") for bf16 in precisions for layout in (True, False)]
    rates = {(c.bf16, c.channels_last): 0.0 for c in candidates}
    for _ in range(rounds):  # alternated, best of `rounds` each: the machine may be shared
        for c in candidates:  # the peak too, each round: the load may change between rounds
            peaks[c.bf16] = max(peaks[c.bf16], peak_gflops(c.bf16, c.channels_last))
            rate = classes_and_rate(Engine(model, cpu, block=block, speed=c), scene)[1]
            rates[c.bf16, c.channels_last] = max(rates[c.bf16, c.channels_last], rate)
    print(
        f"peak (3x3 conv, 256 ch, best memory format, best of the rounds): bf16 {peaks.get(True, 0.0):.0f} GFLOP/s, "
        f"fp32 {peaks[False]:.0f} GFLOP/s; the network: {per_mp:.0f} GFLOP per output MP at block {block}"
    )
    for c in candidates:
        rate = rates[c.bf16, c.channels_last]
        mark = " (defaults)" if (c.bf16, c.channels_last) == (defaults.bf16, defaults.channels_last) else ""
        print(
            f"inference, {c.describe()}{mark}: {rate:.3f} MP/s = {rate * per_mp:.0f} GFLOP/s = "
            f"{rate * per_mp / peaks[c.bf16]:.2f} of {'bf16' if c.bf16 else 'fp32'} peak"
        )
    default = rates[defaults.bf16, defaults.channels_last]
    best_key = max(rates, key=lambda key: rates[key])
    best = next(c for c in candidates if (c.bf16, c.channels_last) == best_key)
    print(
        f"inference defaults vs best measured setting: {default / rates[best_key]:.2f} x "
        f"(defaults {defaults.describe()} {default * per_mp / peaks[defaults.bf16]:.2f} of peak; "
        f"best {best.describe()})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a dataset-normalised checkpoint [a fresh seeded model]")
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--block", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=2, help="CPU: rounds over the candidate settings (best of)")
    parser.add_argument("--skip-memory", action="store_true", help="skip the peak-memory runs of evaluate")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--json", type=Path, help="write the CUDA figures to this JSON file")
    args = parser.parse_args()

    import numpy as np
    import torch

    import landcover
    from landcover.infer.engine import Engine
    from tests.data.models import fresh_checkpoint

    if args.device == "cuda" and not torch.cuda.is_available():
        print("no CUDA device: --device cuda needs a GPU that torch can see (torch.cuda.is_available() is False)")
        return
    device = torch.device("cuda" if torch.cuda.is_available() and args.device != "cpu" else "cpu")
    if device.type == "cuda":
        cuda_benchmarks(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model_path = args.model or fresh_checkpoint(work / "model.pt")
        model = landcover.load_model(model_path)
        assert model.config.normalisation == "dataset", "the benchmark needs a dataset-normalised model"
        scene = write_scene(work / "small", args.size)
        print(
            f"device: {torch.cuda.get_device_name() if device.type == 'cuda' else 'CPU'}, "
            f"{torch.get_num_threads()} threads; scene {args.size} x {args.size}; block {args.block}"
        )
        seed_classes, seed_rate = classes_and_rate(
            Engine(model, device, exact=True, tutorial_tiling=True, fuse=False), scene
        )
        print(f"seed tiling (256 in / 128 out, the seed's network as is), fp32: {seed_rate:.3f} MP/s")
        fp32_classes, fp32_rate = classes_and_rate(Engine(model, device, exact=True, block=args.block), scene)
        same = float(np.mean(fp32_classes == seed_classes))
        print(
            f"ours, fp32: {fp32_rate:.3f} MP/s = {fp32_rate / seed_rate:.2f}x the seed's tiling; "
            f"classes identical on {100 * same:.4f} % of pixels"
        )
        fast = Engine(model, device, block=args.block)
        if fast.bf16:
            bf16_classes, bf16_rate = classes_and_rate(fast, scene)
            agree = float(np.mean(bf16_classes == seed_classes))
            print(
                f"ours, bf16: {bf16_rate:.3f} MP/s = {bf16_rate / seed_rate:.2f}x the seed's tiling; "
                f"{100 * agree:.2f} % class agreement"
            )
        else:
            bf16_rate = fp32_rate
            print("ours, bf16: not supported on this device (the default engine runs fp32)")
        print(f"default engine: {bf16_rate:.3f} km²/s at 1 m pixels")
        if device.type == "cpu":
            cpu_inference_settings(model, scene, args.block, args.rounds)
        if args.skip_memory:
            return
        large = write_scene(work / "large", 2 * args.size)
        small_mb = peak_memory_mb(scene, model_path, args.block)
        large_mb = peak_memory_mb(large, model_path, args.block)
        print(
            f"peak memory, full evaluate: {small_mb:.0f} MB for {args.size}², {large_mb:.0f} MB for "
            f"{2 * args.size}² (4x the pixels): ratio {large_mb / small_mb:.2f}"
        )
        print(
            json.dumps(
                {
                    "seed_mp_s": seed_rate,
                    "fp32_mp_s": fp32_rate,
                    "bf16_mp_s": bf16_rate,
                    "fp32_identical": same,
                    "peak_mb": [small_mb, large_mb],
                }
            )
        )


# --- CUDA: km²/s end to end and on the GPU alone, against the GPU's own measured peak ------------------------------

CUDA_SCENE = 4096
"""A 4096 x 4096 scene (16.8 km² at 1 m): GPU blocks of up to 4096 px need a scene at least that large."""


def forward_flops_per_pixel() -> float:
    """FLOPs of the network's forward pass per input pixel, counted by torch on a 256 x 256 input."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from landcover.model.unet import SeedUNet

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        SeedUNet().eval()(torch.zeros(1, 4, 256, 256))
    return counter.get_total_flops() / 256**2


def cuda_benchmarks(args: argparse.Namespace) -> None:
    """Inference on the GPU: the engine end to end (read, copy, network, classes) and the network alone.

    Each setting's km²/s (1 m pixels) is also given as the fraction of the measured bf16 peak that the
    network's useful work (forward FLOPs of the output pixels, margins excluded) reaches.
    """
    import numpy as np
    import torch
    from cuda_bench import Figures, cuda_seconds, peak_tflops

    import landcover
    from landcover.data.sample import write_scene as write
    from landcover.infer.engine import Engine
    from landcover.model.unet import fused_for_inference
    from tests.data.large_scene import mirrored_scene
    from tests.data.models import fresh_checkpoint

    figures = Figures(args.json)
    torch.backends.cudnn.benchmark = True
    peak = peak_tflops(True)
    per_pixel = forward_flops_per_pixel()
    figures.add("peak_bf16_tflops", peak, f"device: {torch.cuda.get_device_name()}; bf16 conv peak {peak:.0f} TFLOP/s")
    figures.add("forward_flops_per_pixel", per_pixel, f"network forward: {per_pixel / 1e3:.0f} kFLOP per pixel")

    def fraction(km2_s: float) -> float:
        return km2_s * 1e6 * per_pixel / 1e12 / peak

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model_path = args.model or fresh_checkpoint(work / "model.pt")
        model = landcover.load_model(model_path)
        scene = write(mirrored_scene(CUDA_SCENE), work, "G")[0]
        reference = None
        for name, exact, block in (
            ("fp32 (TF32 convolutions), block 1024", True, 1024),
            ("bf16, block 1024 (the defaults)", False, 1024),
            ("bf16, block 2048", False, 2048),
            ("bf16, block 4096", False, 4096),
        ):
            engine = Engine(model, torch.device("cuda"), exact=exact, block=block)
            classes_and_rate(engine, scene)  # warm-up: cuDNN picks its kernels per block shape
            classes, mp_s = classes_and_rate(engine, scene)
            reference = classes if reference is None else reference
            agree = float(np.mean(classes == reference))
            figures.add(
                f"engine {name}",
                {"km2_per_s": mp_s, "fraction_of_bf16_peak": fraction(mp_s), "agreement_with_fp32": agree},
                f"engine end to end, {name}: {mp_s:.1f} km²/s = {fraction(mp_s):.3f} of bf16 peak "
                f"(classes as fp32's on {100 * agree:.2f} %)",
            )
        network = fused_for_inference(model.eval()).cuda()
        for name, bf16, channels_last, batch, side in (
            ("bf16, channels-last, 8 x 1152²", True, True, 8, 1152),
            ("bf16, NCHW, 8 x 1152²", True, False, 8, 1152),
            ("bf16, channels-last, 2 x 4224²", True, True, 2, 4224),
            ("fp32 (TF32), channels-last, 8 x 1152²", False, True, 8, 1152),
        ):
            fmt = torch.channels_last if channels_last else torch.contiguous_format
            net = network.to(memory_format=fmt)  # type: ignore[call-overload]
            x = torch.rand(batch, 4, side, side, device="cuda").contiguous(memory_format=fmt)

            def forward(net=net, x=x, bf16=bf16) -> None:
                with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):
                    net(x).argmax(1)

            inner = batch * (side - 128) ** 2 / 1e6  # output km² per pass (the 64-px margins are context)
            km2_s = inner / cuda_seconds(forward, repeat=10)
            figures.add(
                f"network {name}",
                {"km2_per_s": km2_s, "fraction_of_bf16_peak": fraction(km2_s)},
                f"network alone on the GPU, {name}: {km2_s:.1f} km²/s = {fraction(km2_s):.3f} of bf16 peak "
                "(goal 100 km²/s)",
            )


if __name__ == "__main__":
    reexec_with_tuned_allocator(sys.argv)
    main()
