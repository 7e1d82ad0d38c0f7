"""Where a scene comes from: a local GeoTIFF, an ``https://`` URL (GDAL ``/vsicurl/``) or a STAC item.

A URL is read through GDAL's ``/vsicurl/`` with HTTP range requests, so a region costs only the tiles it
covers (plus the header), never the whole file. A STAC item (a local JSON file or a URL) names its scene
in an asset; the asset is chosen by media type (GeoTIFF) and role (``data`` before ``visual``), or named
with ``--asset``. Every failure is a one-line :class:`LandcoverError` naming the input.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

import rasterio
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

from landcover.data.pairs import check_image, open_raster
from landcover.io.errors import LandcoverError

REMOTE_SCHEMES = ("http://", "https://")
STAC_SUFFIXES = (".json", ".geojson")
GEOTIFF_TYPES = ("image/tiff", "image/geotiff", "application/geotiff")
GEOTIFF_SUFFIXES = (".tif", ".tiff")
ROLE_PREFERENCE = ("data", "visual")

GDAL_REMOTE_OPTIONS: dict[str, Any] = {
    # Never list the remote "directory" or probe for sidecar files (.aux.xml, .ovr, .msk): one HEAD/GET each.
    # (This is also why there is no CPL_VSIL_CURL_ALLOWED_EXTENSIONS allow-list: EMPTY_DIR already stops the
    # probes, and an allow-list would refuse signed or extension-less URLs such as blob SAS links.)
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    # Transient server trouble (429, 5xx) is retried with back-off; a server that stops answering times out.
    "GDAL_HTTP_MAX_RETRY": 4,
    "GDAL_HTTP_RETRY_DELAY": 1,
    "GDAL_HTTP_CONNECTTIMEOUT": 20,
    "GDAL_HTTP_TIMEOUT": 120,
    # Adjacent tiles are fetched with one request; the header and tiles already read are cached.
    "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": "YES",
    "VSI_CACHE": "TRUE",
}


@dataclass(frozen=True)
class SceneSource:
    """One scene to read.

    Attributes:
        name: Short name for messages (the file's name, or the STAC item's id).
        stem: Name for outputs (the file's stem, or the STAC item's id).
        location: What the user gave (path, URL, or STAC item and asset), for messages.
        href: The raster itself: a local path or an ``http(s)://`` URL ("" when ``error`` is set).
        error: Why this scene cannot be read, when that is known before opening it.
    """

    name: str
    stem: str
    location: str
    href: str
    error: str | None = None

    @property
    def remote(self) -> bool:
        """Whether the raster is read over HTTP."""
        return is_url(self.href)

    @property
    def local_path(self) -> Path | None:
        """The raster's local path, or None for a URL."""
        return None if self.remote else Path(self.href)


def is_url(text: str) -> bool:
    """Whether ``text`` is an ``http://`` or ``https://`` address."""
    return text.lower().startswith(REMOTE_SCHEMES)


def _url_path(text: str) -> str:
    return urlsplit(text).path if is_url(text) else text


def is_stac(text: str) -> bool:
    """Whether ``text`` names a STAC JSON document (by its suffix, ignoring any query string)."""
    return _url_path(text).lower().endswith(STAC_SUFFIXES)


def stem(text: str) -> str:
    """The file stem of a path or URL (``.../m_3807537_ne.tif?sig=...`` -> ``m_3807537_ne``)."""
    return PurePosixPath(_url_path(text)).stem or "scene"


def read_stac_json(location: str) -> dict[str, Any]:
    """Read a STAC JSON document from a local file or a URL (through pystac's I/O).

    Raises:
        LandcoverError: Missing, unreachable or not JSON.
    """
    import pystac

    if not is_url(location) and not Path(location).is_file():
        raise LandcoverError(f"{location}: no such file", "check the path of the STAC item")
    try:
        data = pystac.StacIO.default().read_json(location)
    except Exception as exc:  # pystac wraps urllib's errors in a bare Exception
        cause = exc if isinstance(exc, (URLError, ValueError)) else exc.__cause__
        if isinstance(cause, HTTPError):
            raise LandcoverError(f"{location}: HTTP {cause.code} {cause.reason}", "check the URL") from exc
        if isinstance(cause, URLError):
            raise LandcoverError(f"{location}: unreachable ({cause.reason})", "check the address and network") from exc
        if isinstance(cause, (json.JSONDecodeError, UnicodeDecodeError)):
            raise LandcoverError(f"{location}: not a STAC JSON document ({cause})", "give a STAC item") from exc
        # pystac reads URLs through urllib3 where it is installed: its errors (refused, timed out, too many
        # redirects, HTTP errors) come wrapped or bare; the innermost one names what went wrong.
        innermost: BaseException = exc
        while innermost.__cause__ is not None or innermost.__context__ is not None:
            innermost = innermost.__cause__ or innermost.__context__  # type: ignore[assignment]
        reason = (str(innermost).splitlines() or [type(innermost).__name__])[0]
        reason = reason.split(": ", 1)[-1][:160] if "Failed to establish" in reason else reason[:160]
        hint = "check the address and network" if is_url(location) else "check the file"
        raise LandcoverError(f"{location}: cannot be read ({reason})", hint) from exc
    if not isinstance(data, dict):
        raise LandcoverError(f"{location}: not a STAC JSON document", "give a STAC item")
    return data


