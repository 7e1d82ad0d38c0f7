"""Shared test helpers: the ../shared reference material (skipped cleanly when absent), CUDA tests' skipping."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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
