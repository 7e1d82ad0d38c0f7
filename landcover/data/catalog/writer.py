"""Pair output: COG pairs written atomically, a manifest of finished pairs (so a rerun resumes), the summary.

A pair is finished once its line is in ``pairs.jsonl`` and both of its files exist. Both files are written
under temporary names and renamed only when complete, and the manifest line is appended (and flushed to
disk) after the renames, so a killed run leaves no pair that looks finished: the rerun writes it again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine

from clibase.atomic import atomic_path, write_text_atomic
from landcover.constants import CLASS_NAMES
from landcover.data.pairs import IMAGE_SUFFIX, LABEL_SUFFIX, NAIP_COLOUR_INTERPRETATION

MANIFEST = "pairs.jsonl"
SUMMARY = "summary.json"
COG_BLOCK = 256


def write_cog(path: Path, array: np.ndarray, crs: Any, transform: Affine, *, labels: bool) -> None:
    """Write a (bands, H, W) uint8 array as a Cloud-Optimised GeoTIFF (nearest overviews for labels)."""
    profile: dict[str, Any] = {
        "driver": "COG",
        "width": array.shape[2],
        "height": array.shape[1],
        "count": array.shape[0],
        "dtype": "uint8",
        "crs": crs,
        "transform": transform,
        "compress": "deflate",
        "blocksize": COG_BLOCK,
        "overview_resampling": "nearest" if labels else "average",
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(array)
        if not labels:
            dst.colorinterp = NAIP_COLOUR_INTERPRETATION


def write_pair(
    out_dir: Path, name: str, image: np.ndarray, labels: np.ndarray, crs: Any, transform: Affine
) -> tuple[Path, Path]:
    """Write ``<name>_NAIP.tif`` and ``<name>_LandCover.tif``; neither appears under its name half-written."""
    image_path, label_path = out_dir / f"{name}{IMAGE_SUFFIX}", out_dir / f"{name}{LABEL_SUFFIX}"
    with atomic_path(image_path) as image_tmp, atomic_path(label_path) as label_tmp:
        write_cog(image_tmp, image, crs, transform, labels=False)
        write_cog(label_tmp, labels[np.newaxis], crs, transform, labels=True)
    return image_path, label_path


@dataclass
class PairRecord:
    """One finished pair (or an area skipped for having no labels), as the manifest keeps it."""

    name: str
    job: str
    pixels: int
    labelled: int
    histogram: list[int]
    written: bool = True

    @classmethod
    def of(cls, name: str, job: str, labels: np.ndarray, *, written: bool = True) -> PairRecord:
        """The record of a label array."""
        histogram = np.bincount(labels.ravel(), minlength=len(CLASS_NAMES))[: len(CLASS_NAMES)]
        return cls(name, job, int(labels.size), int(labels.size - histogram[0]), histogram.tolist(), written)


class Manifest:
    """The append-only record of finished pairs and jobs in an output folder."""

    def __init__(self, out_dir: Path) -> None:
        """Read what earlier runs finished (pairs whose files are gone count as not finished)."""
        self.out_dir = out_dir
        self.path = out_dir / MANIFEST
        self.pairs: dict[str, PairRecord] = {}
        self.jobs: dict[str, list[str]] = {}
        if self.path.is_file():
            for line in self.path.read_text().splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a kill
                if entry.get("kind") == "pair":
                    record = PairRecord(**{k: v for k, v in entry.items() if k != "kind"})
                    if not record.written or self._files_exist(record.name):
                        self.pairs[record.name] = record
                elif entry.get("kind") == "job":
                    self.jobs[entry["name"]] = list(entry["pairs"])

    def _files_exist(self, name: str) -> bool:
        return (self.out_dir / f"{name}{IMAGE_SUFFIX}").is_file() and (self.out_dir / f"{name}{LABEL_SUFFIX}").is_file()

    def job_done(self, job: str) -> bool:
        """Whether every pair of a job is finished."""
        return job in self.jobs and all(name in self.pairs for name in self.jobs[job])

    def _append(self, entry: dict[str, Any]) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a") as handle:
            handle.write(json.dumps(entry) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def add_pair(self, record: PairRecord) -> None:
        """Record a finished pair (after both of its files are in place)."""
        self._append({"kind": "pair", **record.__dict__})
        self.pairs[record.name] = record

    def add_job(self, job: str, names: list[str]) -> None:
        """Record that all pairs of a job are finished."""
        self._append({"kind": "job", "name": job, "pairs": names})
        self.jobs[job] = names


@dataclass
class Summary:
    """What a run found and wrote (saved as ``summary.json`` beside the pairs)."""

    output_dir: str
    images_found: int = 0
    label_items_found: int = 0
    pairs: int = 0
    pairs_written: int = 0
    pairs_skipped: int = 0
    empty_areas: int = 0
    pixels: int = 0
    labelled_pixels: int = 0
    class_histogram: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASS_NAMES, 0))
    wall_s: float = 0.0

    @property
    def labelled_fraction(self) -> float:
        """Labelled pixels over all pixels of the written pairs."""
        return self.labelled_pixels / self.pixels if self.pixels else 0.0

    def add(self, record: PairRecord, *, new: bool) -> None:
        """Count one pair (new this run, or finished by an earlier one)."""
        if not record.written:
            self.empty_areas += 1
            return
        self.pairs += 1
        self.pairs_written += int(new)
        self.pairs_skipped += int(not new)
        self.pixels += record.pixels
        self.labelled_pixels += record.labelled
        for name, count in zip(CLASS_NAMES, record.histogram, strict=True):
            self.class_histogram[name] += count

    def save(self) -> Path:
        """Write ``summary.json`` atomically."""
        data = {**self.__dict__, "labelled_fraction": round(self.labelled_fraction, 6)}
        return write_text_atomic(Path(self.output_dir) / SUMMARY, json.dumps(data, indent=2) + "\n")

    def lines(self) -> list[str]:
        """The summary as a few printable lines."""
        histogram = ", ".join(
            f"{name} {count / max(self.pixels, 1):.1%}" for name, count in self.class_histogram.items()
        )
        return [
            f"images found: {self.images_found}; label items: {self.label_items_found}",
            f"pairs: {self.pairs} ({self.pairs_written} written, {self.pairs_skipped} already there"
            + (f", {self.empty_areas} areas without labels skipped)" if self.empty_areas else ")"),
            f"labelled: {self.labelled_fraction:.1%} of {self.pixels:,} pixels; classes: {histogram}",
            f"summary: {Path(self.output_dir) / SUMMARY} ({self.wall_s:.1f} s)",
        ]
