"""Invariants of ``landcover train`` over generated pairs (band counts, dtypes, values, CRSs, damage).

A real training step on a pair every command takes exits 0 with a checkpoint that loads; anything else exits
2 with one line naming the file at fault; never a traceback; the pairs byte-identical.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from landcover.model.checkpoint import read_checkpoint
from tests.data.bad_rasters import RasterSpec, image_ok, labels_ok, raster_specs, write_raster
from tests.landcover.invariant import names_one_of, run

GRID = RasterSpec(width=136, height=136)
"""Just above the smallest training image (a 256-px crop's 128-px scored centre)."""


@pytest.fixture
def workspace() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="bad-train-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@st.composite
def pair_specs(draw: st.DrawFn) -> tuple[RasterSpec, RasterSpec]:
    return (
        draw(raster_specs(role="image", grid=GRID, damage_rate=0.3)),
        draw(raster_specs(role="labels", grid=GRID, damage_rate=0.3)),
    )


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pair=pair_specs())
@example(pair=(GRID, RasterSpec(width=136, height=136, bands=1, values=(0, 6), cut=0.6)))
def test_train_takes_good_pairs_and_names_the_bad_file(pair: tuple[RasterSpec, RasterSpec], workspace: Path) -> None:
    image, labels = pair
    shutil.rmtree(workspace, ignore_errors=True)
    image_path = write_raster(workspace / "pairs" / "p_NAIP.tif", image)
    label_path = write_raster(workspace / "pairs" / "p_LandCover.tif", labels)
    models = workspace / "models"
    argv = ["train", "--input-dir", str(workspace / "pairs"), "--model-dir", str(models), "--epochs", "1"]
    outcome = run([*argv, "--epoch-size", "2", "--batch-size", "2"], [workspace / "pairs"])
    faults = [p for p, ok in ((image_path, image_ok(image)), (label_path, labels_ok(labels))) if not ok]
    if outcome.code == 0:
        assert image_ok(image) or image.damaged, outcome.show()
        assert labels_ok(labels) or labels.damaged, outcome.show()
        assert read_checkpoint(models / "trained.pt")["format"]
    else:
        all_unknown = "every label is 0" in outcome.stderr
        assert faults or all_unknown, f"a proper pair was refused\n{outcome.show()}"
        assert all_unknown or names_one_of(outcome, faults), f"the error does not name {faults}\n{outcome.show()}"
