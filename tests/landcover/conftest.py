"""Fixtures of the ``landcover`` tests."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def workspace(request: pytest.FixtureRequest) -> Iterator[Path]:
    """A fresh folder for a property's generated inputs (Hypothesis reuses it across examples: clear it in each)."""
    folder = Path(tempfile.mkdtemp(prefix=f"{request.node.module.__name__.rsplit('.', 1)[-1]}-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
