"""``PairsSettings``: every option of ``landcover pairs``, typed and validated in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from landcover.data.catalog.area import bounds, read_area
from landcover.io.errors import LandcoverError

FLAGS = {
    "stac_api": "--stac-api",
    "image_collection": "--image-collection",
    "label_collection": "--label-collection",
    "images": "--images",
    "labels": "--labels",
    "bbox": "--bbox",
    "geojson": "--geojson",
    "ids": "--ids",
    "datetime": "--datetime",
    "label_datetime": "--label-datetime",
    "output_dir": "--output-dir",
    "tile_size": "--tile-size",
    "class_table": "--class-table",
    "image_asset": "--image-asset",
    "label_asset": "--label-asset",
    "sign": "--sign",
    "max_items": "--max-items",
    "retries": "--retries",
    "timeout_s": "--timeout",
}
"""The command-line flag of each field, for error messages."""


class PairsSettings(BaseModel):
    """Options of ``landcover pairs``: a catalogue search (``stac_api``) or rasters (``images`` + ``labels``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stac_api: str | None = Field(None, description="STAC API root URL.")
    image_collection: str = Field("naip", description="Collection of the 4-band images.")
    label_collection: str | None = Field(None, description="Collection of the labels.")
    images: list[str] = Field(default_factory=list, description="Image paths, URLs or STAC items (no catalogue).")
    labels: list[str] = Field(default_factory=list, description="Label raster paths or URLs.")
    bbox: tuple[float, float, float, float] | None = Field(None, description="Area W,S,E,N in degrees.")
    geojson: Path | None = Field(None, description="Area as a GeoJSON file (geometry, feature or collection).")
    ids: list[str] = Field(default_factory=list, description="Image item ids.")
    datetime: str | None = Field(None, description="Image dates (RFC 3339 instant or range, e.g. 2014/2014).")
    label_datetime: str | None = Field(None, description="Label dates.")
    output_dir: Path = Field(description="Where the pairs go.")
    tile_size: int | None = Field(None, ge=64, description="Cut pairs into tiles of this many pixels.")
    class_table: str | None = Field(None, description="A shipped table's name or a JSON table file.")
    image_asset: str | None = Field(None, description="Image asset key (default: the GeoTIFF data asset).")
    label_asset: str | None = Field(None, description="Label asset key (default: the GeoTIFF data asset).")
    sign: Literal["auto", "planetary-computer", "none"] = Field("auto", description="Sign asset URLs.")
    max_items: int | None = Field(None, ge=1, description="At most this many image items.")
    retries: int = Field(3, ge=0, le=20, description="Retries of transient HTTP errors.")
    timeout_s: float = Field(30.0, gt=0, description="HTTP timeout in seconds.")
    force: bool = Field(False, description="Start over: remove the pairs an earlier run wrote (only those).")

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
        if self.stac_api is not None:
            if self.images:
                raise ValueError("--images is for rasters without a catalogue; drop it or --stac-api")
            if not self.label_collection and not self.labels:
                raise ValueError("--stac-api needs --label-collection (or a label raster with --labels)")
            if self.bbox is None and self.geojson is None and not self.ids:
                raise ValueError("--stac-api needs an area: --bbox, --geojson or --ids")
        else:
            if not self.images or not self.labels:
                raise ValueError("give --stac-api URL (a catalogue search) or both --images and --labels")
            if self.label_collection or self.ids:
                raise ValueError("--label-collection and --ids need --stac-api")
        return self

    def area_geometry(self) -> dict[str, Any] | None:
        """The ``--geojson`` area as one GeoJSON geometry (a collection's features become a GeometryCollection)."""
        return None if self.geojson is None else read_area(self.geojson)

    def area_bbox(self) -> tuple[float, float, float, float] | None:
        """The area's bounds in degrees (``--bbox``, or the bounds of ``--geojson``), or None for whole images."""
        if self.bbox is not None:
            return self.bbox
        geometry = self.area_geometry()
        return None if geometry is None or self.geojson is None else bounds(self.geojson, geometry)


def settings_from_options(**options: Any) -> PairsSettings:
    """Validate command-line options into settings.

    Raises:
        LandcoverError: The first invalid option, named by its flag.
    """
    try:
        return PairsSettings(**options)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        where = f"{FLAGS[field]} {options.get(field)}: " if field in FLAGS else ""
        raise LandcoverError(f"{where}{message}", "see landcover pairs --help") from exc
