"""Every command on generated inputs: rasters, checkpoints, patches and model files, whole or damaged."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.invariants.plans import input_plans
from tests.invariants.profiles import HARNESS
from tests.invariants.scenarios import check_plan
from tests.invariants.xfails import known

COMMANDS = ["evaluate", "predict", "score", "export", "pairs", "convert-patches", "import-cntk", "train"]


@pytest.mark.parametrize("command", [known("inputs", command) for command in COMMANDS])
@HARNESS
@given(data=st.data())
def test_generated_inputs(command: str, data: st.DataObject) -> None:
    """No traceback, one-line errors, nothing outside the outputs touched, valid outputs, garbage refused."""
    check_plan(data.draw(input_plans(command)))
