"""Settings of the commands that make, convert or gather files: sample-data, convert-patches, import-cntk, pairs."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import field_validator, model_validator

from landcover.choices import Choice
from landcover.io.errors import LandcoverError
from landcover.settings.fields import MAX_SEED, Settings, argument, option


def replace_option(command: str, what: str, where: str = "OUT_DIR") -> Any:
    """The ``--force`` of a command that writes files: replace only what an earlier run of it wrote."""
    return option(
        "--force", default=False, help=f"Replace the {what} an earlier {command} wrote in {where} (only those)."
    )


class SampleDataSettings(Settings):
    """What ``landcover sample-data`` was asked to do."""

    COMMAND = "sample-data"

    out_dir: Path = argument(help="Folder to receive training_data/ and evaluation_data/.", metavar="OUT_DIR")
    seed: int = option(
        default=0, help="Random seed; everything generated follows from it.", metavar="N", ge=0, le=MAX_SEED
    )
    force: bool = replace_option("sample-data", "files")


class ConvertPatchesSettings(Settings):
    """What ``landcover convert-patches`` was asked to do."""

    COMMAND = "convert-patches"

    npz_dir: Path = argument(help="Folder of Chesapeake .npz patches.", metavar="NPZ_DIR")
    out_dir: Path = argument(help="Folder to write the GeoTIFF pairs to.", metavar="OUT_DIR")
    force: bool = replace_option("convert-patches", "pairs")


class ImportCntkSettings(Settings):
    """What ``landcover import-cntk`` was asked to do."""

    COMMAND = "import-cntk"

    source: Path = argument(help="A CNTK v2 .model file of the 2018 tutorial.", metavar="MODEL")
    destination: Path = argument(help="The checkpoint (.pt) to write.", metavar="CHECKPOINT")
    force: bool = option(
        "--force", default=False, help="Replace a checkpoint an earlier import-cntk wrote (never another file)."
    )


PLANETARY_COMPUTER_HOSTS = ("planetarycomputer.microsoft.com",)
"""The hosts of Planetary Computer's STAC API, whose asset URLs need its short-lived signatures."""


class Signing(Choice):
    """Whether ``landcover pairs`` signs asset URLs (Planetary Computer's short-lived signatures)."""

    AUTO = "auto"
    """Sign when the STAC API is Planetary Computer's."""
    PLANETARY_COMPUTER = "planetary-computer"
    """Always sign (an API that serves Planetary Computer's assets)."""
    NONE = "none"
    """Never sign."""

    def signs(self, api_url: str) -> bool:
        """Whether asset URLs found through the STAC API at ``api_url`` get Planetary Computer signatures."""
        if self is Signing.AUTO:
            host = urlsplit(api_url).hostname or ""
            return any(host == h or host.endswith("." + h) for h in PLANETARY_COMPUTER_HOSTS)
        return self is Signing.PLANETARY_COMPUTER


class PairsSettings(Settings):
    """What ``landcover pairs`` was asked to do: a catalogue search (``stac_api``) or rasters (images and labels)."""

    COMMAND = "pairs"

    output_dir: Path = option("--output-dir", help="Where the pairs go.", metavar="DIR")
    stac_api: str | None = option(default=None, help="STAC API root URL.", metavar="URL")
    image_collection: str = option(default="naip", help="Collection of the 4-band images.", metavar="ID")
    label_collection: str | None = option(default=None, help="Collection of the labels.", metavar="ID")
    images: list[str] = option(
        "--images", default=[], help="Image path, URL or STAC item, without --stac-api (repeat).", metavar="IMG"
    )
    labels: list[str] = option("--labels", default=[], help="Label raster path or URL (repeat).", metavar="LBL")
    bbox: tuple[float, float, float, float] | None = option(
        default=None, help="Area as WEST,SOUTH,EAST,NORTH in degrees.", metavar="W,S,E,N"
    )
    geojson: Path | None = option(
        default=None, help="Area as a GeoJSON file (a geometry, feature or collection).", metavar="FILE"
    )
    ids: list[str] = option("--ids", default=[], help="Image item id, with --stac-api (repeat).", metavar="ID")
    datetime: str | None = option(
        default=None, help="Image dates, e.g. 2014 or 2014-01-01/2014-12-31.", metavar="DATES"
    )
    label_datetime: str | None = option(default=None, help="Label dates.", metavar="DATES")
    tile_size: int | None = option(
        default=None, help="Cut pairs into tiles of this many pixels a side.", metavar="PIXELS", ge=64
    )
    class_table: str | None = option(
        default=None, help="Class table: chesapeake-lc-7, chesapeake-lc-13 or a JSON file.", metavar="TABLE"
    )
    image_asset: str | None = option(
        default=None, help="Image asset key \\[default: the GeoTIFF data asset].", metavar="KEY"
    )
    label_asset: str | None = option(
        default=None, help="Label asset key \\[default: the GeoTIFF data asset].", metavar="KEY"
    )
    sign: Signing = option(
        default=Signing.AUTO,
        help=f"Sign asset URLs: {', '.join(Signing.names())} (auto: when the API is Planetary Computer's).",
        metavar="MODE",
    )
    max_items: int | None = option(default=None, help="At most this many image items.", metavar="N", ge=1)
    retries: int = option(default=3, help="Retries of transient HTTP errors (429, 5xx).", metavar="N", ge=0, le=20)
    timeout_s: float = option(
        "--timeout", default=30.0, help="HTTP timeout for the STAC API, in seconds.", metavar="SECONDS", gt=0
    )
    force: bool = option(
        "--force", default=False, help="Start over: remove the pairs an earlier run wrote (only those)."
    )

    @field_validator("bbox", mode="before")
    @classmethod
    def _parse_bbox(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p for p in value.replace(" ", "").split(",") if p]
            if len(parts) != 4:
                raise ValueError("expected W,S,E,N (four numbers, degrees)")
            return tuple(float(p) for p in parts)
        return value

    @field_validator("bbox")
    @classmethod
    def _check_bbox(cls, value: tuple[float, float, float, float] | None) -> tuple[float, float, float, float] | None:
        if value is not None:
            west, south, east, north = value
            if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
                raise ValueError("expected W,S,E,N in degrees with W < E and S < N")
        return value

    @model_validator(mode="after")
    def _one_mode(self) -> PairsSettings:
        problem = self._mode_problem()
        if problem:
            raise LandcoverError(problem, "see landcover pairs --help")
        return self

    def _mode_problem(self) -> str:
        if self.stac_api is not None:
            if self.images:
                return "--images is for rasters without a catalogue; drop it or --stac-api"
            if not self.label_collection and not self.labels:
                return "--stac-api needs --label-collection (or a label raster with --labels)"
            if self.bbox is None and self.geojson is None and not self.ids:
                return "--stac-api needs an area: --bbox, --geojson or --ids"
            return ""
        if not self.images or not self.labels:
            return "give --stac-api URL (a catalogue search) or both --images and --labels"
        if self.label_collection or self.ids:
            return "--label-collection and --ids need --stac-api"
        return ""
