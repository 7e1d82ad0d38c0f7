"""Every command with one to three options at and past their bounds (derived from its settings model)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.invariants.plans import option_plans
from tests.invariants.profiles import HARNESS
from tests.invariants.scenarios import COMMANDS, check_plan
from tests.invariants.xfails import known


@pytest.mark.parametrize("command", [known("options", command) for command in COMMANDS])
@HARNESS
@given(data=st.data())
def test_option_values(command: str, data: st.DataObject) -> None:
    """No traceback, one-line errors, nothing outside the outputs touched, valid outputs."""
    check_plan(data.draw(option_plans(command)))