def _is_geotiff(asset: Any) -> bool:
    media = (asset.media_type or "").lower()
    if media:
        return media.split(";")[0].strip() in GEOTIFF_TYPES or "geotiff" in media
    return _url_path(asset.href).lower().endswith(GEOTIFF_SUFFIXES)


def choose_asset(item: Any, key: str | None, location: str) -> str:
    """The key of the item's image asset: ``key`` if given, else the best GeoTIFF by role.

    Raises:
        LandcoverError: ``key`` is not an asset, or no asset is a GeoTIFF.
    """
    keys = ", ".join(item.assets) or "none"
    if key is not None:
        if key not in item.assets:
            raise LandcoverError(f"{location}: the STAC item has no asset {key!r} (assets: {keys})", "check --asset")
        return key
    images = [name for name, asset in item.assets.items() if _is_geotiff(asset)]
    if not images:
        raise LandcoverError(
            f"{location}: the STAC item has no GeoTIFF image asset (assets: {keys})",
            "name the image with --asset KEY",
        )

    def rank(name: str) -> int:
        roles = item.assets[name].roles or []
        return min((ROLE_PREFERENCE.index(r) for r in roles if r in ROLE_PREFERENCE), default=len(ROLE_PREFERENCE))

    return min(images, key=rank)


def item_source(item: Any, location: str, asset: str | None) -> SceneSource:
    """The scene of a pystac Item: its chosen asset's absolute href, named after the item.

    Raises:
        LandcoverError: No usable asset.
    """
    key = choose_asset(item, asset, location)
    href = item.assets[key].get_absolute_href() or item.assets[key].href
    return SceneSource(name=item.id, stem=item.id, location=f"{location} (asset {key})", href=href)


def stac_item_source(location: str, asset: str | None) -> SceneSource:
    """The scene named by a STAC item (local JSON file or URL).

    Raises:
        LandcoverError: Unreadable, not an item, or without an image asset.
    """
    import pystac

    data = read_stac_json(location)
    if data.get("type") != "Feature":
        kind = data.get("type", "no 'type'")
        raise LandcoverError(
            f"{location}: a STAC {kind}, not an item", "give one item (landcover predict --scenes takes collections)"
        )
    try:
        item = pystac.Item.from_dict(data, href=location if is_url(location) else str(Path(location).resolve()))
    except (KeyError, ValueError, TypeError) as exc:
        raise LandcoverError(f"{location}: not a valid STAC item ({exc})", "check the item's JSON") from exc
    return item_source(item, location, asset)


def resolve_source(text: str | Path, asset: str | None = None) -> SceneSource:
    """What ``--input-filename`` (or a line of a scene list) names: a GeoTIFF path or URL, or a STAC item.

    Raises:
        LandcoverError: A STAC item that cannot be read or has no image asset.
    """
    text = str(text)
    if is_stac(text):
        return stac_item_source(text, asset)
    if asset is not None:
        raise LandcoverError(f"--asset {asset}: {text} is not a STAC item", "use --asset only with STAC items")
    return SceneSource(name=PurePosixPath(_url_path(text)).name, stem=stem(text), location=text, href=text)


def _remote_reason(exc: RasterioIOError) -> tuple[str, str]:
    """A short reason and a fix for a failed ``/vsicurl/`` open."""
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "HTTP response code" in message:
        code = message.rsplit(":", 1)[-1].strip()
        return f"HTTP {code}", "check the URL (and any signature or token in it)"
    if "CURL error" in message:
        return f"unreachable ({message.split(':', 1)[1].strip()[:120]})", "check the address and network"
    if "not recognized as" in message:
        return "not a readable GeoTIFF", "the URL must point at the GeoTIFF itself"
    return message[:160], "check the URL"


def _open_remote(source: SceneSource) -> rasterio.DatasetReader:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            return rasterio.open(f"/vsicurl/{source.href}")
    except RasterioIOError as exc:
        reason, hint = _remote_reason(exc)
        where = source.location if source.location == source.href else f"{source.location}: {source.href}"
        raise LandcoverError(f"{where}: {reason}", hint) from exc


@contextlib.contextmanager
def open_scene(source: SceneSource) -> Iterator[rasterio.DatasetReader]:
    """Open a scene (local or remote) and check it is 4-band 8-bit imagery.

    Remote reads happen inside a GDAL environment tuned for HTTP (see ``GDAL_REMOTE_OPTIONS``), which
    stays active while the block runs, so reads made through the yielded dataset use it too.

    Raises:
        LandcoverError: Missing, unreachable, not a GeoTIFF, or not 4-band uint8.
    """
    if source.error is not None:
        raise LandcoverError(f"{source.location}: {source.error}")
    with rasterio.Env(**(GDAL_REMOTE_OPTIONS if source.remote else {})):
        scene = _open_remote(source) if source.remote else open_raster(Path(source.href))
        with scene:
            check_image(scene, source.href if source.remote else Path(source.href))
            yield scene
