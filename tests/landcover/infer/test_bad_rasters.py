"""Invariants of ``score`` and ``evaluate`` over generated pairs: any band count, dtype, size, CRS, values,
files cut short or damaged at random offsets.

A run exits 0 with valid output, or 2 with one line naming the file at fault; never a traceback; inputs
byte-identical. A pair that every command must take is taken; one that is not what it claims is refused.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import rasterio
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.data.bad_rasters import RasterSpec, image_ok, labels_ok, raster_specs, write_raster
from tests.data.models import fresh_checkpoint
from tests.landcover.invariant import names_one_of, run

TRUNCATED_LABELS = (RasterSpec(width=96, height=96), RasterSpec(width=96, height=96, bands=1, values=(0, 6), cut=0.5))
"""An intact image beside labels cut short after their header (once blamed on the image)."""
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fresh_checkpoint(tmp_path_factory.mktemp("model") / "m.pt")


@st.composite
def pair_specs(draw: st.DrawFn) -> tuple[RasterSpec, RasterSpec]:
    """An image and its labels on one grid, either or both of them not what they claim (or damaged)."""
    image = draw(raster_specs(role="image", damage_rate=0.3))
    labels = draw(raster_specs(role="labels", grid=image, damage_rate=0.3))
    return image, labels


@pytest.fixture
def workspace() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="bad-rasters-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _write(folder: Path, image: RasterSpec, labels: RasterSpec) -> tuple[Path, Path]:
    shutil.rmtree(folder, ignore_errors=True)
    return write_raster(folder / "p_NAIP.tif", image), write_raster(folder / "p_LandCover.tif", labels)


def _at_fault(image: RasterSpec, labels: RasterSpec, image_path: Path, label_path: Path) -> list[Path]:
    return [path for path, ok in ((image_path, image_ok(image)), (label_path, labels_ok(labels))) if not ok]


@PROPERTY
@given(pair=pair_specs())
@example(pair=TRUNCATED_LABELS)
def test_score_takes_good_pairs_and_names_the_bad_file(
    pair: tuple[RasterSpec, RasterSpec], model: Path, workspace: Path
) -> None:
    image, labels = pair
    image_path, label_path = _write(workspace / "pairs", image, labels)
    outcome = run(["score", str(model), str(workspace / "pairs"), "--margin", "0"], [model, workspace / "pairs"])
    faults = _at_fault(image, labels, image_path, label_path)
    if outcome.code == 0:
        assert "pixel accuracy" in outcome.stdout or "nothing scored" in outcome.stdout, outcome.show()
        undamaged = {image_path: not image.damaged, label_path: not labels.damaged}
        refused = [path for path in faults if undamaged[path]]
        assert not refused, f"{refused} should have been refused\n{outcome.show()}"
    else:
        assert faults, f"a proper pair was refused\n{outcome.show()}"
        assert names_one_of(outcome, faults), f"the error does not name {faults}\n{outcome.show()}"


@PROPERTY
@given(pair=pair_specs())
@example(pair=TRUNCATED_LABELS)
def test_evaluate_takes_good_scenes_and_names_the_bad_file(
    pair: tuple[RasterSpec, RasterSpec], model: Path, workspace: Path
) -> None:
    image, labels = pair
    image_path, label_path = _write(workspace / "scene", image, labels)
    out = workspace / "out"
    shutil.rmtree(out, ignore_errors=True)
    argv = ["evaluate", "--input-filename", str(image_path), "--model-filename", str(model), "--output-dir", str(out)]
    outcome = run(argv, [model, workspace / "scene"])
    faults = _at_fault(image, labels, image_path, label_path)
    if outcome.code == 0:
        assert image_ok(image) or image.damaged, outcome.show()
        assert labels_ok(labels) or labels.damaged, outcome.show()
        with rasterio.open(out / "pred_labels.tif") as src:  # the map opens and covers the scene
            assert (src.width, src.height) == (image.width, image.height)
            assert int(src.read(1).max()) <= 4
    else:
        assert faults, f"a proper scene was refused\n{outcome.show()}"
        assert names_one_of(outcome, faults), f"the error does not name {faults}\n{outcome.show()}"
