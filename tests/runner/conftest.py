"""Fixtures the runner's tests share: a local root as ``runner local setup`` writes it, a mount root to predict."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data.fixtures import write_pair
from tests.data.models import fresh_checkpoint
from tests.helpers import runner


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """A local root from ``runner local setup`` (no models), one per test module.

    A module whose jobs need a service first (an engine, a cluster) overrides it, asking for both.
    """
    root = tmp_path_factory.mktemp("runner-root")
    result = runner("local", "setup", "--root", str(root), "--models-from", str(root / "no-models"))
    assert result.returncode == 0, result.stderr
    return root


def predict_root(root: Path) -> Path:
    """A small mount root for ``jobs/predict_job.json``: two scenes and a model, as training would leave them.

    Returns:
        The blobfuse folder (scenes in ``evaluation_data/``, the model in ``models/trained.pt``).
    """
    blob = root / "mounts" / "blobfuse"
    (root / "mounts" / "afs").mkdir(parents=True)
    write_pair(blob / "evaluation_data", "E1", size=(256, 320), seed=1)
    write_pair(blob / "evaluation_data", "E2", size=(192, 192), seed=2, origin=(723_000.0, 4_105_000.0))
    fresh_checkpoint(blob / "models" / "trained.pt")
    return blob
