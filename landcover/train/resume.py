"""Resuming a run: which checkpoint (chosen by rank 0), and whether the command still matches it.

A checkpoint's ``training`` entry holds everything an exact continuation needs: the epoch, the optimiser
state, the stored learning-rate schedule, the options and world size the run was started with, a
fingerprint of its data set and the torch random state. Settings that would silently remap the schedule's
steps or change the data (batch size, epoch size, peak rate, world size, the pairs, ...) are refused with
one line naming the option, unless ``--restart`` asks for a fresh schedule from the checkpoint's weights.
Which settings those are is written on the fields themselves (``resume=True`` in
:class:`~landcover.settings.TrainSettings`).

The entry is a :class:`~landcover.train.state.TrainingState`: every layout that earlier releases wrote is
brought to the current one (its settings too) when a checkpoint is read for resuming.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clibase.text import counted
from landcover.data.pairs import ImagePair, open_raster
from landcover.io.errors import LandcoverError
from landcover.model.checkpoint import read_checkpoint
from landcover.parallel.collectives import broadcast_object
from landcover.parallel.world import World
from landcover.settings import TrainSettings, resume_fields
from landcover.train.state import TrainingState

CHECKPOINT_PATTERN = "epoch-*.pt"
CHECKPOINT_NAME = re.compile(r"epoch-(\d+)(?:-step-(\d+))?\.pt")
"""``epoch-NNNN.pt`` after epoch N; ``epoch-NNNN-step-SSSSSS.pt`` part-way: after S steps of epoch N."""
RESTART_HINT = "add --restart to start a fresh schedule from the checkpoint's weights"


def checkpoint_path(model_dir: Path, epoch: int, step: int | None = None) -> Path:
    """Where the checkpoint after ``epoch`` (1-based) goes; with ``step``, the one after that many steps of it."""
    if step is None:
        return model_dir / f"epoch-{epoch:04d}.pt"
    return model_dir / f"epoch-{epoch:04d}-step-{step:06d}.pt"


def checkpoint_order(path: Path) -> tuple[int, float] | None:
    """(epoch, step) of a checkpoint's name, a whole epoch counting as its last step; ``None``: not one.

    Numbers, not names, are compared: ``epoch-10000.pt`` is newer than ``epoch-9999.pt``.
    """
    match = CHECKPOINT_NAME.fullmatch(path.name)
    if match is None:
        return None
    return int(match[1]), math.inf if match[2] is None else int(match[2])


def checkpoints(model_dir: Path) -> list[Path]:
    """The run's checkpoints in ``model_dir``, newest first."""
    found = [(order, path) for path in model_dir.glob(CHECKPOINT_PATTERN) if (order := checkpoint_order(path))]
    return [path for _, path in sorted(found, reverse=True)]


def remove_superseded_steps(model_dir: Path, kept: Path) -> None:
    """Remove part-way checkpoints that ``kept`` (just written) supersedes.

    After a whole epoch: the part-way ones of it and before. After a part-way one: every other part-way one
    (also those of a run continued with ``--restart``, which would otherwise look newer).
    """
    order = checkpoint_order(kept)
    assert order is not None
    for path in checkpoints(model_dir):
        other = checkpoint_order(path)
        part_way = other is not None and other[1] != math.inf
        if part_way and path != kept and (order[1] != math.inf or other[0] <= order[0]):  # type: ignore[index]
            path.unlink(missing_ok=True)


def prune_checkpoints(model_dir: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` whole-epoch checkpoints; return those removed.

    Part-way checkpoints are left to :func:`remove_superseded_steps`; ``best.pt`` and ``trained.pt`` are not
    epoch checkpoints. The newest stays, so a resume is as exact as before.
    """
    whole = [path for path in checkpoints(model_dir) if (order := checkpoint_order(path)) and order[1] == math.inf]
    removed = whole[max(1, keep) :]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def find_resume_point(model_dir: Path, say: Callable[[str], None]) -> Path | None:
    """The newest complete checkpoint in ``model_dir``; truncated ones are reported and skipped."""
    for path in checkpoints(model_dir):
        try:
            checkpoint = read_checkpoint(path)
        except LandcoverError:
            say(f"{path} is incomplete or damaged; using the checkpoint before it")
            continue
        if "training" in checkpoint:
            return path
    return None


@dataclass
class Resume:
    """The checkpoint a run continues from: its path, its contents and its training state (upgraded)."""

    path: str
    checkpoint: dict[str, Any]
    state: TrainingState


def choose_resume_point(model_dir: Path, world: World, say: Callable[[str], None]) -> Resume | None:
    """Rank 0 picks the checkpoint to resume from and broadcasts its path; every rank then reads that file.

    On storage shared by several nodes, ranks that looked for themselves could see different newest files.

    Returns:
        The checkpoint with its training state brought to the current version, or ``None`` for a fresh run.

    Raises:
        LandcoverError: The checkpoint's training state is from a newer landcover, or damaged.
    """
    chosen = find_resume_point(model_dir, say) if world.is_main else None
    path = broadcast_object(None if chosen is None else str(chosen))
    if path is None:
        return None
    checkpoint = read_checkpoint(path)
    return Resume(path, checkpoint, TrainingState.read(checkpoint["training"], path))


def dataset_fingerprint(pairs: list[ImagePair]) -> str:
    """A short hash of the training pairs: their names, pixel sizes and file sizes."""
    digest = hashlib.sha256()
    for pair in pairs:
        with open_raster(pair.image) as src:
            size = f"{src.width}x{src.height}"
        digest.update(f"{pair.name}:{size}:{pair.image.stat().st_size}:{pair.labels.stat().st_size};".encode())
    return digest.hexdigest()[:16]


def resume_mismatch(
    training: TrainingState, options: dict[str, Any], world_size: int, dataset: str, path: str
) -> LandcoverError | None:
    """The first way this command differs from the stored run, as a one-line error; ``None`` if none.

    Args:
        training: The checkpoint's training state.
        options: This command's :class:`~landcover.settings.TrainSettings`, stored form
            (:meth:`~landcover.settings.Settings.to_stored`).
        world_size: Ranks in this run.
        dataset: :func:`dataset_fingerprint` of this run's pairs.
        path: The checkpoint, for the message.
    """
    stored = training.options
    for name, flag in resume_fields(TrainSettings):
        if name in stored and name in options and stored[name] != options[name]:
            return LandcoverError(
                f"{flag} {options[name]} differs from {stored[name]}, which the run in {path} was started with",
                f"rerun with {flag} {stored[name]} to resume, or {RESTART_HINT}",
            )
    stored_world = training.world_size
    if stored_world != world_size:
        return LandcoverError(
            f"this run has {counted(world_size, 'rank')}, the run in {path} had {stored_world} (mpirun -np)",
            f"resume with {counted(stored_world, 'rank')}, or {RESTART_HINT}",
        )
    stored_dataset = training.dataset
    if stored_dataset is not None and stored_dataset != dataset:
        return LandcoverError(
            f"--input-dir {options['input_dir']} holds other pairs (names or sizes) than the run in {path} "
            "was trained on",
            f"resume with the same --input-dir, or {RESTART_HINT}",
        )
    return None
