"""Wall time of the smoke training job in the container vs as local processes, measured in one run.

    python scripts/bench_docker.py [--epoch-size 8] [--repeats 1]

Both run `jobs/training_job.json` (1 epoch over the eight sample pairs, 2 MPI ranks on the CPU) through
`runner local submit --wait` in one fresh local root, alternating backends; the image must be built
(`runner build`). Prints each wall time and the ratio docker / process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def runner(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "runner", *args], cwd=REPO, check=True, capture_output=True, text=True)


def timed_job(root: Path, backend: str, name: str, epoch_size: int) -> float:
    start = time.perf_counter()
    runner(
        "local", "submit", str(REPO / "jobs/training_job.json"), "--root", str(root), "--name", name,
        "--backend", backend, "--gpus", "0" if backend == "docker" else "auto", "--wait",
        "--extra-args", f"--epoch-size {epoch_size} --batch-size 2",
    )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epoch-size", type=int, default=8, help="training samples in the epoch")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-docker-") as temp:
        root = Path(temp)
        runner("local", "setup", "--root", str(root), "--models-from", str(root / "none"))
        times: dict[str, list[float]] = {"process": [], "docker": []}
        for repeat in range(args.repeats):
            for backend in times:
                times[backend].append(timed_job(root, backend, f"{backend}{repeat}", args.epoch_size))
                print(f"{backend:8s} run {repeat + 1}: {times[backend][-1]:6.1f} s", flush=True)
    process, docker = (statistics.median(times[b]) for b in ("process", "docker"))
    print(f"smoke job (epoch of {args.epoch_size} samples, 2 ranks): process {process:.1f} s, docker {docker:.1f} s")
    print(f"docker / process wall time: {docker / process:.2f}x")


if __name__ == "__main__":
    main()
