"""Settings of the commands that make or convert files: ``sample-data``, ``convert-patches``, ``import-cntk``."""

from __future__ import annotations

from pathlib import Path

from landcover.settings.fields import MAX_SEED, Settings, argument, option


class SampleDataSettings(Settings):
    """What ``landcover sample-data`` was asked to do."""

    COMMAND = "sample-data"

    out_dir: Path = argument(help="Folder to receive training_data/ and evaluation_data/.", metavar="OUT_DIR")
    seed: int = option(
        default=0, help="Random seed; everything generated follows from it.", metavar="N", ge=0, le=MAX_SEED
    )
    force: bool = option(
        "--force", default=False, help="Replace the files an earlier sample-data wrote in OUT_DIR (only those)."
    )


class ConvertPatchesSettings(Settings):
    """What ``landcover convert-patches`` was asked to do."""

    COMMAND = "convert-patches"

    npz_dir: Path = argument(help="Folder of Chesapeake .npz patches.", metavar="NPZ_DIR")
    out_dir: Path = argument(help="Folder to write the GeoTIFF pairs to.", metavar="OUT_DIR")
    force: bool = option(
        "--force", default=False, help="Replace the pairs an earlier convert-patches wrote in OUT_DIR (only those)."
    )


class ImportCntkSettings(Settings):
    """What ``landcover import-cntk`` was asked to do."""

    COMMAND = "import-cntk"

    source: Path = argument(help="A CNTK v2 .model file of the 2018 tutorial.", metavar="MODEL")
    destination: Path = argument(help="The checkpoint (.pt) to write.", metavar="CHECKPOINT")
    force: bool = option(
        "--force", default=False, help="Replace a checkpoint an earlier import-cntk wrote (never another file)."
    )
