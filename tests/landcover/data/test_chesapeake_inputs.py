"""Invariants of ``landcover convert-patches`` over generated patches: odd shapes (0 x 0 too), dtypes, values out
of the uint8 / class range, ``.npy`` files renamed ``.npz``, archives cut short.

Exit 0 with pairs that hold exactly the patch's labels and imagery (never wrapped or clipped), or 2 with one
line naming the patch; never a traceback; the patches byte-identical.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import rasterio
from hypothesis import HealthCheck, given, settings

from tests.data.bad_rasters import PatchSpec, patch_array, patch_specs, write_patch
from tests.landcover.invariant import run


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=patch_specs())
def test_convert_patches_writes_exact_pairs_or_names_the_patch(spec: PatchSpec, workspace: Path) -> None:
    shutil.rmtree(workspace, ignore_errors=True)
    patch = write_patch(workspace / "npz" / "p.npz", spec)
    outcome = run(["convert-patches", str(workspace / "npz"), str(workspace / "pairs")], [workspace / "npz"])
    if outcome.code == 2:
        assert not spec.ok(), f"a proper patch was refused\n{outcome.show()}"
        assert patch.name in outcome.stderr, outcome.show()
        return
    assert spec.ok(), f"{spec} should have been refused\n{outcome.show()}"
    array = patch_array(spec)
    with rasterio.open(workspace / "pairs" / "p_LandCover.tif") as src:
        np.testing.assert_array_equal(src.read(1), array[0, 8].astype(np.float64))
    with rasterio.open(workspace / "pairs" / "p_NAIP.tif") as src:
        np.testing.assert_array_equal(src.read(), np.rint(array[0, :4].astype(np.float64)))
