"""Invariants of ``landcover train`` over generated pairs (band counts, dtypes, values, CRSs, damage).

A real training step on a pair every command takes exits 0 with a checkpoint that loads; anything else exits
2 with one line naming the file at fault; never a traceback; the pairs byte-identical.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings

from landcover.model.checkpoint import read_checkpoint
from tests.data.bad_rasters import RasterSpec, at_fault, image_ok, labels_ok, pair_specs, write_pair_specs
from tests.landcover.invariant import names_one_of, run

GRID = RasterSpec(width=136, height=136)
"""Just above the smallest training image (a 256-px crop's 128-px scored centre)."""


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pair=pair_specs(grid=GRID))
@example(pair=(GRID, RasterSpec(width=136, height=136, bands=1, values=(0, 6), cut=0.6)))
def test_train_takes_good_pairs_and_names_the_bad_file(pair: tuple[RasterSpec, RasterSpec], workspace: Path) -> None:
    image, labels = pair
    shutil.rmtree(workspace, ignore_errors=True)
    paths = write_pair_specs(workspace / "pairs", pair)
    models = workspace / "models"
    argv = ["train", "--input-dir", str(workspace / "pairs"), "--model-dir", str(models), "--epochs", "1"]
    outcome = run([*argv, "--epoch-size", "2", "--batch-size", "2"], [workspace / "pairs"])
    faults = at_fault(pair, paths)
    if outcome.code == 0:
        assert image_ok(image) or image.damaged, outcome.show()
        assert labels_ok(labels) or labels.damaged, outcome.show()
        assert read_checkpoint(models / "trained.pt")["format"]
    else:
        all_unknown = "every label is 0" in outcome.stderr
        assert faults or all_unknown, f"a proper pair was refused\n{outcome.show()}"
        assert all_unknown or names_one_of(outcome, faults), f"the error does not name {faults}\n{outcome.show()}"
