"""Label class tables: how a label product's values become the tutorial's classes (0 unknown .. 4 barren).

A table comes, in this order, from ``--class-table`` (a shipped table's name or a JSON file), from the table
shipped for the label collection (``chesapeake-lc-7``, ``chesapeake-lc-13``), from the STAC classification
extension on the label asset (class descriptions matched to the tutorial's classes by keyword), or, with none
of these, the values are taken as the tutorial's own codes (4 and above lumped into 4, as ``landcover train``
does). Values a table does not list, and the label's nodata value, become 0 (unknown, not trained on).
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from landcover.constants import CLASS_NAMES
from landcover.data.pairs import label_classes
from landcover.io.errors import LandcoverError

TABLES_PACKAGE = "landcover.data.catalog"
LAST_CLASS = len(CLASS_NAMES) - 1

KEYWORDS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (0, re.compile(r"no ?data|unknown|unclassified|not mapped|background|cloud|proving ground", re.I)),
    (1, re.compile(r"water|river|lake|pond|ocean", re.I)),
    (4, re.compile(r"imperv|road|structure|building|built|developed|urban|barren|bare|rock|sand|paved", re.I)),
    (2, re.compile(r"tree|forest|canopy|shrub|scrub|woody", re.I)),
    (3, re.compile(r"herbaceous|grass|low veg|wetland|crop|pasture|hay|meadow|lawn|cultivated", re.I)),
)
"""Class-description keywords, tried in order after "tree"/"canopy" (see :func:`keyword_class`)."""


class ClassEntry(BaseModel):
    """One source value of a table."""

    to: int = Field(ge=0, le=LAST_CLASS)
    source: str = ""


class ClassTable(BaseModel):
    """A mapping from a label product's values to the tutorial's classes.

    Attributes:
        name: The table's name (a shipped table's name, a file's path, or where it was derived from).
        description: What the table maps.
        nodata: The product's nodata value (becomes 0), if any.
        classes: Source value -> tutorial class; absent values become 0. Empty: values are the tutorial's
            codes, 4 and above lumped into 4.
    """

    name: str
    description: str = ""
    nodata: int | None = None
    classes: dict[int, ClassEntry] = Field(default_factory=dict)

    def lookup(self) -> np.ndarray:
        """A 65536-entry array mapping every uint8/uint16 source value to its tutorial class."""
        if self.classes:
            table = np.zeros(65536, dtype=np.uint8)
            for value, entry in self.classes.items():
                if 0 <= value < table.size:
                    table[value] = entry.to
        else:
            table = np.minimum(np.arange(65536), LAST_CLASS).astype(np.uint8)
        if self.nodata is not None and 0 <= self.nodata < table.size:
            table[self.nodata] = 0
        return table

    def apply(self, values: np.ndarray, where: str = "") -> np.ndarray:
        """Map an integer label array to the tutorial's classes (uint8); ``where`` names the labels in errors."""
        if values.dtype.kind not in "ui":
            raise LandcoverError(f"{self.name}: label values of type {values.dtype}", "labels must be integers")
        if not self.classes:  # the tutorial's codes: 0-6 or the nodata value, anything else refused by name
            return label_classes(values, self.nodata, where or f"labels {self.name}")
        clipped = np.clip(values, 0, 65535).astype(np.int64)
        return self.lookup()[clipped]


def shipped_tables() -> list[str]:
    """The names of the tables shipped with the package."""
    folder = resources.files(TABLES_PACKAGE).joinpath("tables")
    return sorted(p.name[: -len(".json")] for p in folder.iterdir() if p.name.endswith(".json"))


