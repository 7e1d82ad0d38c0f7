"""The ``landcover`` command: wiring only; each command takes its settings object and calls one module.

Every option is a field of the command's settings model (:mod:`landcover.settings`); the Typer parameters are
generated from it (:mod:`landcover.cli_params`).
"""

from __future__ import annotations

import contextlib
import json
import sys
import traceback
from typing import Annotated

import typer

import clibase.group
from clibase.group import one_line_app, version_option
from clibase.help import show_value_names
from clibase.report import error_markup
from clibase.text import counted
from landcover import __version__
from landcover.cli_params import settings_command, several_ranks
from landcover.constants import PREEMPTED_EXIT_CODE
from landcover.io.console import console, error_console, fail
from landcover.io.errors import LandcoverError, ReportedByAnotherRank
from landcover.io.oserrors import as_landcover_error
from landcover.io.outputs import Named, staged_file
from landcover.runtime import reexec_with_tuned_allocator
from landcover.settings import (
    ConvertPatchesSettings,
    EvaluateSettings,
    ExportSettings,
    ImportCntkSettings,
    ModelsSettings,
    PairsSettings,
    PredictSettings,
    SampleDataSettings,
    ScoreSettings,
    TrainSettings,
    ViewSettings,
)

show_value_names()


class OneLineErrors(clibase.group.OneLineErrors):
    """The ``landcover`` group: usage errors, and an OS or GDAL failure anywhere, are one line naming the cause."""

    error_console = error_console

    def report(self, exc: Exception, argv: list[str]) -> None:
        """An OS or GDAL failure as one line naming its file (under MPI: raised, for ``main`` to end the job)."""
        error = as_landcover_error(exc, argv)
        if error is None:
            return
        if several_ranks():
            raise error from exc  # main() reports it and ends the whole MPI job
        fail(error.message, error.hint)


app = one_line_app("landcover", OneLineErrors)


@app.callback()
def _main(version: Annotated[bool, version_option("landcover", __version__)] = False) -> None:
    r"""Train and apply the land-cover U-Net of the 2018 tutorial on 4-band NAIP GeoTIFFs.

    From Microsoft's 2018 tutorial "pixel-level land classification" (CNTK, Batch AI).

    Examples:
      landcover sample-data data
      landcover train --input-dir data/training_data --model-dir models
      landcover evaluate --input-filename data/evaluation_data/C14_NAIP.tif \
          --model-filename models/trained.pt --output-dir out
    """


@app.command("import-cntk")
@settings_command(ImportCntkSettings)
def import_cntk_command(settings: ImportCntkSettings) -> None:
    """Import a pretrained CNTK model of the 2018 tutorial (no CNTK needed) into a landcover checkpoint.

    Examples:
      landcover import-cntk 250epochs.model tutorial250.pt
    """
    from landcover.cntk.importer import import_cntk

    target, source = Named(path=settings.destination, option="CHECKPOINT"), Named(path=settings.source, option="MODEL")
    with staged_file(target, command="import-cntk", inputs=[source], force=settings.force) as staged:
        import_cntk(settings.source, staged, force=True)
    console.print(f"imported {settings.source} -> {settings.destination}")


@app.command("score")
@settings_command(ScoreSettings)
def score_command(settings: ScoreSettings) -> None:
    """Score a model on whole image pairs, only the centre of each scored (the 2018 tutorial's protocol).

    Examples:
      landcover score tutorial250.pt pairs
      landcover score models/trained.pt pairs --preview score.png
    """
    from landcover.infer.preview import PairGrid
    from landcover.infer.report import print_metrics
    from landcover.infer.score import score_pairs
    from landcover.model.checkpoint import load_model

    inputs = [Named(path=settings.model_path, option="CHECKPOINT"), Named(path=settings.data_dir, option="PAIRS_DIR")]
    preview = settings.preview
    with contextlib.ExitStack() as stack:
        staged = None
        if preview is not None:
            target = Named(path=preview, option="--preview")
            staged = stack.enter_context(staged_file(target, command="score", inputs=inputs, force=settings.force))
        grid = PairGrid(settings.margin) if preview else None
        model = load_model(settings.model_path)
        metrics = score_pairs(model, settings.data_dir, margin=settings.margin, on_pair=grid)
        title = f"{settings.model_path.name} on {counted(metrics['images'], 'image')} in {settings.data_dir}"
        if settings.json_out:
            console.print_json(json.dumps(metrics))
        else:
            print_metrics(metrics, title=title)
        if grid is not None and staged is not None:
            grid.write(staged, title=title, metrics=metrics, total=metrics["images"])
    if preview is not None:
        console.print(f"preview: {preview}")


@app.command("convert-patches")
@settings_command(ConvertPatchesSettings)
def convert_patches_command(settings: ConvertPatchesSettings) -> None:
    """Write Chesapeake Land Cover .npz patches as *_NAIP.tif / *_LandCover.tif pairs (for score, train).

    Examples:
      landcover convert-patches chesapeake-wv-2014 pairs
    """
    from landcover.data.chesapeake import convert_patches

    names = convert_patches(settings.npz_dir, settings.out_dir, force=settings.force)
    console.print(f"wrote {counted(len(names), 'pair')} to {settings.out_dir}")


