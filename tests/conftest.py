"""Shared test helpers: the ../shared reference material (skipped cleanly when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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
