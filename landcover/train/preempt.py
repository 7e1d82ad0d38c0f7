"""Preemption without loss: a signalled stop at a step every rank agrees on, with a checkpoint there.

Schedulers signal a job before they kill it: Slurm with ``--signal`` (before a preemption or the time
limit), Azure ML low-priority nodes and Kubernetes with SIGTERM. ``landcover train`` handles SIGTERM and
SIGUSR1 as a request to stop:

- the handler only records the request (a second signal, also one arriving while the checkpoint is written,
  changes nothing);
- before every step each rank adds its request to a one-integer all-reduce (gloo, on the host, so a GPU run
  does not wait for its device): a signal that reached one rank only stops every rank before the same step;
- rank 0 writes ``epoch-NNNN-step-SSSSSS.pt`` atomically (weights, optimiser, schedule, every rank's random
  states, sampler position and partial loss sums), every rank waits for it and exits with
  :data:`~landcover.constants.PREEMPTED_EXIT_CODE`;
- the same command run again resumes before that step, bitwise as if never stopped.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import torch
import torch.distributed as dist

from landcover.parallel.world import World

STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGUSR1)
"""Signals that ask ``landcover train`` to checkpoint and stop."""


class Preempted(Exception):
    """Training stopped on a signal after writing its checkpoint (or with nothing new to write).

    Attributes:
        signal_name: The signal, e.g. ``SIGTERM``.
        checkpoint: The checkpoint to resume from (``None``: nothing was trained since the newest one).
    """

    def __init__(self, signal_name: str, checkpoint: Path | None) -> None:
        super().__init__(f"stopped by {signal_name}")
        self.signal_name, self.checkpoint = signal_name, checkpoint


@dataclass
class Interrupted:
    """Where an epoch stopped on request: before ``step`` (this run began at ``first_step``), and this rank's state."""

    epoch: int
    first_step: int
    step: int
    sums: torch.Tensor
    seconds: float
    sampler: str


class StopRequests:
    """Records SIGTERM / SIGUSR1 instead of dying; :meth:`agreed` tells every rank the same answer.

    Use as a context manager around the training. The previous handlers come back when the training ends
    without a stop request; after one, the process is on its way out with its checkpoint written, so stop
    signals stay ignored (a scheduler or ``mpirun`` that repeats the request cannot turn exit 75 into a death
    by signal).
    """

    def __init__(self, world: World) -> None:
        """Make the host-side process group the check uses (a collective: every rank calls it).

        Args:
            world: This process's place in the job.
        """
        self.world = world
        self.received = 0
        """The first stop signal's number (0: none yet)."""
        self.agreed_signal = 0
        self.group: Any = None
        if world.size > 1 and dist.is_initialized():
            self.group = dist.group.WORLD if dist.get_backend() == "gloo" else dist.new_group(backend="gloo")
        self.flag = torch.zeros(1, dtype=torch.int32)
        self.previous: dict[signal.Signals, Any] = {}

    def __enter__(self) -> StopRequests:
        if threading.current_thread() is threading.main_thread():  # Python allows handlers there only
            for number in STOP_SIGNALS:
                self.previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self.previous.items():
            signal.signal(number, signal.SIG_IGN if self.received else handler)
        self.previous.clear()

    def _handle(self, number: int, frame: FrameType | None) -> None:
        if not self.received:
            self.received = number

    def agreed(self) -> bool:
        """Whether any rank has received a stop signal (a collective: every rank asks before the same step)."""
        if self.group is None:
            self.agreed_signal = self.received
        else:
            self.flag[0] = self.received
            dist.all_reduce(self.flag, op=dist.ReduceOp.MAX, group=self.group)
            self.agreed_signal = int(self.flag[0])
        return self.agreed_signal != 0

    @property
    def signal_name(self) -> str:
        """The agreed signal's name (the highest-numbered one any rank received)."""
        return signal.Signals(self.agreed_signal).name if self.agreed_signal else "a stop request"

    def gather(self, value: Any) -> list[Any]:
        """Every rank's ``value``, in rank order, on every rank (over the host-side group)."""
        if self.group is None:
            return [value]
        values: list[Any] = [None] * self.world.size
        dist.all_gather_object(values, value, group=self.group)
        return values
