"""Every command's output placed on, inside, around or through a link to its inputs, or over a user's files."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.invariants.plans import placement_plans
from tests.invariants.profiles import HARNESS
from tests.invariants.scenarios import COMMANDS, check_plan
from tests.invariants.xfails import known


@pytest.mark.parametrize("command", [known("placements", command) for command in COMMANDS])
@HARNESS
@given(data=st.data())
def test_output_placement(command: str, data: st.DataObject) -> None:
    """Inputs and a user's files survive (with --force too); an output overlapping an input is refused."""
    check_plan(data.draw(placement_plans(command)))
