"""Settings of the commands that apply a model: ``evaluate``, ``predict``, ``score`` and ``export``."""

from __future__ import annotations

from pathlib import Path

from landcover.choices import Choice
from landcover.constants import MARGIN
from landcover.settings.fields import Settings, argument, option

MODEL_FILENAME_HELP = "A landcover checkpoint (.pt)."
ASSET_HELP = "STAC item asset to read \\[default: its GeoTIFF, role data before visual]."
EXACT_HELP = "fp32 throughout (no bf16)."
BLOCK_HELP = "Output block size in pixels."
THREADS_HELP = "Threads per rank \\[default: CPUs / ranks on the node]."


class ApplySettings(Settings):
    """The options every command that maps scenes shares (``evaluate``, ``predict``), defined once."""

    model_filename: Path = option(
        "--model-filename", "--model_filename", help=MODEL_FILENAME_HELP, metavar="CHECKPOINT"
    )
    exact: bool = option("--exact", default=False, help=EXACT_HELP)
    block: int = option("--block-size", default=1024, ge=128, help=BLOCK_HELP, metavar="PIXELS")
    asset: str | None = option("--asset", default=None, help=ASSET_HELP, metavar="KEY")


class EvaluateSettings(ApplySettings):
    """What ``landcover evaluate`` was asked to do."""

    COMMAND = "evaluate"

    input_filename: str = option(
        "--input-filename",
        "--input_filename",
        help="The scene: a 4-band NAIP GeoTIFF (path or https:// URL) or a STAC item (.json file or URL).",
        metavar="SCENE",
    )
    output_dir: Path = option("--output-dir", "--output_dir", help="Where the outputs go.", metavar="DIR")
    center_lat: float | None = option(
        "--center-lat", "--center_lat", default=None, help="Region centre, degrees.", metavar="LAT"
    )
    center_lon: float | None = option(
        "--center-lon", "--center_lon", default=None, help="Region centre, degrees.", metavar="LON"
    )
    region_dim: str | None = option(
        "--region-dim",
        "--region_dim",
        default=None,
        help="Region size around the centre: 1024, 1024px or 1000m.",
        metavar="SIZE",
    )
    bbox: str | None = option(default=None, help="Region as WEST,SOUTH,EAST,NORTH in degrees.", metavar="W,S,E,N")
    labels: Path | None = option(
        default=None, help="Label raster \\[default: found by the _NAIP -> _LandCover naming].", metavar="TIF"
    )
    probabilities: bool = option("--probabilities", default=False, help="Also write per-class probabilities.")
    force: bool = option(
        "--force",
        default=False,
        help="Replace an earlier evaluate's files in --output-dir (only those; other files are kept).",
    )

    CLI_ORDER = (
        "input_filename",
        "model_filename",
        "output_dir",
        "center_lat",
        "center_lon",
        "region_dim",
        "bbox",
        "labels",
        "probabilities",
        "exact",
        "block",
        "asset",
        "force",
    )


class PredictSettings(ApplySettings):
    """What ``landcover predict`` was asked to do."""

    COMMAND = "predict"

    scenes: str = option(
        "--scenes",
        help="A folder of GeoTIFFs, a file listing paths/URLs (one a line), or a STAC ItemCollection (.json).",
        metavar="SRC",
    )
    output_dir: Path = option(
        "--output-dir", "--output_dir", help="Where the maps, mosaic and summary go.", metavar="DIR"
    )
    threads: int | None = option(default=None, ge=1, help=THREADS_HELP, metavar="N")

    CLI_ORDER = ("scenes", "model_filename", "output_dir", "asset", "exact", "block", "threads")


class ScoreSettings(Settings):
    """What ``landcover score`` was asked to do."""

    COMMAND = "score"

    model_path: Path = argument(help="A landcover checkpoint (.pt).", metavar="CHECKPOINT")
    data_dir: Path = argument(help="Folder of *_NAIP.tif / *_LandCover.tif pairs.", metavar="PAIRS_DIR")
    margin: int = option(
        default=MARGIN,
        ge=0,
        help="Pixels left out on every side (the 2018 tutorial scored only the centre of each image).",
        metavar="PIXELS",
    )
    json_out: bool = option("--json", default=False, help="Print the metrics as JSON.")
    preview: Path | None = option(
        default=None, help="Also write a PNG grid of the pairs: imagery | truth | prediction.", metavar="PNG"
    )
    force: bool = option(
        "--force", default=False, help="Replace a --preview an earlier score wrote (never a file it did not write)."
    )


class ExportOutput(Choice):
    """What the exported network returns (``landcover export --output``)."""

    probabilities = "probabilities"
    scores = "scores"


class ExportSettings(Settings):
    """What ``landcover export`` was asked to do."""

    COMMAND = "export"

    model_path: Path = argument(
        help="A landcover checkpoint (.pt) or a CNTK .model of the 2018 tutorial.", metavar="MODEL"
    )
    out_path: Path = argument(help="The ONNX model (.onnx) to write.", metavar="ONNX")
    force: bool = option(
        "--force", default=False, help="Replace the file an earlier export wrote (never another file)."
    )
    output: ExportOutput = option(
        default=ExportOutput.probabilities, help="probabilities (known classes, softmax) or scores (raw)."
    )
    tile_size: int | None = option(
        "--tile-size",
        default=None,
        help="Fix height = width (GIS tools that tile) \\[default: dynamic].",
        metavar="PIXELS",
    )
    check_image: Path | None = option(
        "--check-image", default=None, help="Compare ONNX Runtime with PyTorch on this scene's centre.", metavar="TIF"
    )
    check_size: int = option("--check-size", default=1024, ge=8, help="Side of the compared region.", metavar="PIXELS")
