"""Seeded builders for landcover's bad-input cases: GeoTIFF pairs, scenes, checkpoints, STAC documents.

Each returns a ``Setup`` (a function of the case's folder). Checkpoints are written once per session and
copied, so the ~150 landcover cases stay fast.
"""

from __future__ import annotations

import fcntl
import json
import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import IO, Any

import numpy as np
import rasterio
from rasterio.transform import from_origin

from tests.bad_inputs.case import Setup
from tests.data.fixtures import CRS, ORIGIN, write_pair, write_pairs

HELD_LOCKS: list[IO[str]] = []
"""Lock files a setup holds for the rest of the session (a training run that is still going)."""


@cache
def _checkpoint_bytes(kind: str) -> bytes:
    import tempfile

    import torch

    from tests.data.models import fresh_checkpoint

    with tempfile.TemporaryDirectory() as folder:
        path = fresh_checkpoint(Path(folder) / "m.pt")
        if kind == "nan":
            checkpoint = torch.load(path, weights_only=True)
            name = next(n for n, t in checkpoint["state_dict"].items() if t.is_floating_point())
            checkpoint["state_dict"][name] = torch.full_like(checkpoint["state_dict"][name], float("nan"))
            torch.save(checkpoint, path)
        if kind == "wrong-bands":
            path = fresh_checkpoint(Path(folder) / "m3.pt", in_channels=3, mean=(0.3,) * 3, std=(0.1,) * 3)
        return path.read_bytes()


def checkpoint(path: str = "m.pt", kind: str = "fresh") -> Setup:
    """A landcover checkpoint: ``fresh`` (seeded weights), ``nan`` (a diverged model), ``wrong-bands`` (3 bands)."""

    def make(ws: Path) -> None:
        target = ws / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_checkpoint_bytes(kind))

    return make


def pairs(path: str = "pairs", count: int = 2, size: tuple[int, int] = (160, 160)) -> Setup:
    """``count`` seeded training pairs in ``path``."""

    def make(ws: Path) -> None:
        write_pairs(ws / path, count, size)

    return make


def pair(
    path: str = "pairs",
    name: str = "p0",
    *,
    size: tuple[int, int] = (160, 160),
    crs: str | None = CRS,
    labels: Callable[[np.ndarray], np.ndarray] | None = None,
    label_nodata: float | None = None,
    image: Callable[[np.ndarray], np.ndarray] | None = None,
    image_nodata: float | None = None,
) -> Setup:
    """One seeded pair, its labels / imagery changed by ``labels`` / ``image`` and tagged with nodata values."""

    def make(ws: Path) -> None:
        image_path, label_path = write_pair(ws / path, name, size=size, crs=crs)
        for target, change, nodata in ((label_path, labels, label_nodata), (image_path, image, image_nodata)):
            if change is None and nodata is None:
                continue
            with rasterio.open(target) as src:
                data, profile = src.read(), src.profile
            if change is not None:
                data = change(data)
            profile.update(dtype=str(data.dtype), nodata=nodata)
            with rasterio.open(target, "w", **profile) as dst:
                dst.write(data)

    return make


def scene(
    path: str = "scene_NAIP.tif",
    *,
    size: tuple[int, int] = (256, 256),
    crs: str | None = CRS,
    pixel: float = 1.0,
    origin: tuple[float, float] = ORIGIN,
    nodata: float | None = None,
    fill: int | None = None,
    bands: int = 4,
    dtype: str = "uint8",
) -> Setup:
    """A seeded scene (imagery only; ``fill``: every pixel that value, e.g. the nodata value)."""

    def make(ws: Path) -> None:
        rng = np.random.default_rng(0)
        data = rng.integers(1, 255, size=(bands, *size)).astype(dtype)
        if fill is not None:
            data[:] = fill
        target = ws / path
        target.parent.mkdir(parents=True, exist_ok=True)
        profile: dict[str, Any] = {"driver": "GTiff", "width": size[1], "height": size[0], "count": bands}
        transform = from_origin(origin[0], origin[1], pixel, pixel)
        with rasterio.open(target, "w", dtype=dtype, crs=crs, transform=transform, nodata=nodata, **profile) as dst:
            dst.write(data)

    return make


def stac_item(path: str, href: str = "scene_NAIP.tif", **changes: Any) -> Setup:
    """A STAC item (JSON) whose ``image`` asset points at ``href``; ``changes`` replace top-level keys."""

    def make(ws: Path) -> None:
        item: dict[str, Any] = {
            "type": "Feature",
            "stac_version": "1.0.0",
            "id": Path(path).stem,
            "geometry": {"type": "Point", "coordinates": [-78.6, 37.0]},
            "bbox": [-78.6, 37.0, -78.6, 37.0],
            "properties": {"datetime": "2018-01-01T00:00:00Z"},
            "links": [],
            "assets": {"image": {"href": href, "type": "image/tiff; application=geotiff", "roles": ["data"]}},
        }
        item.update(changes)
        (ws / path).write_text(json.dumps(item))

    return make


def copy(source: str, target: str) -> Setup:
    """Copy a file or folder made by an earlier setup."""

    def make(ws: Path) -> None:
        if (ws / source).is_dir():
            shutil.copytree(ws / source, ws / target)
        else:
            shutil.copy(ws / source, ws / target)

    return make


def hold_lock(path: str) -> Setup:
    """Hold an exclusive flock on ``path`` as a running ``landcover train`` does (for the rest of the session)."""

    def make(ws: Path) -> None:
        target = ws / path
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = open(target, "a+")  # noqa: SIM115 - held for the session
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        handle.write("landcover train pid 4242 on trainhost since 2026-01-01T00:00:00+00:00\n")
        handle.flush()
        HELD_LOCKS.append(handle)

    return make
