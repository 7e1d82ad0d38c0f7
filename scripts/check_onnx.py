"""ONNX agreement over several scenes: the exported model in ONNX Runtime (CPU) against the checkpoint in PyTorch.

For each scene, the centre region (``--size``, at most the scene) runs through both; prints per scene and in
total the share of pixels given the same class and the largest absolute output difference. The figure in the
README comes from this script.

Usage: python scripts/check_onnx.py MODEL.pt MODEL.onnx SCENE.tif [SCENE.tif ...] [--size 1024]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from landcover.constants import NETWORK_MULTIPLE
    from landcover.infer.export_onnx import compare_with_onnxruntime, read_check_region

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("onnx", type=Path)
    parser.add_argument("scenes", type=Path, nargs="+")
    parser.add_argument("--size", type=int, default=1024)
    args = parser.parse_args()

    pixels = same = 0
    worst = 0.0
    for scene in args.scenes:
        region = read_check_region(scene, args.size, NETWORK_MULTIPLE)
        agreement = compare_with_onnxruntime(args.model, args.onnx, region)
        pixels, same = pixels + agreement.pixels, same + agreement.same_class
        worst = max(worst, agreement.max_abs_difference)
        print(
            f"{scene.name}: {region.shape[2]} x {region.shape[1]} px, same class {100 * agreement.fraction:.4f} %, "
            f"max |difference| {agreement.max_abs_difference:.3g}"
        )
    print(f"total: {pixels} px, same class on {100 * same / pixels:.4f} %, max |difference| {worst:.3g}")


if __name__ == "__main__":
    main()
