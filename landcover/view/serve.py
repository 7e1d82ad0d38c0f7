"""``landcover view``: build the catalog, bind the port, print the URL, open a browser, serve until Ctrl+C."""

from __future__ import annotations

import secrets
import socket
import threading
import time
import webbrowser
from typing import Any

from landcover.io.console import emit
from landcover.io.errors import LandcoverError
from landcover.settings.view import LOOPBACK, ViewSettings
from landcover.view.app import create_app
from landcover.view.catalog import build_catalog


def bind(host: str, port: int | None) -> socket.socket:
    """A listening socket on ``host`` (``port``, or a free one).

    Raises:
        LandcoverError: The port is in use, or the address is not this machine's.
    """
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return socket.create_server((host, port or 0), family=family)
    except OSError as exc:
        if port is not None and exc.errno in (98, 48):  # EADDRINUSE (Linux, macOS)
            raise LandcoverError(
                f"--port {port}: in use on {host}", "choose another port, or leave --port out"
            ) from exc
        raise LandcoverError(f"--host {host}: cannot listen there ({exc.strerror})", "use 127.0.0.1") from exc


def url_of(host: str, port: int, token: str | None) -> str:
    """The address to open (with the token when there is one)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def _announce_when_serving(server: Any, line: str, browse: str | None) -> None:
    """Print the URL (and open a browser) once uvicorn serves, with its Ctrl+C handler in place.

    Printed earlier, a Ctrl+C right after the line could land before uvicorn takes the signal over.
    """
    while not server.started:
        if server.should_exit:
            return
        time.sleep(0.02)
    emit(line)
    if browse:
        webbrowser.open(browse)


def view(settings: ViewSettings) -> None:
    """Serve the map of ``settings.paths`` until interrupted.

    Raises:
        LandcoverError: A path that cannot be shown, or a port or address that cannot be used.
    """
    import uvicorn

    catalog = build_catalog(settings.paths)
    server_socket = bind(settings.host, settings.port)
    token = None if settings.host == LOOPBACK else secrets.token_urlsafe(18)
    app = create_app(catalog, token=token, basemap=settings.basemap.value)
    url = url_of(settings.host, server_socket.getsockname()[1], token)
    layers = ", ".join(layer.id for layer in catalog.layers)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
    announce = threading.Thread(
        target=_announce_when_serving,
        args=(server, f"landcover view: {url} ({layers}); Ctrl+C stops", None if settings.no_browser else url),
        daemon=True,
    )
    announce.start()
    try:
        server.run(sockets=[server_socket])
    except KeyboardInterrupt:
        pass  # uvicorn shut down on Ctrl+C, then handed the signal on
    finally:
        server_socket.close()
    emit("landcover view: stopped")
