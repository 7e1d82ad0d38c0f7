"""`landcover view`'s server, for real on 127.0.0.1: only the catalog can be read, tokens off loopback, Ctrl+C.

Nothing in a URL names a file (layers by id, static files by name), so no path, however encoded, reaches
one: checked over generated URL paths made of traversal pieces, absolute paths and encoded separators,
and with symlinks that lead out of the given folder.
"""

from __future__ import annotations

import http.client
import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.data.view_scenes import write_view_folder

SECRET = "landcover-view-secret-4e1f"


def get(base: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    """A raw GET: the path goes out byte for byte (no client-side normalisation of `..` or `%2F`)."""
    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for key, value in (headers or {}).items():
            connection.putheader(key, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def exposed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An evaluate folder whose imagery and metrics are symlinks out of it, to files holding a secret."""
    root = tmp_path_factory.mktemp("exposed")
    folder = write_view_folder(root / "out")
    outside = root / "outside"
    outside.mkdir()
    (outside / "metrics.json").write_text(json.dumps({"pixel_accuracy": 0.5, "note": SECRET}))
    (outside / "secret.txt").write_text(SECRET)
    shutil.move(folder / "NAIP.tif", outside / "NAIP.tif")
    (folder / "NAIP.tif").symlink_to(outside / "NAIP.tif")
    (folder / "metrics.json").unlink()
    (folder / "metrics.json").symlink_to(outside / "metrics.json")
    (folder / "notes.txt").symlink_to(outside / "secret.txt")
    return folder, outside


@pytest.fixture(scope="module")
def server(exposed):  # type: ignore[no-untyped-def]
    from tests.landcover.view.conftest import Viewer

    viewer = Viewer([str(exposed[0])])
    yield viewer
    viewer.stop()


def test_symlinks_out_of_the_folder_are_not_served(server, exposed) -> None:
    status, body, _ = get(server.base, "/info")
    info = json.loads(body)
    assert status == 200 and SECRET.encode() not in body
    assert {layer["id"] for layer in info["layers"]} == {"prediction", "truth", "disagreement", "confidence"}
    assert info["metrics"] is None
    assert get(server.base, "/tiles/true-colour/0/0/0.png")[0] == 404
    assert get(server.base, "/tiles/prediction/0/0/0.png")[0] in (200, 204)


NAMED = [
    "/static/../../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2F..%2Fview%2Fapp.py",
    "/static/..%5Capp.py",
    "//etc/passwd",
    "/static//etc/passwd",
    "/static/%2Fetc%2Fpasswd",
    "/tiles/..%2F..%2Fnotes.txt/0/0/0.png",
    "/tiles/prediction/%2e%2e/0/0.png",
    "/notes.txt",
    "/NAIP.tif",
    "/metrics.json",
]


@pytest.mark.parametrize("path", NAMED)
def test_traversal_absolute_and_encoded_paths_get_404(server, exposed, path) -> None:
    status, body, _ = get(server.base, path)
    assert status == 404 and SECRET.encode() not in body


def test_absolute_paths_of_the_files_get_404(server, exposed) -> None:
    folder, outside = exposed
    for target in (folder / "notes.txt", outside / "secret.txt", folder / "pred_labels.tif"):
        for prefix in ("", "/static", "/tiles"):
            status, body, _ = get(server.base, prefix + str(target))
            assert status == 404 and SECRET.encode() not in body


PIECES = [
    "..", ".", "%2e%2e", "%2E%2E", ".%2e", "%2F", "%2f", "%5C", "\\", "%00", "~", "", "etc", "passwd",
    "static", "tiles", "info", "point", "prediction", "truth", "confidence", "0", "1", "0.png", "view.js",
    "maplibre-gl.js", "NAIP.tif", "notes.txt", "metrics.json", "secret.txt", "outside", "out",
]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(st.sampled_from(PIECES), min_size=1, max_size=7))
def test_no_url_path_reaches_a_file_outside_the_catalog(server, exposed, pieces) -> None:
    path = "/" + "/".join(pieces)
    status, body, _ = get(server.base, path)
    assert SECRET.encode() not in body
    assert status in (200, 204, 404)
    if status != 404:  # only the page, its named static files, /info and tiles of catalog layers answer
        served = path in ("/", "/info") or path.startswith(("/static/", "/tiles/prediction/", "/tiles/truth/"))
        assert served or path.startswith(("/tiles/confidence/", "/tiles/disagreement/")), path
        assert ".." not in path and "%2" not in path.lower() and "%5c" not in path.lower(), path


def test_any_other_host_needs_the_printed_token(start_viewer, view_folders) -> None:
    viewer = start_viewer(str(view_folders["utm"]), "--host", "127.0.0.2")
    token = viewer.url.split("token=")[1]
    assert len(token) >= 20 and viewer.base.startswith("http://127.0.0.2:")
    assert get(viewer.base, "/")[0] == 404
    assert get(viewer.base, "/info?token=wrong")[0] == 404
    status, _, headers = get(viewer.base, f"/?token={token}")
    assert status == 200
    cookie = headers["set-cookie"].split(";")[0]
    assert get(viewer.base, "/tiles/prediction/0/0/0.png", {"Cookie": cookie})[0] in (200, 204)
    assert get(viewer.base, "/static/view.js", {"Cookie": "landcover_view_token=x"})[0] == 404


def test_ctrl_c_stops_cleanly(start_viewer, view_folders) -> None:
    viewer = start_viewer(str(view_folders["utm"]))
    assert viewer.url.startswith("http://127.0.0.1:") and "token" not in viewer.url
    assert get(viewer.base, "/info")[0] == 200
    code, out, err = viewer.stop()
    assert code == 0, err
    assert "stopped" in out and "Traceback" not in err


def test_a_given_port_is_used(start_viewer, view_folders) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    viewer = start_viewer(str(view_folders["utm"]), "--port", str(port))
    assert viewer.base == f"http://127.0.0.1:{port}"


def test_an_online_basemap_only_when_asked(start_viewer, view_folders) -> None:
    asked = start_viewer(str(view_folders["utm"]), "--basemap", "osm")
    assert json.loads(get(asked.base, "/info")[1])["basemap"] == "osm"
    page = get(asked.base, "/static/view.js")[1].decode()
    assert page.count("https://") == 1 and 'info.basemap === "osm"' in page  # the one other host, only then
