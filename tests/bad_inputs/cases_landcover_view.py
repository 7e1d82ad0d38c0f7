"""Bad input to ``landcover view`` (issue 27): each a one-line error naming the path or option, exit 2."""

from __future__ import annotations

import socket

from tests.bad_inputs.case import BadInput
from tests.bad_inputs.cases_landcover_inputs import DEAD_URL
from tests.bad_inputs.landcover_setups import scene
from tests.bad_inputs.setups import file, folder


def _held_port() -> int:
    """A port on 127.0.0.1 that a listening socket holds for the whole session."""
    held = socket.create_server(("127.0.0.1", 0))
    _HELD.append(held)
    return int(held.getsockname()[1])


_HELD: list[socket.socket] = []
PORT_IN_USE = _held_port()

CASES: list[BadInput] = [
    BadInput(
        id="landcover-view-not-a-raster",
        cli="landcover",
        argv=("view", "{ws}/notes.txt", "--no-browser"),
        message=("notes.txt: not a raster GDAL can read", "give a GeoTIFF, VRT or folder"),
        setup=(file("notes.txt", "not a raster\n"),),
    ),
    BadInput(
        id="landcover-view-missing-path",
        cli="landcover",
        argv=("view", "{ws}/nowhere", "--no-browser"),
        message="nowhere: no such file or folder",
    ),
    BadInput(
        id="landcover-view-folder-without-results",
        cli="landcover",
        argv=("view", "{ws}/out", "--no-browser"),
        message=("out: no results (no pred_labels.tif or *_landcover.tif)", "landcover evaluate or predict"),
        setup=(folder("out"), file("out/notes.txt", "x")),
    ),
    BadInput(
        id="landcover-view-neither-map-nor-imagery",
        cli="landcover",
        argv=("view", "{ws}/scene.tif", "--no-browser"),
        message="scene.tif: 2 bands of float32, neither a class map nor 8-bit imagery",
        setup=(scene("scene.tif", bands=2, dtype="float32"),),
    ),
    BadInput(
        id="landcover-view-port-in-use",
        cli="landcover",
        argv=("view", "{ws}/scene_NAIP.tif", "--no-browser", "--port", str(PORT_IN_USE)),
        message=(f"--port {PORT_IN_USE}: in use on 127.0.0.1", "leave --port out"),
        setup=(scene(),),
    ),
    BadInput(
        id="landcover-view-host-not-here",
        cli="landcover",
        argv=("view", "{ws}/scene_NAIP.tif", "--no-browser", "--host", "192.0.2.1"),
        message="--host 192.0.2.1: cannot listen there",
        setup=(scene(),),
    ),
    BadInput(
        id="landcover-view-remote-url-does-not-answer",
        cli="landcover",
        argv=("view", f"{DEAD_URL}/scene.tif", "--no-browser"),
        message=(f"{DEAD_URL}/scene.tif: cannot be read", "check the URL and the network"),
    ),
    BadInput(
        id="landcover-view-basemap-unknown",
        cli="landcover",
        argv=("view", "{ws}/scene_NAIP.tif", "--basemap", "google"),
        message=("--basemap 'google' is not known", "use none or osm"),
        setup=(scene(),),
    ),
]
