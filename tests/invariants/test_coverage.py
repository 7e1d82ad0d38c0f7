"""The harness covers what the CLI offers: every command has a scenario, every option is generated."""

from __future__ import annotations

import pytest
import typer

from landcover.cli import app
from tests.invariants.scenarios import COMMANDS
from tests.invariants.strategies import option_fields, value_texts

NOT_GENERATED = {
    "view": "a web server (its own tests drive it in a browser)",
}
"""Commands the harness does not run, and why."""


def test_every_command_has_a_scenario() -> None:
    """A new ``landcover`` command fails here until it has a scenario (or a reason not to)."""
    commands = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    missing = sorted(commands - set(COMMANDS) - set(NOT_GENERATED))
    assert not missing, f"no scenario in tests/invariants/scenarios.py for: {', '.join(missing)}"


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_option_is_generated(command: str) -> None:
    """Every field of the settings model is generated or given by the scenario: a new option is covered."""
    spec = COMMANDS[command]
    drawn = set(option_fields(spec.model, spec.given))
    for name, field in spec.model.model_fields.items():
        assert name in drawn | spec.given or value_texts(field) is None, f"{command}: {name} is never generated"
        assert name in drawn | spec.given, f"{command}: field {name} is neither generated nor given by the scenario"
