"""The ``landcover`` command: wiring only; each command calls one module."""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer

from landcover import __version__
from landcover.cli_help import show_value_names
from landcover.constants import MARGIN, PREEMPTED_EXIT_CODE
from landcover.io.console import console, error_console, fail
from landcover.io.errors import LandcoverError
from landcover.runtime import reexec_with_tuned_allocator

show_value_names()

# Options several commands share, defined once.
ModelFilenameOption = Annotated[
    Path,
    typer.Option("--model-filename", "--model_filename", help="A landcover checkpoint (.pt).", metavar="CHECKPOINT"),
]
AssetOption = Annotated[
    str | None,
    typer.Option(
        "--asset", help="STAC item asset to read \\[default: its GeoTIFF, role data before visual].", metavar="KEY"
    ),
]
ExactOption = Annotated[bool, typer.Option("--exact", help="fp32 throughout (no bf16).")]
BlockSizeOption = Annotated[
    int, typer.Option("--block-size", min=128, help="Output block size in pixels.", metavar="PIXELS")
]
ThreadsOption = Annotated[
    int | None, typer.Option(help="Threads per rank \\[default: CPUs / ranks on the node].", metavar="N")
]

app = typer.Typer(
    name="landcover",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        console.print(f"landcover {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    r"""Train and apply the land-cover U-Net of the 2018 tutorial on 4-band NAIP GeoTIFFs.

    From Microsoft's 2018 tutorial "pixel-level land classification" (CNTK, Batch AI), also called the seed.

    Examples:
      landcover sample-data data
      landcover train --input-dir data/training_data --model-dir models
      landcover evaluate --input-filename data/evaluation_data/C14_NAIP.tif \
          --model-filename models/trained.pt --output-dir out
    """


@app.command("import-cntk")
def import_cntk_command(
    source: Annotated[Path, typer.Argument(help="A CNTK v2 .model file of the 2018 tutorial.", metavar="MODEL")],
    destination: Annotated[Path, typer.Argument(help="The checkpoint (.pt) to write.", metavar="CHECKPOINT")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing checkpoint.")] = False,
) -> None:
    """Import a pretrained CNTK model of the 2018 tutorial (no CNTK needed) into a landcover checkpoint.

    Examples:
      landcover import-cntk 250epochs.model seed250.pt
    """
    from landcover.cntk.importer import import_cntk

    written = import_cntk(source, destination, force=force)
    console.print(f"imported {source} -> {written}")


@app.command("score")
def score_command(
    model_path: Annotated[Path, typer.Argument(help="A landcover checkpoint (.pt).", metavar="CHECKPOINT")],
    data_dir: Annotated[
        Path, typer.Argument(help="Folder of *_NAIP.tif / *_LandCover.tif pairs.", metavar="PAIRS_DIR")
    ],
    margin: Annotated[
        int,
        typer.Option(
            min=0,
            help="Pixels left out on every side (the 2018 tutorial scored only the centre of each image).",
            metavar="PIXELS",
        ),
    ] = MARGIN,
    json_out: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    preview: Annotated[
        Path | None,
        typer.Option(help="Also write a PNG grid of the pairs: imagery | truth | prediction.", metavar="PNG"),
    ] = None,
) -> None:
    """Score a model on whole image pairs, only the centre of each scored (the 2018 tutorial's protocol).

    Examples:
      landcover score seed250.pt pairs
      landcover score models/trained.pt pairs --preview score.png
    """
    from landcover.infer.preview import PairGrid
    from landcover.infer.report import print_metrics
    from landcover.infer.score import score_pairs
    from landcover.model.checkpoint import load_model

    grid = PairGrid(margin) if preview else None
    metrics = score_pairs(load_model(model_path), data_dir, margin=margin, on_pair=grid)
    title = f"{model_path.name} on {metrics['images']} images in {data_dir}"
    if json_out:
        console.print_json(json.dumps(metrics))
    else:
        print_metrics(metrics, title=title)
    if grid is not None and preview is not None:
        console.print(f"preview: {grid.write(preview, title=title, metrics=metrics, total=metrics['images'])}")


@app.command("convert-patches")
def convert_patches_command(
    npz_dir: Annotated[Path, typer.Argument(help="Folder of Chesapeake .npz patches.", metavar="NPZ_DIR")],
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the GeoTIFF pairs to.", metavar="OUT_DIR")],
) -> None:
    """Write Chesapeake Land Cover .npz patches as *_NAIP.tif / *_LandCover.tif pairs (for score, train).

    Examples:
      landcover convert-patches chesapeake-wv-2014 pairs
    """
    from landcover.data.chesapeake import convert_patches

    names = convert_patches(npz_dir, out_dir)
    console.print(f"wrote {len(names)} pairs to {out_dir}")


@app.command("sample-data")
def sample_data_command(
    out_dir: Annotated[
        Path, typer.Argument(help="Folder to receive training_data/ and evaluation_data/.", metavar="OUT_DIR")
    ],
    seed: Annotated[int, typer.Option(help="Random seed; everything generated follows from it.", metavar="N")] = 0,
) -> None:
    """Write the tutorial's data, synthetically: 8 training pairs and the C14 evaluation scene.

    Examples:
      landcover sample-data data
    """
    from landcover.data.sample import write_sample_data

    written = write_sample_data(out_dir, seed=seed)
    console.print(f"wrote {len(written)} GeoTIFFs to {out_dir}/training_data and {out_dir}/evaluation_data")


@app.command("train")
def train_command(
    input_dir: Annotated[
        Path,
        typer.Option("--input-dir", "--input_dir", help="Folder of *_NAIP.tif / *_LandCover.tif pairs.", metavar="DIR"),
    ],
    model_dir: Annotated[
        Path,
        typer.Option("--model-dir", "--model_dir", help="Where checkpoints, trained.pt and metrics go.", metavar="DIR"),
    ],
    epochs: Annotated[
        int,
        typer.Option(
            "--epochs", "--num_epochs", "--num-epochs", min=1, help="Passes of --epoch-size samples.", metavar="N"
        ),
    ] = 1,
    epoch_size: Annotated[
        int | None,
        typer.Option(
            "--epoch-size",
            "--epoch_size",
            min=1,
            help="Samples per epoch \\[default: GPU 16000, CPU 800].",
            metavar="N",
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            "--batch-size",
            "--batch_size",
            min=1,
            help="Crops per step per rank \\[default: GPU 32, CPU 10].",
            metavar="N",
        ),
    ] = None,
    lr: Annotated[
        float | None,
        typer.Option(
            "--lr", min=0.0, help="Peak learning rate \\[default: 2e-3; 2e-4 with --init-from].", metavar="RATE"
        ),
    ] = None,
    weight_decay: Annotated[
        float, typer.Option("--weight-decay", min=0.0, help="AdamW weight decay.", metavar="DECAY")
    ] = 1e-4,
    class_weights: Annotated[
        str,
        typer.Option(
            "--class-weights",
            help="balanced (1/sqrt(class frequency)) or seed (all 1, as the 2018 tutorial).",
            metavar="MODE",
        ),
    ] = "balanced",
    init_from: Annotated[
        Path | None,
        typer.Option(
            "--init-from", help="Fine-tune from a checkpoint (e.g. one made by import-cntk).", metavar="CHECKPOINT"
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed for initialisation and sampling.", metavar="N")] = 0,
    precision: Annotated[str, typer.Option(help="auto (bf16 where fast), bf16 or fp32.", metavar="MODE")] = "auto",
    threads: ThreadsOption = None,
    memory_budget_gb: Annotated[
        float | None,
        typer.Option(
            "--memory-budget-gb", help="Image memory per rank \\[default: half the free RAM / ranks].", metavar="GB"
        ),
    ] = None,
    restart: Annotated[
        bool,
        typer.Option(
            "--restart",
            help="Start a fresh schedule (to --epochs) from the newest checkpoint's weights instead of resuming.",
        ),
    ] = False,
    compile_model: Annotated[
        bool, typer.Option("--compile", help="torch.compile the network (compile time is reported separately).")
    ] = False,
    val_dir: Annotated[
        Path | None, typer.Option("--val-dir", help="Validation pairs, scored every epoch as landcover score does.")
    ] = None,
    val_fraction: Annotated[
        float, typer.Option("--val-fraction", min=0.0, max=0.9, help="Hold out this fraction of whole input pairs.")
    ] = 0.0,
    monitor: Annotated[
        str, typer.Option(help="Validation score that picks best.pt: mean_iou, pixel_accuracy or loss.")
    ] = "mean_iou",
    early_stop: Annotated[
        int | None, typer.Option("--early-stop", min=1, help="Stop when --monitor has not improved for N epochs.")
    ] = None,
) -> None:
    """Train the U-Net on GeoTIFF pairs, alone or data-parallel under mpirun.

    Examples:
      landcover train --input-dir data/training_data --model-dir models --epochs 6
      mpirun -np 4 landcover train --input-dir data/training_data --model-dir models
    """
    from landcover.data.shard import check_pairs
    from landcover.train.distributed import init_world
    from landcover.train.loop import Trainer, TrainOptions, default_memory_budget_gb
    from landcover.train.preempt import Preempted
    from landcover.train.validation import MONITORS

    if class_weights not in ("balanced", "seed"):
        raise LandcoverError(f"--class-weights {class_weights!r} is not known", "use balanced or seed")
    if precision not in ("auto", "bf16", "fp32"):
        raise LandcoverError(f"--precision {precision!r} is not known", "use auto, bf16 or fp32")
    if val_dir is not None and val_fraction:
        raise LandcoverError("--val-dir and --val-fraction both given", "give one source of validation pairs")
    if monitor not in MONITORS:
        raise LandcoverError(f"--monitor {monitor!r} is not known", f"use {', '.join(MONITORS)}")
    if early_stop is not None and val_dir is None and not val_fraction:
        raise LandcoverError("--early-stop needs validation pairs", "add --val-dir DIR or --val-fraction F")
    world = init_world(threads)
    gpu = world.device.type == "cuda"
    if epoch_size is None:
        epoch_size = 16_000 if gpu else 800
        if world.is_main and not gpu:
            check_pairs(input_dir)  # bad input first, then the advice
            console.print(
                "CPU run: --epoch-size defaults to 800 samples (the 2018 tutorial's 16,000 is the GPU default)"
            )
    options = TrainOptions(
        input_dir=str(input_dir),
        model_dir=str(model_dir),
        epochs=epochs,
        epoch_size=epoch_size,
        batch_size=batch_size or (32 if gpu else 10),
        lr=lr if lr is not None else (2e-4 if init_from else 2e-3),
        weight_decay=weight_decay,
        class_weights=class_weights,
        init_from=str(init_from) if init_from else None,
        seed=seed,
        precision=precision,
        memory_budget_gb=memory_budget_gb or default_memory_budget_gb(world.local_size),
        restart=restart,
        compile=compile_model,
        val_dir=str(val_dir) if val_dir else None,
        val_fraction=val_fraction,
        monitor=monitor,
        early_stop=early_stop,
    )
    try:
        Trainer(options, world).run()
    except Preempted:  # SIGTERM / SIGUSR1: the checkpoint is written and the ranks agreed to stop
        raise typer.Exit(PREEMPTED_EXIT_CODE) from None


@app.command("evaluate")
def evaluate_command(
    input_filename: Annotated[
        str,
        typer.Option(
            "--input-filename",
            "--input_filename",
            help="The scene: a 4-band NAIP GeoTIFF (path or https:// URL) or a STAC item (.json file or URL).",
            metavar="SCENE",
        ),
    ],
    model_filename: ModelFilenameOption,
    output_dir: Annotated[
        Path, typer.Option("--output-dir", "--output_dir", help="Where the outputs go.", metavar="DIR")
    ],
    center_lat: Annotated[
        float | None, typer.Option("--center-lat", "--center_lat", help="Region centre, degrees.", metavar="LAT")
    ] = None,
    center_lon: Annotated[
        float | None, typer.Option("--center-lon", "--center_lon", help="Region centre, degrees.", metavar="LON")
    ] = None,
    region_dim: Annotated[
        str | None,
        typer.Option(
            "--region-dim", "--region_dim", help="Region size around the centre: 1024, 1024px or 1000m.", metavar="SIZE"
        ),
    ] = None,
    bbox: Annotated[
        str | None, typer.Option(help="Region as WEST,SOUTH,EAST,NORTH in degrees.", metavar="W,S,E,N")
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(help="Label raster \\[default: found by the _NAIP -> _LandCover naming].", metavar="TIF"),
    ] = None,
    probabilities: Annotated[bool, typer.Option("--probabilities", help="Also write per-class probabilities.")] = False,
    exact: ExactOption = False,
    block: BlockSizeOption = 1024,
    asset: AssetOption = None,
) -> None:
    r"""Apply a model to a region of a scene (default: all of it) and write maps, metrics and a preview.

    Examples:
      landcover evaluate --input-filename data/evaluation_data/C14_NAIP.tif \
          --model-filename models/trained.pt --output-dir out \
          --center-lat 37.055522 --center-lon -78.638640 --region-dim 1024
      landcover evaluate --input-filename scene_NAIP.tif \
          --model-filename seed250.pt --output-dir out --bbox=-78.65,37.05,-78.63,37.06
    """
    from landcover.infer.evaluate import EvaluateOptions, evaluate
    from landcover.infer.region import RegionRequest

    evaluate(
        EvaluateOptions(
            input_filename=input_filename,
            model_filename=model_filename,
            output_dir=output_dir,
            region=RegionRequest(center_lat, center_lon, region_dim, bbox),
            labels=labels,
            probabilities=probabilities,
            exact=exact,
            block=block,
            asset=asset,
        )
    )


@app.command("export")
def export_command(
    model_path: Annotated[
        Path,
        typer.Argument(help="A landcover checkpoint (.pt) or a CNTK .model of the 2018 tutorial.", metavar="MODEL"),
    ],
    out_path: Annotated[Path, typer.Argument(help="The ONNX model (.onnx) to write.", metavar="ONNX")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    output: Annotated[
        str, typer.Option(help="probabilities (known classes, softmax) or scores (raw).", metavar="KIND")
    ] = "probabilities",
    tile_size: Annotated[
        int | None,
        typer.Option(
            "--tile-size", help="Fix height = width (GIS tools that tile) \\[default: dynamic].", metavar="PIXELS"
        ),
    ] = None,
    check_image: Annotated[
        Path | None,
        typer.Option("--check-image", help="Compare ONNX Runtime with PyTorch on this scene's centre.", metavar="TIF"),
    ] = None,
    check_size: Annotated[
        int, typer.Option("--check-size", min=8, help="Side of the compared region.", metavar="PIXELS")
    ] = 1024,
) -> None:
    r"""Export a model to ONNX: dynamic batch, height and width; normalisation inside; classes in metadata.

    Examples:
      landcover export models/trained.pt landcover.onnx \
          --check-image data/evaluation_data/C14_NAIP.tif
      landcover export seed250.pt seed250-256.onnx --tile-size 256
    """
    from landcover.infer.export_onnx import export_and_check

    report = export_and_check(
        model_path,
        out_path,
        force=force,
        output=output,
        tile_size=tile_size,
        check_image=check_image,
        check_size=check_size,
    )
    console.print(report, soft_wrap=True)


@app.command("predict")
def predict_command(
    scenes: Annotated[
        str,
        typer.Option(
            "--scenes",
            help="A folder of GeoTIFFs, a file listing paths/URLs (one a line), or a STAC ItemCollection (.json).",
            metavar="SRC",
        ),
    ],
    model_filename: ModelFilenameOption,
    output_dir: Annotated[
        Path,
        typer.Option("--output-dir", "--output_dir", help="Where the maps, mosaic and summary go.", metavar="DIR"),
    ],
    asset: AssetOption = None,
    exact: ExactOption = False,
    block: BlockSizeOption = 1024,
    threads: ThreadsOption = None,
) -> None:
    r"""Map many scenes (alone, or under mpirun sharing a queue): a COG each, a mosaic VRT and a summary.

    Examples:
      landcover predict --scenes scenes/ --model-filename models/trained.pt \
          --output-dir maps
      mpirun -np 4 landcover predict --scenes items.json \
          --model-filename models/trained.pt --output-dir maps
    """
    from landcover.infer.predict_many import PredictOptions, predict_many

    predict_many(PredictOptions(scenes, model_filename, output_dir, asset, exact, block, threads))


@app.command("pairs")
def pairs_command(
    output_dir: Annotated[Path, typer.Option("--output-dir", help="Where the pairs go.", metavar="DIR")],
    stac_api: Annotated[str | None, typer.Option(help="STAC API root URL.", metavar="URL")] = None,
    image_collection: Annotated[str, typer.Option(help="Collection of 4-band images.", metavar="ID")] = "naip",
    label_collection: Annotated[str | None, typer.Option(help="Collection of labels.", metavar="ID")] = None,
    images: Annotated[
        list[str] | None, typer.Option("--images", help="Image path, URL or STAC item (repeat).", metavar="IMG")
    ] = None,
    labels: Annotated[
        list[str] | None, typer.Option("--labels", help="Label raster path or URL (repeat).", metavar="LBL")
    ] = None,
    bbox: Annotated[
        str | None, typer.Option(help="Area as WEST,SOUTH,EAST,NORTH in degrees.", metavar="W,S,E,N")
    ] = None,
    geojson: Annotated[Path | None, typer.Option(help="Area as a GeoJSON file.", metavar="FILE")] = None,
    ids: Annotated[list[str] | None, typer.Option("--ids", help="Image item id (repeat).", metavar="ID")] = None,
    datetime: Annotated[str | None, typer.Option(help="Image dates, e.g. 2014 or 2014-01-01/2014-12-31.")] = None,
    label_datetime: Annotated[str | None, typer.Option(help="Label dates.", metavar="DATES")] = None,
    tile_size: Annotated[int | None, typer.Option(help="Cut pairs into tiles of this size.", metavar="PIXELS")] = None,
    class_table: Annotated[
        str | None, typer.Option(help="Class table: chesapeake-lc-7, chesapeake-lc-13 or a JSON file.", metavar="TABLE")
    ] = None,
    image_asset: Annotated[str | None, typer.Option(help="Image asset key.", metavar="KEY")] = None,
    label_asset: Annotated[str | None, typer.Option(help="Label asset key.", metavar="KEY")] = None,
    sign: Annotated[str, typer.Option(help="auto, planetary-computer or none.", metavar="MODE")] = "auto",
    max_items: Annotated[int | None, typer.Option(help="At most this many images.", metavar="N")] = None,
    retries: Annotated[int, typer.Option(help="Retries of transient HTTP errors (429, 5xx).", metavar="N")] = 3,
    timeout: Annotated[float, typer.Option(help="HTTP timeout for the STAC API.", metavar="SECONDS")] = 30.0,
) -> None:
    r"""Build aligned *_NAIP.tif / *_LandCover.tif COG pairs from a STAC API (or from rasters) for train.

    Examples:
      landcover pairs --output-dir pairs \
          --stac-api https://planetarycomputer.microsoft.com/api/stac/v1 \
          --image-collection naip --label-collection chesapeake-lc-7 \
          --datetime 2014 --bbox -76.62,39.20,-76.58,39.23
      landcover pairs --images scene.tif --labels county_lc.tif --output-dir pairs
    """
    from landcover.data.catalog.build import build_pairs
    from landcover.data.catalog.settings import settings_from_options

    settings = settings_from_options(
        stac_api=stac_api,
        image_collection=image_collection,
        label_collection=label_collection,
        images=images or [],
        labels=labels or [],
        bbox=bbox,
        geojson=geojson,
        ids=ids or [],
        datetime=datetime,
        label_datetime=label_datetime,
        output_dir=output_dir,
        tile_size=tile_size,
        class_table=class_table,
        image_asset=image_asset,
        label_asset=label_asset,
        sign=sign,
        max_items=max_items,
        retries=retries,
        timeout_s=timeout,
    )
    summary = build_pairs(settings)
    for line in summary.lines():
        console.print(line, soft_wrap=True)


HEAVY_COMMANDS = {"train", "evaluate", "predict"}


def main() -> None:
    """Console-script entry point: bad input becomes a one-line error; a failing MPI rank ends the job."""
    if len(sys.argv) > 1 and sys.argv[1] in HEAVY_COMMANDS:
        reexec_with_tuned_allocator(["-m", "landcover", *sys.argv[1:]])  # before torch is imported
    from landcover.train.distributed import abort_job, launched_by_mpi

    try:
        app(prog_name="landcover")
    except LandcoverError as exc:
        if launched_by_mpi():
            error_console.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
            abort_job(2)
        fail(exc.message, exc.hint)
    except Exception:
        if not launched_by_mpi():
            raise
        traceback.print_exc()
        abort_job(1)
        raise
