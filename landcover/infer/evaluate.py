"""``landcover evaluate``: apply a model to a region of a scene and write maps, metrics and a preview."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import torch
from rasterio.windows import Window
from rasterio.windows import transform as window_transform

from landcover.constants import CLASS_NAMES, lump_labels
from landcover.data.pairs import (
    NAIP_COLOUR_INTERPRETATION,
    check_labels,
    label_path_for,
    open_raster,
)
from landcover.data.sources import SceneSource, open_scene, resolve_source
from landcover.infer.engine import Engine
from landcover.infer.model_file import load_checked_model
from landcover.infer.outputs import StreamingRaster, write_json, write_preview
from landcover.infer.region import RegionRequest, resolve_region
from landcover.infer.report import print_metrics
from landcover.io.atomic import check_output_dir
from landcover.io.console import console, emit
from landcover.io.errors import LandcoverError
from landcover.io.progress import ProgressReporter
from landcover.limits import cpu_count
from landcover.metrics import confusion_matrix, summarise
from landcover.model.unet import TutorialUNet
from landcover.settings import EvaluateSettings
from landcover.tracking import track_evaluation


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


def evaluate(options: EvaluateSettings) -> dict[str, Any]:
    """Run the evaluation and write every output; return a summary."""
    source = resolve_source(options.input_filename, options.asset)
    with open_scene(source) as scene:
        region = resolve_region(
            scene, RegionRequest(options.center_lat, options.center_lon, options.region_dim, options.bbox)
        )
        labels = open_labels(options, source, scene)
        model = load_checked_model(options.model_filename, scene.count)
        check_output_dir(options.output_dir)
        for note in region.warnings:
            console.print(f"[yellow]warning:[/] {note}")
        try:
            return _run(options, source.name, scene, labels, model, region.window)
        finally:
            if labels is not None:
                labels.close()


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
    engine = Engine(model, device, exact=options.exact, block=options.block, probabilities=options.probabilities)
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
    if labels is not None:
        writers["true_labels.tif"] = StreamingRaster(
            out / "true_labels.tif", {**base, "count": 1, "dtype": "uint8", "nodata": 0}, colourmap=True
        )
    if options.probabilities:
        writers["probabilities.tif"] = StreamingRaster(
            out / "probabilities.tif", {**base, "count": len(CLASS_NAMES), "dtype": "uint8"}, categorical=False
        )
    confusion = np.zeros((len(CLASS_NAMES), len(CLASS_NAMES)), dtype=np.int64)
    pixel_area_km2 = abs(scene.transform.a * scene.transform.e) / 1e6
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
                    truth = lump_labels(labels.read(1, window=block.window))
                    truth[~block.valid] = 0
                    writers["true_labels.tif"].write(truth, local)
                    confusion += confusion_matrix(truth, block.classes)
                if block.probabilities is not None:
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
