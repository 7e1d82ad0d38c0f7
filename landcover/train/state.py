"""The training state a checkpoint carries for resuming: typed, versioned, with one upgrade from every older layout.

A checkpoint's ``training`` entry is :class:`TrainingState` in stored form (plain dictionaries, lists, numbers
and tensors, so ``torch.load(..., weights_only=True)`` reads it). ``state_version`` says which layout it is:

1. every layout written before the state was typed (no ``state_version``): landcover-runner 0.1 and the
   releases up to the model zoo. Its keys arrived one by one, so an entry may lack ``schedule`` (rebuilt from
   its settings), ``dataset`` (not checked), ``random`` or the per-rank ``ranks`` (every rank continues from
   rank 0's torch state, as those runs did), ``monitor`` and ``stopped_early``, ``position`` (a whole epoch),
   and ``options_version`` (settings format 1);
2. this layout: every field present, the settings upgraded to the current format.

:meth:`TrainingState.read` is the one path from any of them to the current one; a version newer than this
landcover is refused with one line naming the file.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, field_serializer
from torch import Tensor

from clibase.text import counted
from landcover.io.errors import LandcoverError
from landcover.settings import TrainSettings
from landcover.train.schedule import Schedule
from landcover.train.validation import Monitor

STATE_VERSION = 2
"""The newest training-state layout this landcover reads and writes (see the module docstring)."""


class Stored(BaseModel):
    """Base of the state's parts: tensors allowed, no unknown keys."""

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")


class RandomState(Stored):
    """One rank's random generators: torch's CPU (and GPU) state, numpy's and Python's global ones (JSON)."""

    torch: Tensor
    cuda: Tensor | None = None
    numpy: str | None = None
    python: str | None = None

    @classmethod
    def capture(cls) -> RandomState:
        """This rank's generators now, for the checkpoint.

        The crop sampler's own generator is seeded from (seed, rank, epoch) each epoch; a checkpoint taken
        part-way through an epoch stores its position too (:meth:`~landcover.data.sampler.CropSampler.state`).
        """
        numpy_state = np.random.get_state(legacy=False)
        numpy_state["state"]["key"] = numpy_state["state"]["key"].tolist()
        return cls(
            torch=torch.get_rng_state(),
            cuda=torch.cuda.get_rng_state() if torch.cuda.is_available() else None,
            numpy=json.dumps(numpy_state),
            python=json.dumps(random.getstate()),
        )

    def restore(self) -> None:
        """Put the generators back as captured (older checkpoints stored torch's state only)."""
        torch.set_rng_state(self.torch)
        if self.cuda is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state(self.cuda)
        if self.numpy is not None:
            numpy_state = json.loads(self.numpy)
            numpy_state["state"]["key"] = np.array(numpy_state["state"]["key"], dtype=np.uint32)
            np.random.set_state(numpy_state)
        if self.python is not None:
            version, internal, gauss = json.loads(self.python)
            random.setstate((version, tuple(internal), gauss))


class Position(Stored):
    """Part-way through an epoch: the next step to run, and the seconds spent on the epoch before it."""

    epoch: int
    step: int
    """The next step to run (0-based): the steps before it are in the weights."""
    seconds: float

    def describe(self) -> str:
        """Where, for the resume line: ``3 steps into epoch 2``."""
        return f"{counted(self.step, 'step')} into epoch {self.epoch}"


class RankState(Stored):
    """One rank's own part of the state: its random generators; part-way through an epoch, its sampler and sums."""

    random: RandomState | None = None
    sampler: str | None = None
    """The crop sampler's position (:meth:`~landcover.data.sampler.CropSampler.state`)."""
    sums: Tensor | None = None
    """This rank's loss and error sums over the epoch's steps so far."""


