"""``landcover pairs``: find images and their labels, align the labels onto each image's grid, write pairs.

Planning (the search, the class tables) happens before anything is written, so a search without results, an
unreachable API or an unknown class scheme leaves the output folder untouched. Each image becomes one pair
over the requested area on the image's own grid and CRS (or tiles of ``--tile-size``); only the window of
the area is read from the image and from the labels.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rasterio.errors import RasterioIOError
from rasterio.warp import transform_bounds
from rasterio.windows import Window
from rasterio.windows import transform as window_transform

from landcover.data.catalog.align import (
    PLACED_BY_LOCATION,
    Grid,
    LabelSource,
    align_labels,
    open_raster_href,
    read_failure,
)
from landcover.data.catalog.area import area_bbox, area_geometry
from landcover.data.catalog.classes import resolve_table
from landcover.data.catalog.search import Catalog
from landcover.data.catalog.writer import MANIFEST, SUMMARY, Manifest, PairRecord, Summary, write_pair
from landcover.data.pairs import IMAGE_SUFFIX, LABEL_SUFFIX, check_image
from landcover.data.rasters import require_crs
from landcover.data.sources import choose_asset, is_url, resolve_source, stem
from landcover.io.errors import LandcoverError
from landcover.io.outputs import Named, OutputFolder
from landcover.io.progress import ProgressReporter
from landcover.settings import PairsSettings

LONLAT = "EPSG:4326"


@dataclass(frozen=True)
class PairJob:
    """One image and the labels under it.

    Attributes:
        name: The pair's name (the image item's id, or the image file's stem).
        image_href: The image raster (path or URL).
        labels: The label rasters that may cover it.
    """

    name: str
    image_href: str
    labels: tuple[LabelSource, ...]


@dataclass(frozen=True)
class Plan:
    """What a run will do."""

    jobs: list[PairJob]
    images_found: int
    label_items_found: int


def _asset_href(item: Any, key: str | None, what: str) -> tuple[str, Any]:
    name = choose_asset(item, key, f"{what} item {item.id}")
    asset = item.assets[name]
    return asset.get_absolute_href() or asset.href, asset


def plan_catalog(settings: PairsSettings) -> Plan:
    """Search the catalogue: the image items, and for each the label items under it.

    Raises:
        LandcoverError: The API fails, finds nothing, or a label collection's classes cannot be mapped.
    """
    assert settings.stac_api is not None
    catalog = Catalog(settings.stac_api, sign=settings.sign, retries=settings.retries, timeout_s=settings.timeout_s)
    area = area_geometry(settings)
    images = catalog.search(
        settings.image_collection,
        bbox=settings.bbox if area is None else None,
        intersects=area,
        ids=settings.ids,
        datetime=settings.datetime,
        max_items=settings.max_items,
    )
    if not images:
        where = f"--bbox {','.join(map(str, settings.bbox))}" if settings.bbox else "the area"
        raise LandcoverError(
            f"--stac-api {settings.stac_api}: no {settings.image_collection!r} items over {where}"
            + (f" in {settings.datetime}" if settings.datetime else ""),
            "widen --bbox or --datetime, or check --image-collection",
        )
    fixed_labels = [
        LabelSource(stem(h), h, resolve_table(settings.class_table, stem(h), None)) for h in settings.labels
    ]
    jobs, label_ids = [], set()
    bbox = area_bbox(settings)
    for item in images:
        href, _ = _asset_href(item, settings.image_asset, settings.image_collection)
        labels = list(fixed_labels)
        if settings.label_collection:
            found = catalog.search(
                settings.label_collection, intersects=_label_area(item, bbox), datetime=settings.label_datetime
            )
            for label in found:
                label_href, asset = _asset_href(label, settings.label_asset, settings.label_collection)
                table = resolve_table(settings.class_table, settings.label_collection, asset)
                labels.append(LabelSource(label.id, label_href, table))
                label_ids.add(label.id)
        jobs.append(PairJob(item.id, href, tuple(labels)))
    return Plan(jobs, len(images), len(label_ids) + len(fixed_labels))


def _label_area(item: Any, bbox: tuple[float, float, float, float] | None) -> dict[str, Any]:
    """Where to look for an image's labels: its footprint, cut down to the area's bounds when they are smaller."""
    if bbox is None or not item.bbox:
        return dict(item.geometry)
    west, south = max(bbox[0], item.bbox[0]), max(bbox[1], item.bbox[1])
    east, north = min(bbox[2], item.bbox[2]), min(bbox[3], item.bbox[3])
    if west >= east or south >= north:
        return dict(item.geometry)
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def plan_files(settings: PairsSettings) -> Plan:
    """Pairs from rasters: each image (path, URL or STAC item) with every label raster.

    Raises:
        LandcoverError: An unreadable STAC item or an unknown class table.
    """
    labels = tuple(LabelSource(stem(h), h, resolve_table(settings.class_table, stem(h), None)) for h in settings.labels)
    jobs = []
    for text in settings.images:
        source = resolve_source(text, settings.image_asset)
        if source.error is not None:
            raise LandcoverError(f"{source.location}: {source.error}", "check --images")
        jobs.append(PairJob(source.stem, source.href, labels))
    return Plan(jobs, len(jobs), len(labels))


def area_window(src: Any, bbox: tuple[float, float, float, float] | None) -> Window | None:
    """The image pixels inside the area (whole pixels, clipped to the image), or None when they miss it."""
    full = Window(0, 0, src.width, src.height)
    if bbox is None:
        return full
    left, bottom, right, top = transform_bounds(LONLAT, src.crs, *bbox, densify_pts=21)
    inverse = ~src.transform
    cols, rows = zip(*(inverse * (x, y) for x in (left, right) for y in (bottom, top)), strict=True)
    col0, row0 = max(0, math.floor(min(cols))), max(0, math.floor(min(rows)))
    col1, row1 = min(src.width, math.ceil(max(cols))), min(src.height, math.ceil(max(rows)))
    if col1 <= col0 or row1 <= row0:
        return None
    return Window(col0, row0, col1 - col0, row1 - row0)


def tiles(window: Window, size: int | None) -> list[tuple[str, Window]]:
    """The window itself (suffix "") or its tiles of ``size`` pixels (edge tiles clipped), row by row."""
    if size is None:
        return [("", window)]
    out = []
    for row in range(0, int(window.height), size):
        for col in range(0, int(window.width), size):
            height, width = min(size, int(window.height) - row), min(size, int(window.width) - col)
            out.append((f"_{row // size:03d}_{col // size:03d}", Window(col, row, width, height)))
    return out


def job_identity(job: PairJob) -> dict[str, str | int]:
    """What a job's pairs are made from: each local raster's size and mtime (a URL by itself)."""
    identity: dict[str, str | int] = {}
    for href in (job.image_href, *(label.href for label in job.labels)):
        path = None if is_url(href) else Path(href)
        if path is not None and path.is_file():
            info = path.stat()
            identity[href] = f"{info.st_size}:{info.st_mtime_ns}"
        else:
            identity[href.split("?", 1)[0]] = "remote"
    return identity


def pair_intact(out: OutputFolder, manifest: Manifest, name: str, identity: dict[str, str | int]) -> bool:
    """Whether an earlier run finished a pair from these sources, and both its files are unchanged since.

    A pair file cut short or replaced after it was written no longer matches its record (size and mtime), nor
    does a pair made from an image or labels since replaced: the pair is written again.
    """
    record = manifest.pairs.get(name)
    if record is None:
        return False
    files = [f"{name}{suffix}" for suffix in (IMAGE_SUFFIX, LABEL_SUFFIX)]
    return not record.written or all(out.intact(f, identity) for f in files)


def run_job(job: PairJob, settings: PairsSettings, manifest: Manifest, summary: Summary, out: OutputFolder) -> None:
    """Write one image's pairs, skipping those an earlier run finished.

    Raises:
        LandcoverError: The image or a label raster cannot be read.
    """
    identity = job_identity(job)
    if manifest.job_done(job.name) and all(pair_intact(out, manifest, n, identity) for n in manifest.jobs[job.name]):
        for name in manifest.jobs[job.name]:
            summary.add(manifest.pairs[name], new=False)
        return
    with open_raster_href(job.image_href, f"image {job.name}") as src:
        check_image(src, job.image_href.split("?")[0])
        require_crs(src, f"image {job.name}: {job.image_href.split('?')[0]}", PLACED_BY_LOCATION)
        window = area_window(src, area_bbox(settings))
        names: list[str] = []
        if window is not None:
            try:
                image = src.read(window=window)
            except RasterioIOError as exc:
                raise read_failure(f"image {job.name}", job.image_href, exc) from exc
            transform = window_transform(window, src.transform)
            grid = Grid(src.crs, transform, int(window.width), int(window.height))
            labels = align_labels(list(job.labels), grid)
            for suffix, tile in tiles(Window(0, 0, grid.width, grid.height), settings.tile_size):
                name = f"{job.name}{suffix}"
                names.append(name)
                if pair_intact(out, manifest, name, identity):
                    summary.add(manifest.pairs[name], new=False)
                    continue
                rows, cols = tile.toslices()
                tile_labels = labels[rows, cols]
                record = PairRecord.of(name, job.name, tile_labels, written=bool(tile_labels.any()))
                if record.written:
                    out.claim([f"{name}{IMAGE_SUFFIX}", f"{name}{LABEL_SUFFIX}"])
                    write_pair(
                        Path(settings.output_dir),
                        name,
                        np.ascontiguousarray(image[:, rows, cols]),
                        tile_labels,
                        src.crs,
                        window_transform(tile, transform),
                    )
                    out.record(f"{name}{IMAGE_SUFFIX}", identity, save=False)
                    out.record(f"{name}{LABEL_SUFFIX}", identity)
                manifest.add_pair(record)
                summary.add(record, new=True)
    manifest.add_job(job.name, names)


def build_pairs(settings: PairsSettings, *, progress: bool = True) -> Summary:
    """Turn an area (or a list of rasters) into aligned ``*_NAIP.tif`` / ``*_LandCover.tif`` COG pairs.

    Args:
        settings: The command's options.
        progress: Show progress.

    Returns:
        The run's summary (also saved as ``summary.json`` in the output folder).

    Raises:
        LandcoverError: Nothing found, an unreachable or refusing server, unreadable rasters, unknown classes.
    """
    started = time.perf_counter()
    area_bbox(settings)  # a bad --geojson is refused before anything is searched or written
    out_dir = Path(settings.output_dir)
    out = OutputFolder(out_dir, option="--output-dir", command="pairs").check(pairs_inputs(settings))
    plan = plan_catalog(settings) if settings.stac_api else plan_files(settings)
    with out.acquire():
        out.remove_leftovers([f".*{IMAGE_SUFFIX}.*.tmp", f".*{LABEL_SUFFIX}.*.tmp", f".{SUMMARY}.*.tmp"])
        if settings.force:
            out.remove_result()
        out.claim([MANIFEST, SUMMARY])
        summary = _build(plan, settings, out, progress)
    summary.wall_s = round(time.perf_counter() - started, 3)
    summary.save()
    out.record(SUMMARY)
    return summary


def pairs_inputs(settings: PairsSettings) -> list[Named]:
    """The local files ``pairs`` reads, which ``--output-dir`` must neither be, hold nor sit inside."""
    given = [(h, "--images") for h in settings.images] + [(h, "--labels") for h in settings.labels]
    inputs = [Named(path=Path(h), option=flag) for h, flag in given if not is_url(h)]
    return inputs + ([Named(path=settings.geojson, option="--geojson")] if settings.geojson else [])


def _build(plan: Plan, settings: PairsSettings, out: OutputFolder, progress: bool) -> Summary:
    """Write the plan's pairs into the locked output folder; the summary (not yet saved)."""
    out_dir = Path(settings.output_dir)
    manifest = Manifest(out_dir)
    summary = Summary(str(out_dir), images_found=plan.images_found, label_items_found=plan.label_items_found)
    with ProgressReporter("pairs", len(plan.jobs), "images", enabled=progress) as reporter:
        for job in plan.jobs:
            run_job(job, settings, manifest, summary, out)
            reporter.advance(1)
    if summary.pairs == 0:
        raise LandcoverError(
            f"{out_dir}: no pair has any labelled pixel (the labels do not cover the images over this area)",
            "check --label-collection / --labels and the area",
        )
    return summary
