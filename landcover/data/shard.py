"""Splitting image pairs across ranks and loading one rank's share into memory within a budget."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from clibase.text import counted
from landcover.constants import MARGIN, UNKNOWN
from landcover.constants import WINDOW as CROP
from landcover.data.pairs import ImagePair, check_image, discover_pairs, open_raster, read_pair_masked
from landcover.io.console import emit
from landcover.io.errors import LandcoverError

MIN_SIZE = CROP - 2 * MARGIN
BYTES_PER_PIXEL_HELD = 2 * (4 + 1) + 8  # padded + transposed copies of pixels and labels, summed-area tables


@dataclass
class Shard:
    """One rank's pairs, in memory."""

    names: list[str]
    images: list[np.ndarray]
    labels: list[np.ndarray]
    valid: list[np.ndarray | None] = field(default_factory=list)
    """Per image, which pixels hold data (``None``: all); nodata is left out of the normalisation statistics."""


def check_pairs(input_dir: str | Path, option: str = "--input-dir") -> list[ImagePair]:
    """Discover the pairs and check every header (cheap), so that all ranks refuse bad input alike.

    Args:
        input_dir: The directory of pairs.
        option: The command-line option that named it, for error messages.
    """
    pairs = discover_pairs(input_dir, option)
    for pair in pairs:
        with open_raster(pair.image) as src:
            check_image(src, pair.image)
            if min(src.width, src.height) < MIN_SIZE:
                raise LandcoverError(
                    f"{pair.image}: {src.width} x {src.height} pixels, smaller than the {MIN_SIZE}-pixel scored "
                    f"centre of a {CROP}-pixel training crop",
                    f"use images of at least {MIN_SIZE} x {MIN_SIZE} pixels",
                )
    return pairs


def _identity(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_dev, info.st_ino


def _digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def check_disjoint(training: list[ImagePair], validation: list[ImagePair]) -> None:
    """Refuse validation pairs that are training pairs (the same files, through any path, or copies of them).

    A model picked as ``best.pt`` on its own training data is not validated at all.

    Raises:
        LandcoverError: One line naming the first shared pair.
    """
    files = {_identity(pair.image): pair for pair in training}
    sizes: dict[int, list[ImagePair]] = {}
    for pair in training:
        sizes.setdefault(pair.image.stat().st_size, []).append(pair)
    for pair in validation:
        same = files.get(_identity(pair.image))
        if same is None:
            candidates = sizes.get(pair.image.stat().st_size, [])
            digest = _digest(pair.image) if candidates else ""
            same = next((other for other in candidates if _digest(other.image) == digest), None)
        if same is not None:
            raise LandcoverError(
                f"--val-dir: {pair.image} is the training image {same.image} (validation on training data "
                "says nothing about new data)",
                "give --val-dir a folder of other pairs, or hold some out with --val-fraction",
            )


def assign_pairs(pairs: list[ImagePair], rank: int, size: int, seed: int) -> list[ImagePair]:
    """The pairs a rank holds: round-robin, or two at random per rank when ranks outnumber pairs."""
    if size <= len(pairs):
        return pairs[rank::size]
    rng = np.random.default_rng([seed, rank])
    return [pairs[i] for i in sorted(rng.choice(len(pairs), size=min(2, len(pairs)), replace=False))]


def held_bytes(pairs: list[ImagePair]) -> int:
    """Memory the sampler will hold for these pairs."""
    total = 0
    for pair in pairs:
        with open_raster(pair.image) as src:
            total += (src.width + 2 * MARGIN) * (src.height + 2 * MARGIN) * BYTES_PER_PIXEL_HELD
    return total


def load_shard(pairs: list[ImagePair], *, worker: str, budget_bytes: int) -> Shard:
    """Read a rank's pairs into memory, refusing shares that do not fit the memory budget.

    Args:
        pairs: The rank's pairs, checked by :func:`check_pairs`.
        worker: Name used in the loading lines (``worker 1/4``).
        budget_bytes: Memory this rank may hold.

    Raises:
        LandcoverError: Over budget, unreadable pixels, or labels that are all unknown.
    """
    need = held_bytes(pairs)
    if need > budget_bytes:
        raise LandcoverError(
            f"{worker}: its {counted(len(pairs), 'pair')} need {need / 2**30:.1f} GiB, over its memory budget of "
            f"{budget_bytes / 2**30:.1f} GiB",
            "run more processes (mpirun -np N) or raise --memory-budget-gb",
        )
    emit(f"{worker}: loading {counted(len(pairs), 'pair')}: {', '.join(p.name for p in pairs)}")
    start = time.perf_counter()
    shard = Shard([], [], [])
    for pair in pairs:
        image, labels, valid = read_pair_masked(pair, image_checked=True)  # check_pairs checked every header
        if valid is not None and not valid.any():
            raise LandcoverError(f"{pair.image}: every pixel is nodata", "remove the pair or fix its nodata tag")
        if not (labels != UNKNOWN).any():
            raise LandcoverError(f"{pair.labels}: every label is 0 (unknown)", "fix the labels or remove the pair")
        shard.names.append(pair.name)
        shard.images.append(image)
        shard.labels.append(labels)
        shard.valid.append(valid)
    megabytes = sum(im.nbytes + lab.nbytes for im, lab in zip(shard.images, shard.labels, strict=True)) / 1e6
    emit(f"{worker}: loaded {counted(len(pairs), 'pair')} ({megabytes:.1f} MB) in {time.perf_counter() - start:.1f} s")
    return shard