def _parse(text: str, where: str) -> ClassTable:
    try:
        return ClassTable.model_validate(json.loads(text))
    except (json.JSONDecodeError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise LandcoverError(f"{where}: not a class table ({first})", "see docs/stac-pairs.md for the format") from exc


def load_table(name_or_path: str) -> ClassTable:
    """A shipped table by name, or a JSON table file.

    Raises:
        LandcoverError: Neither a shipped table nor a readable table file.
    """
    if name_or_path in shipped_tables():
        text = resources.files(TABLES_PACKAGE).joinpath("tables", f"{name_or_path}.json").read_text()
        return _parse(text, name_or_path)
    path = Path(name_or_path)
    if not path.is_file():
        raise LandcoverError(
            f"--class-table {name_or_path}: no such table or file",
            f"shipped tables: {', '.join(shipped_tables())}; or give a JSON table file",
        )
    return _parse(path.read_text(), str(path))


def keyword_class(description: str) -> int | None:
    """The tutorial class a class description names, or None when no keyword matches."""
    text = description.lower()
    if re.search(r"tree|canopy", text):  # "Tree Canopy over Impervious Roads" is trees seen from above
        return 2
    for code, pattern in KEYWORDS:
        if pattern.search(text):
            return code
    return None


def classification_classes(asset: Any) -> list[dict[str, Any]]:
    """The ``classification:classes`` of a STAC asset (on the asset, or on its first raster band)."""
    fields = asset.extra_fields if hasattr(asset, "extra_fields") else dict(asset)
    classes = fields.get("classification:classes")
    if classes is None:
        for band in fields.get("raster:bands") or []:
            if isinstance(band, dict) and band.get("classification:classes"):
                classes = band["classification:classes"]
                break
    return list(classes or [])


def asset_nodata(asset: Any) -> int | None:
    """The nodata value the STAC raster extension gives for an asset's first band, if any."""
    fields = asset.extra_fields if hasattr(asset, "extra_fields") else dict(asset)
    bands = fields.get("raster:bands") or []
    nodata = bands[0].get("nodata") if bands and isinstance(bands[0], dict) else None
    return int(nodata) if isinstance(nodata, (int, float)) and float(nodata).is_integer() else None


def table_from_classification(collection: str, asset: Any) -> ClassTable | None:
    """A table derived from the classification extension, or None when the asset has none.

    Raises:
        LandcoverError: A class whose description names none of the tutorial's classes (unknown scheme).
    """
    classes = classification_classes(asset)
    if not classes:
        return None
    entries: dict[int, ClassEntry] = {}
    unknown: list[str] = []
    for entry in classes:
        description = str(entry.get("description") or entry.get("name") or "")
        code = keyword_class(description)
        if code is None:
            unknown.append(f"{entry.get('value')}={description!r}")
        else:
            entries[int(entry["value"])] = ClassEntry(to=code, source=description)
    if unknown:
        raise LandcoverError(
            f"label collection {collection!r}: unknown class scheme ({', '.join(unknown[:4])} match no class of "
            f"{', '.join(CLASS_NAMES)})",
            "give --class-table FILE mapping its values (see docs/stac-pairs.md)",
        )
    return ClassTable(
        name=f"{collection} (classification extension)",
        description="derived from classification:classes",
        nodata=asset_nodata(asset),
        classes=entries,
    )


def resolve_table(explicit: str | None, collection: str | None, asset: Any | None) -> ClassTable:
    """The class table for a label source (see the module docstring for the order).

    Args:
        explicit: ``--class-table`` (a shipped name or a JSON file), if given.
        collection: The label collection's id (or a label file's name).
        asset: The label STAC asset (pystac Asset or its dict), if the labels come from a catalogue.

    Raises:
        LandcoverError: An unknown table name, a bad table file, or an unknown class scheme.
    """
    if explicit is not None:
        table = load_table(explicit)
    elif collection is not None and collection in shipped_tables():
        table = load_table(collection)
    else:
        derived = table_from_classification(collection or "labels", asset) if asset is not None else None
        table = derived or ClassTable(name="tutorial codes", description="values taken as the tutorial's codes")
    if table.nodata is None and asset is not None:
        table = table.model_copy(update={"nodata": asset_nodata(asset)})
    return table
