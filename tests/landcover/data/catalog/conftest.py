"""The STAC API (scripts/stac_server.sh, or the one STAC_API_URL names) loaded with the catalogue fixtures."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED
from tests.data.http_server import RangeServer, serve_directory
from tests.data.stac_fixtures import Fixture, build_fixture, publish_fixture
from tests.services import ScriptService, started_for_session

SERVER_SCRIPT = ROOT / "scripts" / "stac_server.sh"


@pytest.fixture(scope="session")
def stac_api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The STAC API's URL: STAC_API_URL when set (CI starts one), else one started for this session."""
    if os.environ.get("STAC_API_URL"):
        yield os.environ["STAC_API_URL"].rstrip("/")
        return
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("PostgreSQL not installed (scripts/stac_server.sh start installs it, or set STAC_API_URL)")
    state = tmp_path_factory.mktemp("stac-server")
    server = ScriptService(SERVER_SCRIPT, {"STAC_SERVER_DIR": str(state / "run")})
    started = started_for_session(request, server)  # a server of its own: stopped as the session ends
    if started.returncode != 0:
        # CI starts the API in .ci/run (where a failure stops the run); here a machine without it skips.
        pytest.skip(f"scripts/stac_server.sh start exited {started.returncode} (its messages are above)")
    yield next(line.split("=", 1)[1] for line in started.stdout.splitlines() if line.startswith("STAC_API_URL="))


@pytest.fixture(scope="session")
def assets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, RangeServer]]:
    """A range-request server for the fixture COGs (counting the bytes it sends)."""
    root = tmp_path_factory.mktemp("stac-assets")
    with serve_directory(root) as server:
        yield root, server


@pytest.fixture(scope="session")
def catalogue(stac_api: str, assets: tuple[Path, RangeServer]) -> Fixture:
    """The fixture collections and items, loaded into the STAC API through its transactions extension."""
    root, server = assets
    shared = SHARED if (SHARED / "data" / "real" / "m_3907833_nw_17_1").is_dir() else None
    fixture = build_fixture(root, server.url, shared)
    publish_fixture(stac_api, fixture)
    return fixture


@pytest.fixture
def fresh_dir(tmp_path: Path) -> Iterator[Path]:
    out = tmp_path / "pairs"
    yield out
    shutil.rmtree(out, ignore_errors=True)
