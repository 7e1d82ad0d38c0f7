"""Cost of the preemption stop check (a one-integer all-reduce before every step), under mpirun.

    mpirun -np 2 python scripts/bench_stop_check.py --steps 12 --checks 2000

Prints, on rank 0, the time of one check alone and the training steps/s with and without the check
(alternating blocks of steps, so that load from elsewhere falls on both alike).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from landcover.data.sampler import CropSampler
from landcover.io.progress import ProgressReporter
from landcover.model.unet import ModelConfig, SeedUNet
from landcover.parallel.collectives import barrier
from landcover.parallel.world import init_world
from landcover.train.preempt import StopRequests
from landcover.train.steps import BatchPrefetcher, StepLoop


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=12, help="Steps per timed block.")
    parser.add_argument("--blocks", type=int, default=3, help="Blocks with and without the check, alternating.")
    parser.add_argument("--checks", type=int, default=2000, help="Checks timed alone.")
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    world = init_world(args.threads)
    stop = StopRequests(world)

    barrier()
    start = time.perf_counter()
    for _ in range(args.checks):
        stop.agreed()
    check_us = (time.perf_counter() - start) / args.checks * 1e6

    rng = np.random.default_rng(world.rank)
    images = [rng.integers(0, 255, (4, 600, 600), dtype=np.uint8)]
    labels = [rng.integers(1, 5, (600, 600), dtype=np.uint8)]
    sampler = CropSampler(images, labels, np.random.default_rng(world.rank))
    torch.manual_seed(0)
    model = SeedUNet(ModelConfig()).to(world.device).to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    network = DistributedDataParallel(model) if world.size > 1 else model
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    weights = torch.ones(5, device=world.device)
    loop = StepLoop(network, optimizer, weights, world.device, bf16=False)
    silent = ProgressReporter("", 1, "", enabled=False)
    batches = BatchPrefetcher(sampler, args.batch_size, 2, world.device)
    loop.epoch(batches, lambda step: 1e-4, silent, args.batch_size)  # warm-up
    seconds = {"without": 0.0, "with": 0.0}
    for _ in range(args.blocks):
        for name in ("without", "with"):
            barrier()
            batches = BatchPrefetcher(sampler, args.batch_size, args.steps, world.device)
            _, elapsed, _ = loop.epoch(
                batches, lambda step: 1e-4, silent, args.batch_size, stop=stop.agreed if name == "with" else None
            )
            seconds[name] += elapsed
    if world.is_main:
        total = args.steps * args.blocks
        without, with_check = total / seconds["without"], total / seconds["with"]
        print(
            f"{world.size} rank(s) on {world.device}: one check {check_us:.0f} us; "
            f"{without:.3f} steps/s without the check, {with_check:.3f} with "
            f"({100 * (without - with_check) / without:+.1f} %), {total} steps each"
        )


if __name__ == "__main__":
    main()
