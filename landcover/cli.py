"""The ``landcover`` command: wiring only; each command calls one module."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from landcover import __version__
from landcover.console import console, fail
from landcover.errors import LandcoverError

app = typer.Typer(
    name="landcover",
    help="Train and apply the seed's land-cover U-Net on 4-band NAIP GeoTIFFs.",
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
    """Train and apply the seed's land-cover U-Net on 4-band NAIP GeoTIFFs."""


@app.command("import-cntk")
def import_cntk_command(
    source: Annotated[Path, typer.Argument(help="The seed's CNTK v2 .model file.")],
    destination: Annotated[Path, typer.Argument(help="The checkpoint (.pt) to write.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing checkpoint.")] = False,
) -> None:
    """Import a seed CNTK model (no CNTK needed) into a landcover checkpoint."""
    from landcover.cntk_import import import_cntk

    written = import_cntk(source, destination, force=force)
    console.print(f"imported {source} -> {written}")


@app.command("score")
def score_command(
    model_path: Annotated[Path, typer.Argument(help="A landcover checkpoint (.pt).")],
    data_dir: Annotated[Path, typer.Argument(help="Directory of *_NAIP.tif / *_LandCover.tif pairs.")],
    margin: Annotated[int, typer.Option(help="Pixels left out on every side (the seed scored the centre).")] = 64,
    json_out: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Score a model on whole image pairs, the centre of each scored (the seed's protocol)."""
    from landcover.checkpoint import load_model
    from landcover.report import print_metrics
    from landcover.score import score_pairs

    metrics = score_pairs(load_model(model_path), data_dir, margin=margin)
    if json_out:
        console.print_json(json.dumps(metrics))
    else:
        print_metrics(metrics, title=f"{model_path.name} on {metrics['images']} images in {data_dir}")


@app.command("convert-patches")
def convert_patches_command(
    npz_dir: Annotated[Path, typer.Argument(help="Folder of Chesapeake .npz patches.")],
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the GeoTIFF pairs to.")],
) -> None:
    """Write Chesapeake Land Cover .npz patches as *_NAIP.tif / *_LandCover.tif pairs."""
    from landcover.chesapeake import convert_patches

    names = convert_patches(npz_dir, out_dir)
    console.print(f"wrote {len(names)} pairs to {out_dir}")


def main() -> None:
    """Console-script entry point: run the app, turning bad input into a one-line error."""
    try:
        app()
    except LandcoverError as exc:
        fail(exc.message, exc.hint)
