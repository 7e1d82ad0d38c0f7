"""The scenes ``landcover predict --scenes SRC`` names: a folder, a list file, a STAC ItemCollection, or one scene.

- a folder: every ``*.tif`` / ``*.tiff`` in it (not its subfolders), except ``*_LandCover.tif`` label rasters;
- a STAC ItemCollection (``.json`` / ``.geojson``, a local file or URL): each item's image asset (a single
  STAC item is one scene);
- any other file: a list, one scene per line (a path, an ``https://`` URL or a STAC item); blank lines and
  lines starting with ``#`` are skipped, relative paths are relative to the list file;
- a single ``.tif`` file or URL: that scene.

A scene whose STAC item has no usable asset is kept with its error, so it is reported with the others
instead of stopping the run.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from landcover.data.pairs import LABEL_SUFFIX
from landcover.data.sources import (
    GEOTIFF_SUFFIXES,
    SceneSource,
    is_stac,
    is_url,
    item_source,
    read_stac_json,
    resolve_source,
)
from landcover.io.errors import LandcoverError


def _failed(text: str, error: LandcoverError) -> SceneSource:
    """A scene that cannot be read, carrying why (the error's message without the location prefix)."""
    reason = error.message.removeprefix(f"{text}: ")
    return SceneSource(name=text, stem="", location=text, href="", error=reason)


def _one(text: str, asset: str | None) -> SceneSource:
    try:
        return resolve_source(text, asset)
    except LandcoverError as error:
        return _failed(text, error)


def _from_folder(folder: Path) -> list[SceneSource]:
    """The folder's GeoTIFFs; a link whose target is gone is a failed scene (recorded), not silently skipped."""
    files = sorted(
        path
        for path in folder.iterdir()
        if (path.is_file() or path.is_symlink())
        and path.suffix.lower() in GEOTIFF_SUFFIXES
        and not path.name.endswith(LABEL_SUFFIX)
    )
    if not files:
        raise LandcoverError(f"--scenes {folder}: no GeoTIFFs (*.tif) in the folder", "point --scenes at the imagery")
    return [_dangling(path) if not path.exists() else resolve_source(path.resolve()) for path in files]


def _dangling(path: Path) -> SceneSource:
    error = LandcoverError(f"{path}: a link to {path.readlink()}, which does not exist", "fix or remove the link")
    return _failed(str(path), error)


def _from_stac(location: str, asset: str | None) -> list[SceneSource]:
    import pystac

    data = read_stac_json(location)
    if data.get("type") == "Feature":
        return [_one(location, asset)]
    if data.get("type") != "FeatureCollection":
        raise LandcoverError(
            f"--scenes {location}: a STAC {data.get('type', 'document')}, not an ItemCollection or item",
            "give an ItemCollection (e.g. a STAC API search result saved as JSON)",
        )
    root = location if is_url(location) else str(Path(location).resolve())
    scenes = []
    for index, feature in enumerate(data.get("features", [])):
        where = f"{location} item {feature.get('id', index)}"
        try:
            item = pystac.Item.from_dict(feature, href=root)
            scenes.append(item_source(item, where, asset))
        except LandcoverError as error:
            scenes.append(_failed(where, error))
        except (KeyError, ValueError, TypeError) as exc:
            scenes.append(SceneSource(name=where, stem="", location=where, href="", error=f"not a STAC item ({exc})"))
    return scenes


def _from_list(path: Path, asset: str | None) -> list[SceneSource]:
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LandcoverError(
            f"--scenes {path}: not a readable list of scenes ({exc})", "one path or URL a line"
        ) from exc
    scenes = []
    for line in (raw.strip() for raw in lines):
        if not line or line.startswith("#"):
            continue
        text = line if is_url(line) else str((path.parent / line).resolve())
        scenes.append(_one(text, asset))
    if not scenes:
        raise LandcoverError(f"--scenes {path}: the list names no scenes", "one path or URL a line")
    return scenes


def _check_unique(scenes: list[SceneSource]) -> None:
    counts = Counter(scene.stem for scene in scenes if scene.error is None)
    clashes = sorted(stem for stem, count in counts.items() if count > 1)
    if clashes:
        raise LandcoverError(
            f"--scenes: several scenes are named {', '.join(clashes)}, so their maps would overwrite each other",
            "give scenes with distinct file names (or STAC item ids)",
        )


def list_scenes(src: str, asset: str | None = None) -> list[SceneSource]:
    """Every scene ``--scenes SRC`` names, in order.

    Raises:
        LandcoverError: SRC is missing, empty or unreadable, or two scenes share a name.
    """
    if is_stac(src):
        scenes = _from_stac(src if is_url(src) else str(Path(src)), asset)
    elif is_url(src) or src.lower().endswith(GEOTIFF_SUFFIXES):
        scenes = [_one(src if is_url(src) else str(Path(src).resolve()), asset)]
    elif Path(src).is_dir():
        scenes = _from_folder(Path(src))
    elif Path(src).is_file():
        scenes = _from_list(Path(src), asset)
    else:
        raise LandcoverError(f"--scenes {src}: no such file or folder", "give a folder, a list file or a STAC JSON")
    _check_unique(scenes)
    return scenes
