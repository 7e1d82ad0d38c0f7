"""The step loop: written for GPUs (and exact on CPUs), so the device never waits for the host.

- The next batch is drawn by the crop sampler on a background thread while the current step runs, and on
  a GPU copied into pinned (page-locked) host memory, so ``.to(device, non_blocking=True)`` is a real
  asynchronous copy. The sampler is used by that one thread only, in order, so batches are the same as
  drawn inline: resumed runs stay exact.
- Inside an epoch nothing waits for the device: the loss and error sums stay on the device, and the loss
  is read (``.item()``, a host synchronisation) only when the progress display is about to show it.
- Each batch travels with the sampler's state from before it was drawn, so a run stopped before a step
  (:mod:`landcover.train.preempt`) knows the sampler position to resume from although batches were
  drawn ahead.
- The first step of a ``--compile`` run (torch.compile) is timed on its own, so compile time is reported
  apart from throughput.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import torch
import torch.nn.functional as F

from landcover.constants import MARGIN, UNKNOWN
from landcover.data.sampler import CropSampler
from landcover.io.progress import ProgressReporter
from landcover.model.unet import predicted_classes

PREFETCH_DEPTH = 2
"""Batches drawn ahead of the step that uses them."""


class BatchPrefetcher:
    """Draws ``steps`` batches on a background thread; iterating yields them on the device."""

    def __init__(
        self, sampler: CropSampler, batch_size: int, steps: int, device: torch.device, *, channels_last: bool = True
    ) -> None:
        """Start drawing.

        Args:
            sampler: This rank's crop sampler (used by the background thread only from now on).
            batch_size: Crops per batch.
            steps: Batches to draw.
            device: Where the batches go.
            channels_last: Images in channels-last memory format (otherwise contiguous NCHW), as the model.
        """
        self.sampler, self.batch_size, self.steps, self.device = sampler, batch_size, steps, device
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.pin = device.type == "cuda"
        self.ready: queue.Queue[Any] = queue.Queue(maxsize=PREFETCH_DEPTH)
        self.pending_state = sampler.state()
        """The sampler's state before the batch yielded last (the position to resume from if it is not used)."""
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._draw, name="batch-prefetch", daemon=True)
        self.thread.start()

    def _draw(self) -> None:
        try:
            for _ in range(self.steps):
                state = self.sampler.state()
                images, labels = self.sampler.batch(self.batch_size)
                host = (torch.from_numpy(images), torch.from_numpy(labels))
                if self.pin:
                    host = (host[0].pin_memory(), host[1].pin_memory())
                if not self._put((*host, state)):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(exc)

    def _put(self, item: Any) -> bool:
        while not self.stop.is_set():
            try:
                self.ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Batches as (images float (N, 4, H, W) in [0, 1] in the memory format asked for, labels int64 (N, h, w)).

        The (N, H, W, 4) crops are laid out as channels-last already; NCHW is laid out while still uint8.
        """
        try:
            for _ in range(self.steps):
                item = self.ready.get()
                if isinstance(item, BaseException):
                    raise item
                images, labels, self.pending_state = item
                x = images.to(self.device, non_blocking=True).permute(0, 3, 1, 2)
                x = x.contiguous(memory_format=self.memory_format).float().div_(255.0)
                y = labels.to(self.device, non_blocking=True).long()
                yield x, y
        finally:
            self.close()

    def close(self) -> None:
        """Stop the background thread (also when the consumer stops early)."""
        self.stop.set()
        self.thread.join()


class StepLoop:
    """Optimiser steps for one network; sums of loss and errors kept on the device."""

    def __init__(
        self,
        network: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        weights: torch.Tensor,
        device: torch.device,
        *,
        bf16: bool,
        compiled: bool = False,
        channels_last: bool = True,
    ) -> None:
        """Set up the loop.

        Args:
            network: The (possibly DDP-wrapped, possibly compiled) network, in train mode.
            optimizer: Its optimiser.
            weights: Loss weight per class (0 for unknown), on the device.
            device: Where the steps run.
            bf16: bf16 autocast.
            compiled: The network is torch.compile'd: time its first step apart.
            channels_last: The network is in channels-last memory format (its batches should be too).
        """
        self.network, self.optimizer, self.weights, self.device = network, optimizer, weights, device
        self.bf16, self.compiled, self.channels_last = bf16, compiled, channels_last
        self.compile_seconds: float | None = None
        self.stopped_at: int | None = None
        """The step before which the last :meth:`epoch` stopped on request (``None``: it ran to its end)."""

    def step(self, x: torch.Tensor, y: torch.Tensor, lr: float) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimiser step.

        Returns:
            The loss (a 0-d device tensor) and (weighted loss sum, loss weight, errors, known pixels) as a
            float64 device tensor. Nothing here waits for the device.
        """
        for group in self.optimizer.param_groups:
            group["lr"] = lr * group.get("lr_scale", 1.0)  # lr_scale 0: a held encoder (--freeze-encoder-epochs)
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            scores = self.network(x)
        centre = scores[:, :, MARGIN:-MARGIN, MARGIN:-MARGIN].float()
        loss_sum = F.cross_entropy(centre, y, weight=self.weights, reduction="sum")
        weight_sum = self.weights[y].sum()
        loss = loss_sum / weight_sum.clamp_min(1e-6)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        with torch.no_grad():
            known = y != UNKNOWN
            wrong = (predicted_classes(centre) != y) & known
            parts = torch.stack(
                [v.double() for v in (loss_sum.detach(), weight_sum.detach(), wrong.sum(), known.sum())]
            )
        return loss.detach(), parts

    def epoch(
        self,
        batches: Iterator[tuple[torch.Tensor, torch.Tensor]] | BatchPrefetcher,
        rate: Callable[[int], float],
        bar: ProgressReporter,
        samples_per_step: int,
        *,
        first_step: int = 0,
        sums: torch.Tensor | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> tuple[torch.Tensor, float, float]:
        """Run the steps of one epoch (or of its rest, from ``first_step``).

        Args:
            batches: The epoch's batches (a :class:`BatchPrefetcher`).
            rate: Learning rate of each step of the epoch.
            bar: Progress display (rank 0); the loss is read only when it is about to be shown.
            samples_per_step: Samples per step over all ranks, for the display.
            first_step: The epoch's first step to run (a run resumed part-way through the epoch).
            sums: The sums of the steps before ``first_step`` (resumed part-way), added to in place.
            stop: Asked before every step; ``True`` stops the epoch there (every rank must get the same
                answer) and :attr:`stopped_at` says where.

        Returns:
            The summed parts of :meth:`step` (on the device), the epoch's seconds, and the seconds of the
            compiling first step (0 when nothing was compiled in this epoch).
        """
        if sums is None:
            sums = torch.zeros(4, dtype=torch.float64, device=self.device)
        start = time.perf_counter()
        compile_seconds = 0.0
        self.stopped_at = None
        for index, (x, y) in enumerate(batches, start=first_step):
            if stop is not None and stop():
                self.stopped_at = index
                break
            loss, parts = self.step(x, y, rate(index))
            sums += parts
            if self.compiled and self.compile_seconds is None:
                if self.device.type == "cuda":
                    torch.cuda.synchronize(self.device)
                compile_seconds = self.compile_seconds = time.perf_counter() - start
            note = f"loss {loss.item():.3f}" if bar.note_due(samples_per_step) else None
            bar.advance(samples_per_step, note)
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        return sums, time.perf_counter() - start, compile_seconds