@app.command("models")
@settings_command(ModelsSettings)
def models_command(settings: ModelsSettings) -> None:
    """List the networks --model builds: parameters, GFLOP per 256 x 256 sample, and (--measure) speed here.

    Examples:
      landcover models
      landcover models --measure --only tutorial-unet,unet,segformer
    """
    from landcover.infer.models_table import models_table

    models_table(settings)


@app.command("sample-data")
@settings_command(SampleDataSettings)
def sample_data_command(settings: SampleDataSettings) -> None:
    """Write the tutorial's data, synthetically: 8 training pairs and the C14 evaluation scene.

    Examples:
      landcover sample-data data
    """
    from landcover.data.sample import write_sample_data

    out_dir = settings.out_dir
    written = write_sample_data(out_dir, seed=settings.seed, force=settings.force)
    console.print(f"wrote {len(written)} GeoTIFFs to {out_dir}/training_data and {out_dir}/evaluation_data")


@app.command("train")
@settings_command(TrainSettings)
def train_command(settings: TrainSettings) -> None:
    """Train the U-Net on GeoTIFF pairs, alone or data-parallel under mpirun.

    Examples:
      landcover train --input-dir data/training_data --model-dir models --epochs 6
      mpirun -np 4 landcover train --input-dir data/training_data --model-dir models
    """
    from landcover.train.loop import train
    from landcover.train.preempt import Preempted

    try:
        train(settings)
    except Preempted:  # SIGTERM / SIGUSR1: the checkpoint is written and the ranks agreed to stop
        raise typer.Exit(PREEMPTED_EXIT_CODE) from None


@app.command("evaluate")
@settings_command(EvaluateSettings)
def evaluate_command(settings: EvaluateSettings) -> None:
    r"""Apply a model to a region of a scene (default: all of it) and write maps, metrics and a preview.

    Examples:
      landcover evaluate --input-filename data/evaluation_data/C14_NAIP.tif \
          --model-filename models/trained.pt --output-dir out \
          --center-lat 37.055522 --center-lon -78.638640 --region-dim 1024
      landcover evaluate --input-filename scene_NAIP.tif \
          --model-filename tutorial250.pt --output-dir out --bbox=-78.65,37.05,-78.63,37.06
    """
    from landcover.infer.evaluate import evaluate

    evaluate(settings)


@app.command("export")
@settings_command(ExportSettings)
def export_command(settings: ExportSettings) -> None:
    r"""Export a model to ONNX: dynamic batch, height and width; normalisation inside; classes in metadata.

    Examples:
      landcover export models/trained.pt landcover.onnx \
          --check-image data/evaluation_data/C14_NAIP.tif
      landcover export tutorial250.pt tutorial250-256.onnx --tile-size 256
    """
    from landcover.infer.export_onnx import export_and_check

    console.print(export_and_check(settings), soft_wrap=True)


@app.command("predict")
@settings_command(PredictSettings)
def predict_command(settings: PredictSettings) -> None:
    r"""Map many scenes (alone, or under mpirun sharing a queue): a COG each, a mosaic VRT and a summary.

    Examples:
      landcover predict --scenes scenes/ --model-filename models/trained.pt \
          --output-dir maps
      mpirun -np 4 landcover predict --scenes items.json \
          --model-filename models/trained.pt --output-dir maps
    """
    from landcover.infer.predict_many import failed_scenes, predict_many

    summary = predict_many(settings)
    error = failed_scenes(summary, settings.output_dir) if summary is not None else None
    if error is not None:
        fail(error.message, error.hint)


@app.command("view")
@settings_command(ViewSettings)
def view_command(settings: ViewSettings) -> None:
    """Show maps on a local web map: imagery, prediction, truth, disagreement, confidence, legend and metrics.

    Examples:
      landcover view out
      landcover view maps --port 8000 --no-browser
    """
    from landcover.view.serve import view

    view(settings)


@app.command("pairs")
@settings_command(PairsSettings)
def pairs_command(settings: PairsSettings) -> None:
    r"""Build aligned *_NAIP.tif / *_LandCover.tif COG pairs from a STAC API (or from rasters) for train.

    Examples:
      landcover pairs --output-dir pairs \
          --stac-api https://planetarycomputer.microsoft.com/api/stac/v1 \
          --image-collection naip --label-collection chesapeake-lc-7 \
          --datetime 2014 --bbox -76.62,39.20,-76.58,39.23
      landcover pairs --images scene.tif --labels county_lc.tif --output-dir pairs
    """
    from landcover.data.catalog.build import build_pairs

    summary = build_pairs(settings)
    for line in summary.lines():
        console.print(line, soft_wrap=True)


HEAVY_COMMANDS = {"train", "evaluate", "predict"}


def main() -> None:
    """Console-script entry point: bad input becomes a one-line error; a failing MPI rank ends the job."""
    if len(sys.argv) > 1 and sys.argv[1] in HEAVY_COMMANDS:
        reexec_with_tuned_allocator(["-m", "landcover", *sys.argv[1:]])  # before torch is imported
    from landcover.parallel.world import abort_job, launched_by_mpi

    try:
        app(prog_name="landcover")
    except ReportedByAnotherRank:
        sys.exit(2)
    except LandcoverError as exc:
        if launched_by_mpi():
            error_console.print(error_markup(exc.message, exc.hint), soft_wrap=True)
            abort_job(2)
        fail(exc.message, exc.hint)
    except Exception:
        if not launched_by_mpi():
            raise
        traceback.print_exc()
        abort_job(1)
        raise
