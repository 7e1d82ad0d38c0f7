"""Inference benchmark: our engine against the seed's 256-in / 128-out tiling, measured in one run.

On a generated 2048 x 2048 scene with a `dataset`-normalised model, prints output megapixels/s of
- the seed's tiling (fp32), our large-block engine in fp32 (`--exact`) and in bf16 (where the CPU/GPU has it),
- the speed ratios, and class agreement with the seed's tiling (fp32 must be identical),
- peak memory (max RSS) of a full `landcover evaluate` on the scene and on one 4x larger,
- km²/s of the default engine (1 m pixels),
- on a CPU: every candidate setting (fp32 and, where oneDNN has native bf16, bf16; each in channels-last and
  NCHW) as MP/s and as a fraction of the peak 3x3-convolution rate measured here, and the line
  `inference defaults vs best measured setting: R x`.

Usage: python scripts/bench_predict.py [--model CKPT] [--size 2048] [--block 1024] [--rounds 2] [--skip-memory]
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
        "from landcover.infer.evaluate import EvaluateOptions, evaluate; "
        "from landcover.infer.region import RegionRequest; "
        f"evaluate(EvaluateOptions(Path({str(scene)!r}), Path({str(model)!r}), Path({str(scene.parent / 'out')!r}), "
        f"RegionRequest(), block={block})); "
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


def gflop_per_output_mp(model, block: int) -> float:
    """Convolution GFLOP of the network per output megapixel for blocks read with their 64-px margin.

    Counted with hooks on a 256 x 256 input and scaled: every layer's work grows with its pixels.
    """
    import torch

    from landcover.constants import MARGIN

    flops = 0.0

    def count(module, inputs, output) -> None:
        nonlocal flops
        if isinstance(module, torch.nn.ConvTranspose2d):
            kernel = module.kernel_size[0] * module.kernel_size[1] * module.out_channels // module.groups
            flops += 2.0 * inputs[0].numel() * kernel
        else:
            kernel = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
            flops += 2.0 * output.numel() * kernel

    hooks = [
        m.register_forward_hook(count)
        for m in model.modules()
        if isinstance(m, torch.nn.Conv2d | torch.nn.ConvTranspose2d)
    ]
    with torch.no_grad():
        model.eval()(torch.rand(1, model.config.in_channels, 256, 256))
    for hook in hooks:
        hook.remove()
    side = block + 2 * MARGIN
    return flops * (side / 256) ** 2 / block**2 / 1e3  # FLOP per output pixel x 1e6 / 1e9


def cpu_inference_settings(model, scene: Path, block: int, rounds: int) -> None:
    """CPU: every candidate setting of the engine, and how far the defaults are from the best."""
    import torch

    from landcover.infer.engine import Engine
    from landcover.tuning import CpuCapabilities, SpeedSettings, choose_settings

    cpu = torch.device("cpu")
    defaults = choose_settings(cpu, "auto")
    precisions = [False, True] if CpuCapabilities.detect().fast_bf16 else [False]
    peaks = {bf16: max(peak_gflops(bf16, layout) for layout in (True, False)) for bf16 in precisions}
    per_mp = gflop_per_output_mp(model, block)
    print(
        f"peak (3x3 conv, 256 ch, best memory format): bf16 {peaks.get(True, 0.0):.0f} GFLOP/s, "
        f"fp32 {peaks[False]:.0f} GFLOP/s; the network: {per_mp:.0f} GFLOP per output MP at block {block}"
    )
    candidates = [SpeedSettings(bf16, layout, "candidate") for bf16 in precisions for layout in (True, False)]
    rates = {(c.bf16, c.channels_last): 0.0 for c in candidates}
    for _ in range(rounds):  # alternated, best of `rounds` each: the machine may be shared
        for c in candidates:
            rate = classes_and_rate(Engine(model, cpu, block=block, speed=c), scene)[1]
            rates[c.bf16, c.channels_last] = max(rates[c.bf16, c.channels_last], rate)
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
    args = parser.parse_args()

    import numpy as np
    import torch

    import landcover
    from landcover.infer.engine import Engine
    from tests.data.models import fresh_checkpoint

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
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
            Engine(model, device, exact=True, seed_tiling=True, fuse=False), scene
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


if __name__ == "__main__":
    reexec_with_tuned_allocator(sys.argv)
    main()
