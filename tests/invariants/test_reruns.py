"""A second run over the first run's results, after they were damaged or an input was replaced (issue 25 class 3).

The rerun must leave valid outputs when it exits 0 (a truncated earlier result is not "done"), and what it
leaves must be what a fresh run on the same inputs makes (an input replaced under its name is mapped again).
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest
import rasterio
import rasterio.errors
from hypothesis import assume, given, note
from hypothesis import strategies as st

from tests.data.generated import Corruption, PatchSpec, RasterSpec, corrupt, write_patch, write_raster
from tests.invariants.harness import InvariantBroken, Scenario, check_run, record
from tests.invariants.profiles import HARNESS
from tests.invariants.scenarios import COMMANDS, Plan, build, fresh_tree
from tests.invariants.xfails import known

RERUN = ["evaluate", "predict", "pairs", "convert-patches", "sample-data"]
DAMAGES = ("truncate-output", "replace-input", "remove-output", "none")


class StaleResult(InvariantBroken):
    invariant = "a rerun's result is a fresh run's"


def _replace_input(ws: Path, path: str) -> None:
    """Write other content under an input's name (a scene re-downloaded, a patch re-exported)."""
    if path.endswith(".npz"):
        write_patch(ws / path, PatchSpec(seed=99))
    elif path.endswith("_NAIP.tif"):
        write_raster(ws / path, RasterSpec(seed=99))


def _rasters(ws: Path, outputs: frozenset[str]) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    for output in outputs:
        for path in sorted((ws / output).rglob("*.tif")) if (ws / output).is_dir() else []:
            try:
                with rasterio.open(path) as src:
                    found[path.relative_to(ws).as_posix()] = src.read()
            except rasterio.errors.RasterioError:
                continue  # an unreadable output is the harness's InvalidOutput, not compared here
    return found


def _fresh_result(scenario: Scenario, ws: Path) -> dict[str, np.ndarray]:
    """The rasters a run on a fresh tree holding only the same inputs makes."""
    with fresh_tree() as other:
        fresh = Path(other)
        for path in sorted(p for p in scenario.inputs if (ws / p).is_file()):
            (fresh / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ws / path, fresh / path)
        argv = tuple(arg for arg in scenario.argv if arg != "--force")
        check_run(dataclasses.replace(scenario, argv=argv, tool_made=frozenset()), fresh)
        return _rasters(fresh, scenario.outputs)


@pytest.mark.parametrize("command", [known("reruns", command) for command in RERUN])
@HARNESS
@given(data=st.data())
def test_rerun(command: str, data: st.DataObject) -> None:
    """Run, damage the result or replace an input, run again: valid outputs, and those of a fresh run."""
    damage = data.draw(st.sampled_from(DAMAGES), label="damage")
    force = data.draw(st.booleans(), label="force")
    with fresh_tree() as folder:
        ws = Path(folder)
        scenario = build(Plan(command), ws)
        first = check_run(scenario, ws)
        assume(first.outcome.code == 0)
        written = sorted(path for path in first.written if (ws / path).is_file() and path.endswith(".tif"))
        inputs = sorted(path for path in scenario.inputs if path.endswith((".npz", "_NAIP.tif")))
        if damage == "truncate-output" and written:
            corrupt(ws / data.draw(st.sampled_from(written), label="output"), Corruption("truncate", 0.5))
        elif damage == "remove-output" and written:
            (ws / data.draw(st.sampled_from(written), label="output")).unlink()
        elif damage == "replace-input" and inputs:
            _replace_input(ws, data.draw(st.sampled_from(inputs), label="input"))
        has_force = "force" in COMMANDS[command].model.model_fields
        again = dataclasses.replace(
            scenario, argv=(*scenario.argv, *(["--force"] if force and has_force else [])), tool_made=first.written
        )
        second = check_run(again, ws)
        if second.outcome.code == 0:
            mine, fresh = _rasters(ws, scenario.outputs), _fresh_result(scenario, ws)
            for path in sorted(mine.keys() & fresh.keys()):
                if mine[path].shape != fresh[path].shape or not np.array_equal(mine[path], fresh[path]):
                    note(f"{path} differs from a fresh run's")
                    record(again, StaleResult(f"{path} after {damage}: not what a fresh run on these inputs makes"))
