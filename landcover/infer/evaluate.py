"""``landcover evaluate``: apply a model to a region of a scene and write maps, metrics and a preview."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import torch
from rasterio.enums import MaskFlags
from rasterio.windows import Window
from rasterio.windows import transform as window_transform

from clibase.text import counted
from landcover.constants import CLASS_NAMES
from landcover.data.geo import area_km2
from landcover.data.pairs import (
    NAIP_COLOUR_INTERPRETATION,
    check_labels,
    label_classes,
    label_path_for,
    open_raster,
)
from landcover.data.rasters import read_pixels
from landcover.data.sources import SceneSource, is_url, open_scene, resolve_source
from landcover.infer.categories import sidecar_names
from landcover.infer.confidence import confidence
from landcover.infer.engine import Engine
from landcover.infer.model_file import load_checked_model
from landcover.infer.outputs import StreamingRaster, write_json, write_preview
from landcover.infer.region import RegionRequest, resolve_region
from landcover.infer.report import print_metrics
from landcover.io.console import console, emit
from landcover.io.errors import LandcoverError
from landcover.io.outputs import Named, OutputFolder, StagedResult
from landcover.io.progress import ProgressReporter
from landcover.limits import cpu_count
from landcover.metrics import confusion_matrix, summarise
from landcover.model.build import Network
from landcover.settings import EvaluateSettings
from landcover.tracking import check_tracking_reachable, track_evaluation


def labels_path(options: EvaluateSettings, source: SceneSource) -> Path | None:
    """The label raster: ``--labels``, or the one beside a local scene by the _NAIP -> _LandCover naming."""
    local = source.local_path
    path = options.labels or (label_path_for(local) if local is not None else None)
    if path is None or (options.labels is None and (path == local or not path.exists())):
        return None
    return path


def open_labels(
    options: EvaluateSettings, source: SceneSource, scene: rasterio.DatasetReader
) -> rasterio.DatasetReader | None:
    """The label raster (:func:`labels_path`), checked against the scene."""
    path = labels_path(options, source)
    if path is None:
        return None
    labels = open_raster(path)
    try:
        check_labels(labels, path, scene, source.local_path or Path(source.name))
    except LandcoverError:
        labels.close()
        raise
    return labels


def declared_outputs(options: EvaluateSettings, source: SceneSource) -> tuple[list[str], list[Named]]:
    """The names evaluate writes into ``--output-dir``, and its inputs (which the folder must keep clear of)."""
    labels = labels_path(options, source)
    names = ["pred_labels.tif", *sidecar_names("pred_labels.tif"), "confidence.tif", "NAIP.tif", "preview.png"]
    names += ["true_labels.tif", *sidecar_names("true_labels.tif"), "metrics.json"] if labels is not None else []
    names += ["probabilities.tif"] if options.probabilities else []
    inputs = [Named(path=options.model_filename, option="--model-filename")]
    if not is_url(options.input_filename):
        inputs.append(Named(path=Path(options.input_filename), option="--input-filename"))
    if source.local_path is not None:
        inputs.append(Named(path=source.local_path, option="--input-filename"))
    if labels is not None:
        inputs.append(Named(path=labels, option="--labels"))
    return names, inputs


def evaluate(options: EvaluateSettings) -> dict[str, Any]:
    """Run the evaluation and write every output; return a summary.

    Everything that can be checked before the work is checked first, in one line each: the output folder
    (:func:`landcover.io.outputs.staged_folder`: not an input's, not in use, no file landcover did not write at
    an output's name, an earlier result only with ``--force``), the MLflow server when one is configured, the
    scene, the region, the labels and the model. A region that holds only nodata pixels is refused. The
    outputs are written into a staging folder and replace an earlier result only once all are complete.
    """
    source = resolve_source(options.input_filename, options.asset)
    names, inputs = declared_outputs(options, source)
    out = OutputFolder(options.output_dir, option="--output-dir", command="evaluate").check(inputs)
    staged = StagedResult(out, names, force=options.force, exclusive=True).check()
    check_tracking_reachable()
    with open_scene(source) as scene:
        region = resolve_region(
            scene, RegionRequest(options.center_lat, options.center_lon, options.region_dim, options.bbox)
        )
        check_has_data(scene, region.window, source.name)
        labels = open_labels(options, source, scene)
        try:
            model = load_checked_model(options.model_filename, scene.count)
            for note in region.warnings:
                console.print(f"[yellow]warning:[/] {note}")
            with staged:  # the inputs are good: now lock the folder, write into staging, commit when complete
                result = _run(options, source.name, scene, labels, model, region.window, staged)
        finally:
            if labels is not None:
                labels.close()
    result["files"] = [str(options.output_dir / name) for name in result["files"]]
    track_evaluation(options, result)  # MLflow, when MLFLOW_TRACKING_URI is set
    return result


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
    model: Network,
    region: Window,
    staged: StagedResult,
) -> dict[str, Any]:
    """Predict the region block by block into the staged outputs, then write the metrics, preview and summary."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.set_num_threads(min(torch.get_num_threads(), cpu_count()))  # torch counts the host's cores, not a quota
    engine = Engine(model, device, exact=options.exact, block=options.block, probabilities=True)
    writers = _open_writers(options, scene, labels, region, staged.path)
    height, width = int(region.height), int(region.width)
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
            confusion = _predict(options, engine, scene, labels, region, writers, bar)
        written = [writer.finish() for writer in writers.values()]
        written += [p.with_name(n) for p in written if p.name.endswith("_labels.tif") for n in sidecar_names(p.name)]
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
    metrics = _write_report(options, scene_name, summary, confusion if labels is not None else None, staged, written)
    area = width * height * pixel_area_km2
    accuracy = f", pixel accuracy {metrics['pixel_accuracy']:.3f}" if metrics and metrics["pixel_accuracy"] else ""
    emit(
        f"evaluated {area:.2f} km² in {seconds:.1f} s ({summary['km2_per_s']:.2f} km²/s){accuracy}; "
        f"{counted(len(written), 'file')} in {options.output_dir}"
    )
    return {**summary, "metrics": metrics, "files": [p.name for p in written]}


def _open_writers(
    options: EvaluateSettings,
    scene: rasterio.DatasetReader,
    labels: rasterio.DatasetReader | None,
    region: Window,
    out: Callable[[str], Path],
) -> dict[str, StreamingRaster]:
    """One streaming GeoTIFF per output raster, on the region's grid, in the staging folder."""
    base = {
        "width": int(region.width),
        "height": int(region.height),
        "crs": scene.crs,
        "transform": window_transform(region, scene.transform),
    }
    classes = {**base, "count": 1, "dtype": "uint8", "nodata": 0}
    writers = {
        "pred_labels.tif": StreamingRaster(out("pred_labels.tif"), classes, colourmap=True),
        "NAIP.tif": StreamingRaster(
            out("NAIP.tif"),
            {**base, "count": scene.count, "dtype": "uint8", "nodata": scene.nodata},
            categorical=False,
            bands=NAIP_COLOUR_INTERPRETATION if scene.count == 4 else None,
        ),
    }
    writers["confidence.tif"] = StreamingRaster(out("confidence.tif"), classes, categorical=False)
    if labels is not None:
        writers["true_labels.tif"] = StreamingRaster(out("true_labels.tif"), classes, colourmap=True)
    if options.probabilities:
        writers["probabilities.tif"] = StreamingRaster(
            out("probabilities.tif"), {**base, "count": len(CLASS_NAMES), "dtype": "uint8"}, categorical=False
        )
    return writers


def _predict(
    options: EvaluateSettings,
    engine: Engine,
    scene: rasterio.DatasetReader,
    labels: rasterio.DatasetReader | None,
    region: Window,
    writers: dict[str, StreamingRaster],
    bar: ProgressReporter,
) -> np.ndarray:
    """Write every block of the region into the writers; the confusion matrix against the labels (if any)."""
    confusion = np.zeros((len(CLASS_NAMES), len(CLASS_NAMES)), dtype=np.int64)
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
            raw = read_pixels(labels, labels.name, 1, window=block.window)  # names a truncated file
            truth = label_classes(raw, labels.nodata, labels.name)
            truth[~block.valid] = 0
            writers["true_labels.tif"].write(truth, local)
            confusion += confusion_matrix(truth, block.classes)
        assert block.probabilities is not None
        writers["confidence.tif"].write(confidence(block.probabilities, block.classes, block.valid), local)
        if options.probabilities:
            writers["probabilities.tif"].write(block.probabilities, local)
        bar.advance(block.classes.size)
    return confusion


def _write_report(
    options: EvaluateSettings,
    scene_name: str,
    summary: dict[str, Any],
    confusion: np.ndarray | None,
    staged: StagedResult,
    written: list[Path],
) -> dict[str, Any] | None:
    """With labels, ``metrics.json`` and the printed table; the preview; the metrics (``None``: no labels)."""
    out, title = staged.path, f"{options.model_filename.name} on {scene_name}"
    metrics = None
    if confusion is not None:
        metrics = summarise(confusion)
        written.append(
            write_json(
                out("metrics.json"),
                {**metrics, **summary, "model": str(options.model_filename), "image": str(options.input_filename)},
            )
        )
        print_metrics(metrics, title=title)
    labelled = out("true_labels.tif") if confusion is not None else None
    written.append(
        write_preview(
            out("preview.png"), out("NAIP.tif"), labelled, out("pred_labels.tif"), title=title, metrics=metrics
        )
    )
    return metrics
