"""The web app: the page, its static files, ``/info``, ``/tiles/{layer}/{z}/{x}/{y}.png`` and ``/point``.

Nothing in a URL names a file: layers are looked up by id in the catalog made at start and static files
by name in a fixed table, so ``..``, absolute paths and encoded separators have nothing to reach (404).
With a token (``--host`` other than 127.0.0.1) every request must carry it, as ``?token=`` (the printed
URL) or the cookie the page sets from it.
"""

from __future__ import annotations

import secrets
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import PlainTextResponse

from landcover.constants import CLASS_COLOURS, CLASS_LABELS
from landcover.view.catalog import Catalog, Layer
from landcover.view.tiles import legend_ramp, point_value, render, tile_image

STATIC = {
    "maplibre-gl.js": "text/javascript",
    "maplibre-gl.css": "text/css",
    "LICENSE.txt": "text/plain",
    "view.js": "text/javascript",
    "view.css": "text/css",
}
"""The files the page may load, by name (the only files served besides tiles)."""
TOKEN_COOKIE = "landcover_view_token"


def not_found() -> Response:
    """The one answer to anything the app does not serve."""
    return PlainTextResponse("not found", status_code=404)


def _static(name: str) -> bytes:
    return files("landcover.view").joinpath("static", name).read_bytes()


class TokenCheck(BaseHTTPMiddleware):
    """Refuse (404, as for anything unknown) a request without the token; remember it in a cookie."""

    def __init__(self, app: Any, token: str) -> None:
        super().__init__(app)
        self.token = token

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        """Pass a request that carries the token; answer 404 to one that does not."""
        given = request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE) or ""
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            return not_found()
        response = await call_next(request)
        response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
        return response


def layer_info(layer: Layer) -> dict[str, Any]:
    """What the page needs of a layer: id, title, kind, extent, zooms, tile URL, legend."""
    west = min(r.bounds[0] for r in layer.rasters)
    south = min(r.bounds[1] for r in layer.rasters)
    east = max(r.bounds[2] for r in layer.rasters)
    north = max(r.bounds[3] for r in layer.rasters)
    info: dict[str, Any] = {
        "id": layer.id,
        "title": layer.title,
        "kind": layer.kind,
        "bounds": [west, south, east, north],
        "maxzoom": max(r.maxzoom for r in layer.rasters),
        "tiles": f"/tiles/{layer.id}/{{z}}/{{x}}/{{y}}.png",
        "rasters": len(layer.rasters),
    }
    if layer.kind == "classes":
        info["areas"] = [
            {"value": i + 1, "label": label, "km2": km2, "percent": percent}
            for i, (label, km2, percent) in enumerate(layer.areas)
        ]
    if layer.kind == "imagery":
        info["stretch"] = [list(s) for s in layer.stretch]
    return info


def info_document(catalog: Catalog, basemap: str) -> dict[str, Any]:
    """``/info``: extent, layers, class legend, metrics and the basemap asked for."""
    return {
        "title": catalog.title,
        "bounds": list(catalog.bounds()),
        "layers": [layer_info(layer) for layer in catalog.layers],
        "classes": [
            {"value": i, "label": label, "colour": "#{:02x}{:02x}{:02x}".format(*CLASS_COLOURS[i])}
            for i, label in enumerate(CLASS_LABELS)
            if i > 0
        ],
        "confidence_ramp": legend_ramp(),
        "metrics": catalog.metrics,
        "basemap": basemap,
    }


def create_app(catalog: Catalog, *, token: str | None = None, basemap: str = "none") -> FastAPI:
    """The app serving one catalog."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, redirect_slashes=False)
    if token is not None:
        app.add_middleware(TokenCheck, token=token)
    info = info_document(catalog, basemap)

    @app.exception_handler(RequestValidationError)
    async def unknown(request: Request, exc: RequestValidationError) -> Response:
        return not_found()  # a URL that does not parse names nothing either

    @app.get("/")
    def page() -> Response:
        return Response(_static("index.html"), media_type="text/html")

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC:
            return not_found()
        return Response(_static(name), media_type=STATIC[name], headers={"Cache-Control": "max-age=3600"})

    @app.get("/info")
    def info_route() -> JSONResponse:
        return JSONResponse(info)

    @app.get("/tiles/{layer_id}/{z}/{x}/{y}.png")
    def tile(layer_id: str, z: int, x: int, y: int) -> Response:
        layer = catalog.layer(layer_id)
        if layer is None or not (0 <= z <= 30 and 0 <= x < 2**z and 0 <= y < 2**z):
            return not_found()
        image = tile_image(layer, x, y, z)
        if image is None:
            return Response(status_code=204)
        return Response(render(layer, image), media_type="image/png")

    @app.get("/point")
    def point(lon: float, lat: float) -> JSONResponse:
        values = {layer.id: point_value(layer, lon, lat) for layer in catalog.layers if layer.kind != "disagreement"}
        return JSONResponse({"lon": lon, "lat": lat, "layers": values})

    return app
