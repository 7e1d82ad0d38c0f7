"""One scene's land-cover map: a colour-mapped COG of classes, and whether a finished one is already there.

The map is streamed block by block through the inference engine into :class:`StreamingRaster`, which
writes a hidden temporary file and renames the finished COG into place, so a map under its final name
is always complete. It carries tags naming its source and model; a rerun skips a scene only when its
map exists with the same tags (a map made from another model or scene is redone).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import rasterio
from rasterio.errors import RasterioError
from rasterio.windows import Window

from landcover.data.sources import SceneSource
from landcover.infer.categories import sidecar_names
from landcover.infer.confidence import confidence
from landcover.infer.engine import Engine
from landcover.infer.outputs import StreamingRaster

MAP_SUFFIX = "_landcover.tif"
CONFIDENCE_SUFFIX = "_landcover_confidence.tif"
TEMPORARY_PATTERNS = (f".*{MAP_SUFFIX[:-4]}*.part.tif", f".*{MAP_SUFFIX[:-4]}*.tmp")
"""Hidden files a killed run can leave behind (see StreamingRaster and atomic_path): maps, confidence, sidecars."""


def map_path(output_dir: Path, source: SceneSource) -> Path:
    """Where a scene's map goes: ``DIR/<scene stem>_landcover.tif``."""
    return output_dir / f"{source.stem}{MAP_SUFFIX}"


def confidence_path(map_file: Path) -> Path:
    """Where a scene's confidence map goes, beside its class map: ``<scene stem>_landcover_confidence.tif``."""
    return map_file.with_name(map_file.name.removesuffix(MAP_SUFFIX) + CONFIDENCE_SUFFIX)


def scene_files(map_file: Path) -> list[str]:
    """The names of every file a scene's map comes with: the map, its class names and style, its confidence."""
    return [map_file.name, *sidecar_names(map_file.name), confidence_path(map_file).name]


def model_digest(path: Path) -> str:
    """A short SHA-256 of the model file, to tell maps made by different models apart."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def map_tags(source: SceneSource, model: str, precision: str) -> dict[str, str]:
    """The tags a finished map carries: what it was made from and how.

    A URL's query string is left out: signed URLs (SAS tokens) change on every listing of the same scene.
    A local scene's size and modification time are part of them: a scene replaced under the same path no
    longer matches its map, which is then made again.
    """
    href = source.href.split("?", 1)[0] if source.remote else source.href
    tags = {"LANDCOVER_SOURCE": href, "LANDCOVER_MODEL": model, "LANDCOVER_PRECISION": precision}
    path = source.local_path
    if path is not None and path.is_file():
        info = path.stat()
        tags |= {"LANDCOVER_SOURCE_SIZE": str(info.st_size), "LANDCOVER_SOURCE_MTIME_NS": str(info.st_mtime_ns)}
    return tags


def finished_map(path: Path, tags: dict[str, str]) -> int | None:
    """The pixel count of a complete map made with these tags, or None (absent, unreadable, or made otherwise).

    The map must open, carry the tags and give its last block (a COG stores full resolution last, so a
    truncated file fails there).
    """
    if not path.is_file():
        return None
    try:
        with rasterio.open(path) as src:
            found = src.tags()
            if all(found.get(key) == value for key, value in tags.items()):
                src.read(1, window=Window(src.width - 1, src.height - 1, 1, 1))
                return int(src.width * src.height)
    except RasterioError:
        return None
    return None


def write_scene_map(engine: Engine, scene: rasterio.DatasetReader, path: Path, tags: dict[str, str]) -> int:
    """Predict the whole scene and write its map and confidence (with an engine giving probabilities) atomically.

    Returns:
        The number of pixels.
    """
    profile = {
        "width": scene.width,
        "height": scene.height,
        "crs": scene.crs,
        "transform": scene.transform,
        "count": 1,
        "dtype": "uint8",
        "nodata": 0,
    }
    writer = StreamingRaster(path, profile, colourmap=True)
    sure = StreamingRaster(confidence_path(path), profile, categorical=False)
    try:
        writer.dataset.update_tags(**tags)
        for block in engine.blocks(scene, Window(0, 0, scene.width, scene.height)):
            writer.write(block.classes, block.window)
            if block.probabilities is not None:
                sure.write(confidence(block.probabilities, block.classes, block.valid), block.window)
        sure.finish()  # before the map: a finished map (what a rerun skips) has its confidence beside it
        writer.finish()
    except BaseException:
        writer.abandon()
        sure.abandon()
        raise
    return int(scene.width * scene.height)
