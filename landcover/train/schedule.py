"""The learning-rate schedule: fixed when a run starts, stored in every checkpoint, extended only explicitly.

A schedule is a list of segments, each covering whole epochs at a fixed number of steps per epoch:

- a run starts with one ``warm-up + cosine`` segment: a linear warm-up over the first 5 % of its steps,
  then a cosine decay from the peak rate to 1 % of it at the run's last epoch;
- ``--epochs N`` beyond the stored length *extends* the run: the rest of the stored schedule is replaced by
  one cosine segment from the rate the next step would have had down to the same final rate at epoch N
  (a finished run therefore continues at its final rate; for a higher one use ``--restart``);
- ``--restart`` starts a fresh ``warm-up + cosine`` segment from the newest checkpoint's weights.

The rate is a pure function of (schedule, epoch, step), so a resumed run continues exactly where it stopped.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

WARMUP_FRACTION = 0.05
FINAL_LR_FRACTION = 0.01


def learning_rate(step: int, total: int, peak: float) -> float:
    """Linear warm-up, then cosine decay to 1 % of the peak (step counted from 0 within ``total``)."""
    warmup = max(1, int(WARMUP_FRACTION * total))
    if step < warmup:
        return peak * (step + 1) / warmup
    return cosine(step - warmup, total - warmup, peak, FINAL_LR_FRACTION * peak)


def cosine(step: int, total: int, start: float, end: float) -> float:
    """Half a cosine from ``start`` (step 0) to ``end`` (step ``total``)."""
    progress = min(1.0, step / max(1, total))
    return end + (start - end) * 0.5 * (1 + math.cos(math.pi * progress))


@dataclass(frozen=True)
class Segment:
    """Epochs ``first_epoch + 1 .. last_epoch`` (1-based) at ``steps_per_epoch`` steps each.

    Attributes:
        first_epoch: Epochs done before the segment starts.
        last_epoch: The segment's last epoch.
        steps_per_epoch: Optimiser steps per epoch.
        peak: The peak rate (warm-up segments) and the reference for the final rate.
        start_lr: ``None`` for warm-up + cosine; otherwise the rate a cosine-only segment starts from.
        planned_last_epoch: Where the segment's curve ends when it was cut short by an extension (its rates
            stay those it was trained with); ``None``: at ``last_epoch``.
    """

    first_epoch: int
    last_epoch: int
    steps_per_epoch: int
    peak: float
    start_lr: float | None = None
    planned_last_epoch: int | None = None

    @property
    def steps(self) -> int:
        """Steps of the segment's whole curve."""
        return ((self.planned_last_epoch or self.last_epoch) - self.first_epoch) * self.steps_per_epoch

    def rate(self, epoch: int, step: int) -> float:
        """The rate of ``step`` (0-based) of ``epoch`` (1-based, inside the segment)."""
        local = (epoch - 1 - self.first_epoch) * self.steps_per_epoch + step
        if self.start_lr is None:
            return learning_rate(local, self.steps, self.peak)
        return cosine(local, self.steps, self.start_lr, FINAL_LR_FRACTION * self.peak)


@dataclass(frozen=True)
class Schedule:
    """The segments of a run, in epoch order."""

    segments: tuple[Segment, ...]

    @classmethod
    def fresh(cls, first_epoch: int, last_epoch: int, steps_per_epoch: int, peak: float) -> Schedule:
        """One warm-up + cosine segment (a new run, or ``--restart`` after ``first_epoch`` epochs)."""
        return cls((Segment(first_epoch, last_epoch, steps_per_epoch, peak),))

    @property
    def last_epoch(self) -> int:
        """The epoch the schedule ends with (the run's stored length)."""
        return self.segments[-1].last_epoch

    @property
    def steps_per_epoch(self) -> int:
        """Steps per epoch of the newest segment."""
        return self.segments[-1].steps_per_epoch

    def segment(self, epoch: int) -> Segment:
        """The segment that covers ``epoch`` (the last one beyond the end)."""
        for segment in self.segments:
            if segment.first_epoch < epoch <= segment.last_epoch:
                return segment
        return self.segments[-1]

    def rate(self, epoch: int, step: int) -> float:
        """The learning rate of ``step`` (0-based) of ``epoch`` (1-based)."""
        return self.segment(epoch).rate(epoch, step)

    def rate_after(self, done: int) -> float:
        """The rate the step after ``done`` epochs has (the final rate once the schedule is complete)."""
        if done < self.last_epoch:
            return self.rate(done + 1, 0)
        last = self.segments[-1]
        return last.rate(last.last_epoch + 1, 0)

    def extended(self, done: int, last_epoch: int) -> Schedule:
        """The schedule after ``done`` epochs, extended to ``last_epoch``: one cosine from the current rate.

        Args:
            done: Epochs completed (the newest checkpoint's epoch).
            last_epoch: The new length, beyond :attr:`last_epoch`.

        Returns:
            Segments up to ``done`` unchanged, then a cosine from the rate the next step would have had.
        """
        current = self.segment(done + 1)
        kept = [
            s if s.last_epoch <= done else replace(s, last_epoch=done, planned_last_epoch=s.last_epoch)
            for s in self.segments
            if s.first_epoch < done
        ]
        tail = Segment(done, last_epoch, current.steps_per_epoch, current.peak, self.rate_after(done))
        return Schedule((*kept, tail))

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form for the checkpoint."""
        return {"segments": [asdict(s) for s in self.segments]}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Schedule:
        """Rebuild from :meth:`to_dict` output."""
        return cls(tuple(Segment(**s) for s in values["segments"]))
