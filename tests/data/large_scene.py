"""Scenes of real size, made fast: one generated scene mirrored across the whole (generating a large one is slow)."""

from __future__ import annotations

import numpy as np

from landcover.data.sample import Scene, generate_scene


def mirrored_scene(size: int, tile: int = 1024, seed: int = 42) -> Scene:
    """A ``size`` x ``size`` scene: the generated ``tile`` x ``tile`` scene, mirrored so that no seam is a jump."""
    base = generate_scene(seed, tile, 700_000.0, 4_100_000.0)
    reps = -(-size // tile)

    def mirror(array: np.ndarray) -> np.ndarray:
        rows = [
            np.concatenate([array if c % 2 == 0 else array[..., ::-1] for c in range(reps)], -1) for _ in range(reps)
        ]
        rows = [row if r % 2 == 0 else row[..., ::-1, :] for r, row in enumerate(rows)]
        return np.ascontiguousarray(np.concatenate(rows, -2)[..., :size, :size])

    return Scene(mirror(base.image), mirror(base.labels), base.west, base.north)
