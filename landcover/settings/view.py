"""Settings of ``landcover view``: what to show, where to listen, whether to open a browser."""

from __future__ import annotations

from landcover.choices import Choice
from landcover.settings.fields import Settings, argument, option

LOOPBACK = "127.0.0.1"


class Basemap(Choice):
    """The map under the data (``--basemap``): none (works offline) or OpenStreetMap's tiles (online)."""

    none = "none"
    osm = "osm"


class ViewSettings(Settings):
    """What ``landcover view`` was asked to show and how."""

    COMMAND = "view"

    paths: list[str] = argument(
        help="evaluate or predict output folders, mosaics (.vrt), GeoTIFFs / COGs (paths or URLs) or STAC items.",
        metavar="PATH...",
    )
    port: int | None = option(default=None, ge=1, le=65535, help="Port \\[default: a free one].", metavar="PORT")
    host: str = option(
        default=LOOPBACK,
        help="Address to listen on; any other than 127.0.0.1 needs the printed token in the URL.",
        metavar="ADDRESS",
    )
    no_browser: bool = option("--no-browser", default=False, help="Print the URL only; do not open a browser.")
    basemap: Basemap = option(default=Basemap.none, help="A map under the data: osm needs the internet.")
