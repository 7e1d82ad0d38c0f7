"""Many-scene benchmark: `landcover predict` over the same scenes on 1 rank and on 2 MPI ranks, in one run.

Writes N synthetic scenes of different sizes (1 m pixels) and a model, then runs
- `landcover predict` alone (one rank, all CPU threads, or the one GPU), and
- `mpirun -np 2 landcover predict` (two ranks sharing the work queue, threads split between them),
each into a fresh output folder, and prints km²/s of each (mapping time, from summary.json), the whole
command's wall time, the 2-vs-1 ratio, whether both runs made identical maps, and the load average
(the machine may be shared).

Usage: python scripts/bench_predict_many.py [--model CKPT] [--scenes 6] [--size 1024]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def write_scenes(directory: Path, count: int, size: int) -> list[Path]:
    from landcover.data.sample import generate_scene, write_scene

    paths = []
    for index in range(count):
        side = size // 2 + (index * size) // max(count - 1, 1) // 2 * 2  # from size/2 to about 1.5 x size
        side -= side % 8
        scene = generate_scene(100 + index, side, 700_000.0 + index * 2 * size, 4_100_000.0)
        paths.append(write_scene(scene, directory, f"T{index:02d}")[0])
    return paths


def mpirun(processes: int) -> list[str]:
    command = ["mpirun", "-np", str(processes), "--oversubscribe", "--bind-to", "none"]
    return [*command, "--allow-run-as-root"] if os.geteuid() == 0 else command


def run(prefix: list[str], scenes: Path, model: Path, out: Path) -> tuple[dict, float]:
    command = [*prefix, sys.executable, "-m", "landcover", "predict", "--scenes", str(scenes)]
    command += ["--model-filename", str(model), "--output-dir", str(out)]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env={**os.environ, "LANDCOVER_PROGRESS": "plain"})
    return json.loads((out / "summary.json").read_text()), time.perf_counter() - start


def same_maps(a: Path, b: Path) -> bool:
    import numpy as np
    import rasterio

    for path in sorted(a.glob("*_landcover.tif")):
        with rasterio.open(path) as x, rasterio.open(b / path.name) as y:
            if not np.array_equal(x.read(1), y.read(1)):
                return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a checkpoint [a fresh seeded model]")
    parser.add_argument("--scenes", type=int, default=6)
    parser.add_argument("--size", type=int, default=1024, help="typical scene side in pixels")
    args = parser.parse_args()
    if shutil.which("mpirun") is None:
        sys.exit("mpirun not found (make setup installs OpenMPI)")

    from tests.data.models import fresh_checkpoint

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = args.model or fresh_checkpoint(work / "model.pt")
        scenes = write_scenes(work / "scenes", args.scenes, args.size)
        print(f"{len(scenes)} scenes, {os.cpu_count()} CPUs, load average before: {os.getloadavg()[0]:.2f}")
        one, one_wall = run([], work / "scenes", model, work / "one")
        print(f"1 rank : {one['km2']:.2f} km² at {one['km2_per_s']:.3f} km²/s (command {one_wall:.1f} s)")
        two, two_wall = run(mpirun(2), work / "scenes", model, work / "two")
        print(f"2 ranks: {two['km2']:.2f} km² at {two['km2_per_s']:.3f} km²/s (command {two_wall:.1f} s)")
        ratio = two["km2_per_s"] / one["km2_per_s"]
        identical = same_maps(work / "one", work / "two")
        print(f"2 ranks vs 1: {ratio:.2f}x; identical maps: {identical}; load average after: {os.getloadavg()[0]:.2f}")
        print(json.dumps({"km2_per_s": [one["km2_per_s"], two["km2_per_s"]], "ratio": ratio, "identical": identical}))


if __name__ == "__main__":
    main()