class TrainingState(Stored):
    """Everything an exact continuation of a run needs, after ``epoch`` whole epochs (and ``position``)."""

    state_version: int = STATE_VERSION
    epoch: int
    optimizer: dict[str, Any]
    metrics: list[dict[str, Any]]
    options: dict[str, Any]
    """The run's :class:`~landcover.settings.TrainSettings`, stored form, at ``options_version``."""
    options_version: int
    world_size: int
    schedule: Schedule
    dataset: str | None = None
    """Fingerprint of the training pairs (:func:`~landcover.train.resume.dataset_fingerprint`); ``None``: unknown."""
    random: RandomState | None = None
    """Rank 0's random state (also in ``ranks``; read by releases before the per-rank states)."""
    monitor: Monitor
    stopped_early: bool = False
    ranks: list[RankState]
    position: Position | None = None

    @field_serializer("schedule")
    def _plain_schedule(self, schedule: Schedule) -> dict[str, Any]:
        return schedule.to_dict()

    def to_stored(self) -> dict[str, Any]:
        """The checkpoint's ``training`` entry (tensors as they are)."""
        return self.model_dump()

    def rank(self, rank: int, world_size: int) -> RankState:
        """A rank's own part (another world size: rank 0's random state, as for runs before the per-rank states)."""
        if len(self.ranks) == world_size:
            return self.ranks[rank]
        return RankState(random=self.random)

    @classmethod
    def read(cls, training: dict[str, Any], path: str) -> TrainingState:
        """The state of a checkpoint's ``training`` entry of any version up to :data:`STATE_VERSION`.

        Args:
            training: The entry as stored.
            path: The checkpoint, for messages.

        Raises:
            LandcoverError: The entry comes from a newer landcover, or is damaged.
        """
        version = int(training.get("state_version", 1))
        if version > STATE_VERSION:
            raise LandcoverError(
                f"{path}: training state version {version} is newer than this landcover's {STATE_VERSION}",
                "upgrade landcover-runner to resume it, or move the file out of --model-dir to train afresh",
            )
        values = upgrade(training, path) if version < STATE_VERSION else training
        try:
            return cls.model_validate(values)
        except (ValueError, TypeError) as exc:
            raise LandcoverError(
                f"{path}: damaged training state ({str(exc).splitlines()[0]})",
                "resume from an earlier checkpoint (epoch-NNNN.pt), or train afresh in a new --model-dir",
            ) from exc


def upgrade(training: dict[str, Any], path: str) -> dict[str, Any]:
    """A version 1 entry (any layout before the typed state) in version 2 form, not yet validated.

    Raises:
        LandcoverError: The stored settings come from a newer landcover, no longer validate, or are missing.
    """
    if "options" not in training or "world_size" not in training:
        raise LandcoverError(
            f"{path}: damaged training state (no {'options' if 'options' not in training else 'world_size'})",
            "resume from an earlier checkpoint (epoch-NNNN.pt), or train afresh in a new --model-dir",
        )
    version = int(training.get("options_version", 1))
    options = dict(training["options"])
    if version != TrainSettings.FORMAT_VERSION:
        try:
            TrainSettings.from_stored(options, version)  # refuses a newer version, checks the values validate
        except LandcoverError as exc:
            raise LandcoverError(f"{path}: {exc.message}", exc.hint) from exc
        options = TrainSettings.upgrade(options, version)
    world_size = int(training["world_size"])
    random = training.get("random") or None
    return {
        **training,
        "state_version": STATE_VERSION,
        "options": options,
        "options_version": TrainSettings.FORMAT_VERSION,
        "schedule": training.get("schedule") or _schedule_of(options, world_size).to_dict(),
        "random": random,
        "monitor": training.get("monitor") or Monitor(options.get("monitor", Monitor.metric)).to_dict(),
        "stopped_early": bool(training.get("stopped_early")),
        "ranks": training.get("ranks") or [{"random": random}] * world_size,
    }


def _schedule_of(options: dict[str, Any], world_size: int) -> Schedule:
    """The schedule a run from before stored schedules trained under, rebuilt from its settings."""
    steps = max(1, math.ceil(options["epoch_size"] / (options["batch_size"] * world_size)))
    return Schedule.fresh(0, options["epochs"], steps, options["lr"])
