"""Invariants of ``landcover pairs --images IMG --labels LBL`` over generated rasters (any band count, dtype,
CRS incl. none, values; cut short or damaged at random offsets).

Exit 0 with pairs that open and hold only classes 0-4, or 2 with one line naming the file at fault; never a
traceback; inputs byte-identical. Imagery given as labels, labels of no class and rasters without a CRS
(which ``pairs`` must place by location) are refused.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import rasterio
from hypothesis import HealthCheck, given, settings

from tests.data.bad_rasters import RasterSpec, image_ok, labels_ok, pair_specs, write_pair_specs
from tests.landcover.invariant import names_one_of, run


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=pair_specs())
def test_pairs_takes_good_rasters_and_names_the_bad_one(specs: tuple[RasterSpec, RasterSpec], workspace: Path) -> None:
    image, labels = specs
    shutil.rmtree(workspace, ignore_errors=True)
    image_path, label_path = write_pair_specs(workspace / "in", specs, ("scene.tif", "county.tif"))
    out = workspace / "out"
    outcome = run(
        ["pairs", "--images", str(image_path), "--labels", str(label_path), "--output-dir", str(out)],
        [workspace / "in"],
    )
    placed = image.crs is not None
    faults = [p for p, ok in ((image_path, image_ok(image) and placed), (label_path, labels_ok(labels))) if not ok]
    if outcome.code == 0:
        assert image_ok(image) or image.damaged, f"{image} should have been refused\n{outcome.show()}"
        assert labels_ok(labels) or labels.damaged, f"{labels} should have been refused\n{outcome.show()}"
        assert placed, f"a raster without a CRS was paired by location\n{outcome.show()}"
        for written in sorted(out.glob("*_LandCover.tif")):
            with rasterio.open(written) as src:
                assert src.count == 1 and int(np.asarray(src.read(1)).max()) <= 4
    else:
        if "no pair has any labelled pixel" in outcome.stderr:
            return  # labels that hold only 0 / nodata (also damaged ones): said so, in one line
        assert faults, f"proper rasters were refused\n{outcome.show()}"
        assert names_one_of(outcome, faults), f"the error does not name {faults}\n{outcome.show()}"
