"""Shared test helpers: the ../shared reference material (skipped cleanly when absent), CUDA tests' skipping."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"]
"""Debian's chromium, WebGL through SwiftShader (no GPU here)."""
pytest_plugins = ("tests.services",)  # servers the session starts (Slurm, ...) and stops when it ends
SHARED = Path(os.environ.get("LANDCOVER_SHARED", ROOT.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the calling test when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is only beside a development checkout)")
    return path


@pytest.fixture
def tutorial_model_250() -> Path:
    return shared_path("models", "seed", "250epochs.model")


@pytest.fixture
def tutorial_model_1() -> Path:
    return shared_path("models", "seed", "1epoch.model")


@pytest.fixture
def chesapeake_dir() -> Path:
    return shared_path("data", "real", "chesapeake-wv-2014")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``cuda``-marked tests, with the reason, where torch sees no CUDA device."""
    cuda_items = [item for item in items if item.get_closest_marker("cuda")]
    if not cuda_items:
        return
    import torch

    if torch.cuda.is_available():
        return
    reason = (
        f"no CUDA device: torch {torch.__version__} (CUDA build {torch.version.cuda or 'none'}) reports "
        "torch.cuda.is_available() False; scripts/gpu_check.sh runs these on a GPU machine"
    )
    for item in cuda_items:
        item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's headless chromium through Playwright, one for the whole session.

    Playwright's sync API runs one event loop per thread: a second ``sync_playwright()`` while the first still
    runs fails, so every browser test (the viewer's, the docs site's) shares this one.
    """
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
