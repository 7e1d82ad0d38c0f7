"""``landcover evaluate``: apply a model to a region of a scene and write maps, metrics and a preview."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import torch
from rasterio.enums import MaskFlags
from rasterio.windows import Window
from rasterio.windows import transform as window_transform

from landcover.constants import CLASS_NAMES
from landcover.data.geo import area_km2
from landcover.data.pairs import (
    NAIP_COLOUR_INTERPRETATION,
    check_labels,
    label_classes,
    label_path_for,
    open_raster,
)
from landcover.data.sources import SceneSource, open_scene, resolve_source
from landcover.infer.confidence import confidence
from landcover.infer.engine import Engine
from landcover.infer.model_file import load_checked_model
from landcover.infer.outputs import StreamingRaster, write_json, write_preview
from landcover.infer.region import RegionRequest, resolve_region
from landcover.infer.report import print_metrics
from landcover.io.console import console, emit
from landcover.io.errors import LandcoverError
from landcover.io.paths import check_output_dir, clear_folder
from landcover.io.progress import ProgressReporter
from landcover.limits import cpu_count
from landcover.metrics import confusion_matrix, summarise
from landcover.model.unet import TutorialUNet
from landcover.settings import EvaluateSettings
from landcover.tracking import check_tracking_reachable, track_evaluation


def open_labels(
    options: EvaluateSettings, source: SceneSource, scene: rasterio.DatasetReader
) -> rasterio.DatasetReader | None:
    """The label raster (given, or found beside a local scene by the _NAIP -> _LandCover naming), checked."""
    local = source.local_path
    path = options.labels or (label_path_for(local) if local is not None else None)
    if path is None or (options.labels is None and (path == local or not path.exists())):
        return None
    labels = open_raster(path)
    try:
        check_labels(labels, path, scene, local or Path(source.name))
    except LandcoverError:
        labels.close()
        raise
    return labels


LEFTOVER_SUFFIXES = (".part.tif", ".tmp")
"""Hidden files an interrupted run leaves (:class:`StreamingRaster`, atomic writes): removed by every run."""


def prepare_output_dir(output_dir: Path, *, force: bool) -> None:
    """Check ``--output-dir`` before any work: writable, and empty unless ``--force``.

    A folder that holds results already is refused: the new run's files beside an older run's would look
    like one complete result (``metrics.json`` of one run beside the maps of another). With ``--force`` the
    folder is emptied when the run starts, so it ends holding only this run's files. Hidden ``.part`` /
    ``.tmp`` files an interrupted run left do not count, and are removed.

    Raises:
        LandcoverError: Not writable, or not empty without ``force``.
    """
    check_output_dir(output_dir)
    if not output_dir.is_dir():
        return
    kept = sorted(entry.name for entry in output_dir.iterdir() if not _leftover(entry))
    if kept and not force:
        more = f" and {len(kept) - 1} more" if len(kept) > 1 else ""
        raise LandcoverError(
            f"--output-dir {output_dir}: holds {kept[0]}{more} already",
            "choose an empty or new folder, or add --force to empty it first",
        )


def _leftover(entry: Path) -> bool:
    return entry.name.startswith(".") and entry.name.endswith(LEFTOVER_SUFFIXES) and entry.is_file()


def evaluate(options: EvaluateSettings) -> dict[str, Any]:
    """Run the evaluation and write every output; return a summary.

    Everything that can be checked before the work is checked first, in one line each: the output folder
    (:func:`prepare_output_dir`), the MLflow server when one is configured, the scene, the region, the labels
    and the model. A region that holds only nodata pixels is refused (there is nothing to map or score).
    """
    prepare_output_dir(options.output_dir, force=options.force)
    check_tracking_reachable()
    source = resolve_source(options.input_filename, options.asset)
    with open_scene(source) as scene:
        region = resolve_region(
            scene, RegionRequest(options.center_lat, options.center_lon, options.region_dim, options.bbox)
        )
        check_has_data(scene, region.window, source.name)
        labels = open_labels(options, source, scene)
        model = load_checked_model(options.model_filename, scene.count)
        output_dir = options.output_dir
        output_dir.mkdir(parents=True, exist_ok=True)
        if options.force:
            clear_folder(output_dir)
        for entry in output_dir.iterdir():
            if _leftover(entry):
                entry.unlink()
        for note in region.warnings:
            console.print(f"[yellow]warning:[/] {note}")
        try:
            return _run(options, source.name, scene, labels, model, region.window)
        finally:
            if labels is not None:
                labels.close()


CHECK_SIDE = 1024
"""Side of the decimated mask read that tells an all-nodata region before any work."""


def check_has_data(scene: rasterio.DatasetReader, window: Window, name: str) -> None:
    """Refuse a region whose every pixel is nodata (by the scene's mask band or nodata value).

    Raises:
        LandcoverError: Nothing but nodata in the region.
    """
    flags = scene.mask_flag_enums[0]
    if MaskFlags.all_valid in flags and scene.nodata is None:
        return
    shape = (min(int(window.height), CHECK_SIDE), min(int(window.width), CHECK_SIDE))
    pixels = scene.read(window=window, out_shape=(scene.count, *shape))
    if MaskFlags.per_dataset in flags and MaskFlags.alpha not in flags:
        valid = scene.dataset_mask(window=window, out_shape=shape) > 0
    elif scene.nodata is not None:
        valid = (pixels != scene.nodata).any(axis=0)
    else:
        return
    if not valid.any():
        raise LandcoverError(
            f"{name}: every pixel of the region is nodata (nodata {scene.nodata})",
            "choose a scene or region with imagery, or fix the file's nodata tag",
        )


def _run(
    options: EvaluateSettings,
    scene_name: str,
    scene: rasterio.DatasetReader,
    labels: rasterio.DatasetReader | None,
    model: TutorialUNet,
    region: Window,
) -> dict[str, Any]:
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.set_num_threads(min(torch.get_num_threads(), cpu_count()))  # torch counts the host's cores, not a quota
    engine = Engine(model, device, exact=options.exact, block=options.block, probabilities=True)
    out = options.output_dir
    height, width = int(region.height), int(region.width)
    base = {"width": width, "height": height, "crs": scene.crs, "transform": window_transform(region, scene.transform)}
    writers = {
        "pred_labels.tif": StreamingRaster(
            out / "pred_labels.tif", {**base, "count": 1, "dtype": "uint8", "nodata": 0}, colourmap=True
        ),
        "NAIP.tif": StreamingRaster(
            out / "NAIP.tif",
            {**base, "count": scene.count, "dtype": "uint8", "nodata": scene.nodata},
            categorical=False,
            bands=NAIP_COLOUR_INTERPRETATION if scene.count == 4 else None,
        ),
    }
    writers["confidence.tif"] = StreamingRaster(
        out / "confidence.tif", {**base, "count": 1, "dtype": "uint8", "nodata": 0}, categorical=False
    )
    if labels is not None:
        writers["true_labels.tif"] = StreamingRaster(
            out / "true_labels.tif", {**base, "count": 1, "dtype": "uint8", "nodata": 0}, colourmap=True
        )
    if options.probabilities:
        writers["probabilities.tif"] = StreamingRaster(
            out / "probabilities.tif", {**base, "count": len(CLASS_NAMES), "dtype": "uint8"}, categorical=False
        )
    confusion = np.zeros((len(CLASS_NAMES), len(CLASS_NAMES)), dtype=np.int64)
    region_km2 = area_km2(scene.crs, scene.transform, width, height, int(region.col_off), int(region.row_off))
    pixel_area_km2 = region_km2 / (width * height)
    start = time.perf_counter()
    mode = "tutorial 256/128 tiling" if engine.tutorial_tiling else f"{engine.block}-px blocks"
    emit(
        f"evaluating {width} x {height} px of {scene_name} with {options.model_filename.name} "
        f"({mode}, {engine.speed.describe()}, {device}: {engine.speed.reason})"
    )
    try:
        with ProgressReporter("predicting", width * height, "km²", scale=pixel_area_km2) as bar:
            for block in engine.blocks(scene, region):
                local = Window(
                    block.window.col_off - region.col_off,
                    block.window.row_off - region.row_off,
                    block.window.width,
                    block.window.height,
                )
                writers["pred_labels.tif"].write(block.classes, local)
                writers["NAIP.tif"].write(scene.read(window=block.window), local)
                if labels is not None:
                    truth = label_classes(labels.read(1, window=block.window), labels.nodata, labels.name)
                    truth[~block.valid] = 0
                    writers["true_labels.tif"].write(truth, local)
                    confusion += confusion_matrix(truth, block.classes)
                assert block.probabilities is not None
                writers["confidence.tif"].write(confidence(block.probabilities, block.classes, block.valid), local)
                if options.probabilities:
                    writers["probabilities.tif"].write(block.probabilities, local)
                bar.advance(block.classes.size)
        written = [writer.finish() for writer in writers.values()]
    except BaseException:
        for writer in writers.values():
            writer.abandon()
        raise
    seconds = time.perf_counter() - start
    summary: dict[str, Any] = {
        "region": {"col_off": int(region.col_off), "row_off": int(region.row_off), "width": width, "height": height},
        "seconds": seconds,
        "km2_per_s": width * height * pixel_area_km2 / seconds,
    }
    metrics = None
    if labels is not None:
        metrics = summarise(confusion)
        written.append(
            write_json(
                out / "metrics.json",
                {**metrics, **summary, "model": str(options.model_filename), "image": str(options.input_filename)},
            )
        )
        print_metrics(metrics, title=f"{options.model_filename.name} on {scene_name}")
    written.append(
        write_preview(
            out / "preview.png",
            out / "NAIP.tif",
            out / "true_labels.tif" if labels is not None else None,
            out / "pred_labels.tif",
            title=f"{options.model_filename.name} on {scene_name}",
            metrics=metrics,
        )
    )
    area = width * height * pixel_area_km2
    accuracy = f", pixel accuracy {metrics['pixel_accuracy']:.3f}" if metrics and metrics["pixel_accuracy"] else ""
    emit(
        f"evaluated {area:.2f} km² in {seconds:.1f} s ({summary['km2_per_s']:.2f} km²/s){accuracy}; "
        f"{len(written)} files in {out}"
    )
    result = {**summary, "metrics": metrics, "files": [str(p) for p in written]}
    track_evaluation(options, result)  # MLflow, when MLFLOW_TRACKING_URI is set
    return result
