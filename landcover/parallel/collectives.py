"""Collectives over the ranks of a job; each is a no-op (or the value itself) when a process runs alone."""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist


def all_reduce_sum(values: torch.Tensor) -> torch.Tensor:
    """Sum a tensor over all ranks (a no-op when running alone)."""
    if dist.is_initialized():
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values


def barrier() -> None:
    """Wait for every rank (a no-op when running alone)."""
    if dist.is_initialized():
        dist.barrier()


def broadcast_object(value: Any, source: int = 0) -> Any:
    """Rank ``source``'s value of a picklable object, on every rank (the value itself when running alone)."""
    if not dist.is_initialized():
        return value
    box = [value]
    dist.broadcast_object_list(box, src=source)
    return box[0]
