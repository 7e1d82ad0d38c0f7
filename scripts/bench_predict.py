"""Inference benchmark: our engine against the seed's 256-in / 128-out tiling, measured in one run.

On a generated 2048 x 2048 scene with a `dataset`-normalised model, prints output megapixels/s of
- the seed's tiling (fp32), our large-block engine in fp32 (`--exact`) and in bf16 (where the CPU/GPU has it),
- the speed ratios, and class agreement with the seed's tiling (fp32 must be identical),
- peak memory (max RSS) of a full `landcover evaluate` on the scene and on one 4x larger,
- km²/s of the default engine (1 m pixels).

Usage: python scripts/bench_predict.py [--model CKPT] [--size 2048] [--block 1024]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a dataset-normalised checkpoint [a fresh seeded model]")
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--block", type=int, default=1024)
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
