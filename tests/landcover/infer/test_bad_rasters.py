"""Invariants of ``score`` and ``evaluate`` over generated pairs: any band count, dtype, size, CRS, values,
files cut short or damaged at random offsets.

A run exits 0 with valid output, or 2 with one line naming the file at fault; never a traceback; inputs
byte-identical. A pair that every command must take is taken; one that is not what it claims is refused.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import rasterio
from hypothesis import HealthCheck, example, given, settings

from tests.data.bad_rasters import Pair, RasterSpec, at_fault, image_ok, labels_ok, pair_specs, write_pair_specs
from tests.data.models import fresh_checkpoint
from tests.landcover.invariant import Outcome, names_one_of, run

TRUNCATED_LABELS = (RasterSpec(width=96, height=96), RasterSpec(width=96, height=96, bands=1, values=(0, 6), cut=0.5))
"""An intact image beside labels cut short after their header (once blamed on the image)."""
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fresh_checkpoint(tmp_path_factory.mktemp("model") / "m.pt")


def _score(model: Path, pairs: Path, out: Path) -> list[str]:
    return ["score", str(model), str(pairs), "--margin", "0"]


def _evaluate(model: Path, pairs: Path, out: Path) -> list[str]:
    scene = str(pairs / "p_NAIP.tif")
    return ["evaluate", "--input-filename", scene, "--model-filename", str(model), "--output-dir", str(out)]


def _score_holds(outcome: Outcome, pair: Pair, paths: list[Path], out: Path) -> None:
    """A score printed; a file not what it claims was scored only when damage hid it."""
    assert "pixel accuracy" in outcome.stdout or "nothing scored" in outcome.stdout, outcome.show()
    undamaged = {path: not spec.damaged for path, spec in zip(paths, pair, strict=True)}
    refused = [path for path in at_fault(pair, paths) if undamaged[path]]
    assert not refused, f"{refused} should have been refused\n{outcome.show()}"


def _evaluate_holds(outcome: Outcome, pair: Pair, paths: list[Path], out: Path) -> None:
    """The map opens, covers the scene and holds classes 0-4."""
    image, labels = pair
    assert image_ok(image) or image.damaged, outcome.show()
    assert labels_ok(labels) or labels.damaged, outcome.show()
    with rasterio.open(out / "pred_labels.tif") as src:
        assert (src.width, src.height) == (image.width, image.height)
        assert int(src.read(1).max()) <= 4


COMMANDS: dict[
    str, tuple[Callable[[Path, Path, Path], list[str]], Callable[[Outcome, Pair, list[Path], Path], None]]
] = {
    "score": (_score, _score_holds),
    "evaluate": (_evaluate, _evaluate_holds),
}
"""Each command's command line (model, pairs folder, output folder) and what its exit 0 must hold."""


@pytest.mark.parametrize("command", sorted(COMMANDS))
@PROPERTY
@given(pair=pair_specs())
@example(pair=TRUNCATED_LABELS)
def test_score_and_evaluate_take_good_pairs_and_name_the_bad_file(
    command: str, pair: Pair, model: Path, workspace: Path
) -> None:
    paths = write_pair_specs(workspace / "pairs", pair)
    out = workspace / "out"
    shutil.rmtree(out, ignore_errors=True)
    argv, holds = COMMANDS[command]
    outcome = run(argv(model, workspace / "pairs", out), [model, workspace / "pairs"])
    faults = at_fault(pair, paths)
    if outcome.code == 0:
        holds(outcome, pair, paths, out)
    else:
        assert faults, f"a proper pair was refused\n{outcome.show()}"
        assert names_one_of(outcome, faults), f"the error does not name {faults}\n{outcome.show()}"
